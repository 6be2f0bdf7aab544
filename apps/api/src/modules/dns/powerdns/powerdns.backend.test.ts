/**
 * Contract tests of the PowerDNS backend against a real `pdns_server` (Debian's pdns-server with
 * pdns-backend-sqlite3, started by the test): zones created with our serial and marker, rrsets of
 * every type replaced and deleted, the queue and its retries, zones that are not ours left alone,
 * drift (a restore from an old backup, an edit by hand) repaired, and dig showing the same answers
 * from PowerDNS as from our own server fed the same snapshot.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/logger.ts';
import { startDnsServer, type DnsServer } from '../server/index.ts';
import type { RrsetSnapshot, ZoneSnapshot } from '../zone.ts';
import { udpQuery } from '../../../../test/dns/harness.ts';
import { describeWithPdnsApi, dig, hasDig, startPdnsApi, type PdnsApi } from '../../../../test/dns/pdns-api.ts';
import { PowerDnsBackend } from './powerdns.backend.ts';
import { PowerDnsClient, PowerDnsError, zoneId } from './powerdns.client.ts';
import { desiredZone, planChanges } from './powerdns.plan.ts';

const ACCOUNT = 'strettch-test';
const LONG_TXT = `v=DKIM1; k=rsa; p=${'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A'.repeat(10)}`; // 339 bytes: two character-strings

const zoneName = () => `pdns${crypto.randomBytes(4).toString('hex')}.rw`;

function snapshot(name: string, serial: number, rrsets: RrsetSnapshot[]): ZoneSnapshot {
  return {
    name,
    serial,
    soa: { mname: 'ns1.strettch.com', rname: 'hostmaster.strettch.com', refresh: 3600, retry: 600, expire: 1_209_600, minimum: 300, ttl: 3600 },
    nameservers: ['ns1.strettch.com', 'ns2.strettch.com'],
    nameserverTtl: 86_400,
    rrsets,
  };
}

/** A zone with every record type the API offers. */
function everyType(z: string, serial = 2025010101): ZoneSnapshot {
  return snapshot(z, serial, [
    { name: z, type: 'A', ttl: 300, records: ['196.12.1.10'] },
    { name: `www.${z}`, type: 'A', ttl: 300, records: ['196.12.1.10', '196.12.1.11'] },
    { name: `v6.${z}`, type: 'AAAA', ttl: 300, records: ['2001:DB8:0:0::1'] },
    { name: `shop.${z}`, type: 'CNAME', ttl: 600, records: [`www.${z}.`] },
    { name: z, type: 'MX', ttl: 3600, records: [`10 mail.${z}.`, `20 mx2.${z}`] },
    { name: `mail.${z}`, type: 'A', ttl: 3600, records: ['196.12.1.25'] },
    { name: z, type: 'TXT', ttl: 300, records: ['"v=spf1 mx -all"', '"say \\"hi\\"" "two strings"'] },
    { name: `sel._domainkey.${z}`, type: 'TXT', ttl: 300, records: [`"${LONG_TXT}"`] },
    { name: `_sip._tcp.${z}`, type: 'SRV', ttl: 300, records: [`10 5 5060 sip.${z}.`] },
    { name: `dev.${z}`, type: 'NS', ttl: 300, records: [`ns1.dev.${z}.`, 'ns.elsewhere.example.'] },
    { name: `ns1.dev.${z}`, type: 'A', ttl: 300, records: ['192.0.2.53'] },
    { name: z, type: 'CAA', ttl: 3600, records: ['0 issue "letsencrypt.org"', '0 iodef "mailto:security@example.rw"'] },
    { name: `*.apps.${z}`, type: 'A', ttl: 120, records: ['192.0.2.80'] },
  ]);
}

describeWithPdnsApi('PowerDNS backend against pdns_server', () => {
  let pdns: PdnsApi;
  let client: PowerDnsClient;
  let backend: PowerDnsBackend;
  const logLines: string[] = [];
  const logger = createLogger(
    'trace',
    new Writable({
      write(chunk, _enc, cb) {
        logLines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    }),
  );

  beforeAll(async () => {
    pdns = await startPdnsApi();
    client = new PowerDnsClient({ apiUrl: pdns.apiUrl, apiKey: pdns.apiKey, timeoutMs: 2_000 });
    backend = new PowerDnsBackend({ client, logger, account: ACCOUNT, backoffMs: { min: 25, max: 200 } });
  }, 60_000);
  afterAll(async () => {
    await backend?.close();
    await pdns?.close();
  });

  async function ask(name: string, type: string): Promise<dnsPacket.Packet> {
    return dnsPacket.decode(await udpQuery(pdns.dnsPort, dnsPacket.encode({ type: 'query', id: 9, questions: [{ name, type: type as 'A' }] })));
  }
  type Rr = { name: string; type: string; ttl: number; data: unknown };
  const records = (list: dnsPacket.Answer[] | undefined) => (list ?? []) as Rr[];
  const answers = async (name: string, type: string) => records((await ask(name, type)).answers).filter((a) => a.type === type);
  const rcode = (p: dnsPacket.Packet) => (p as { rcode?: string }).rcode;
  /** What PowerDNS still lacks or holds beyond `snap` (empty: it holds exactly the snapshot). */
  const drift = async (snap: ZoneSnapshot) => planChanges((await client.getZone(snap.name))?.rrsets ?? [], desiredZone(snap).rrsets);

  describe('pushing zones', () => {
    it('creates a zone with our SOA serial, nameservers and marker, and PowerDNS serves every record type', async () => {
      const z = zoneName();
      const snap = everyType(z);
      expect(await backend.push(snap)).toMatchObject({ created: true, rejected: 0, problems: 0 });
      const zone = await client.getZone(z);
      expect(zone).toMatchObject({ name: `${z}.`, account: ACCOUNT, kind: 'Native', serial: snap.serial, soa_edit_api: '', soa_edit: '' });
      expect(await drift(snap)).toEqual([]);

      const soa = await answers(z, 'SOA');
      expect(soa[0]?.data).toMatchObject({ mname: 'ns1.strettch.com', rname: 'hostmaster.strettch.com', serial: snap.serial, minimum: 300 });
      expect((await answers(z, 'NS')).map((a) => a.data).sort()).toEqual(['ns1.strettch.com', 'ns2.strettch.com']);
      expect((await answers(`www.${z}`, 'A')).map((a) => [a.data, a.ttl]).sort()).toEqual([['196.12.1.10', 300], ['196.12.1.11', 300]]);
      expect((await answers(`v6.${z}`, 'AAAA'))[0]?.data).toBe('2001:db8::1');
      expect((await answers(`shop.${z}`, 'CNAME'))[0]).toMatchObject({ data: `www.${z}`, ttl: 600 });
      expect((await answers(z, 'MX')).map((a) => a.data).sort((x, y) => (x as { preference: number }).preference - (y as { preference: number }).preference)).toEqual([
        { preference: 10, exchange: `mail.${z}` },
        { preference: 20, exchange: `mx2.${z}` },
      ]);
      const txt = (await answers(z, 'TXT')).map((a) => (a.data as Buffer[]).map(String));
      expect(txt).toEqual(expect.arrayContaining([['v=spf1 mx -all'], ['say "hi"', 'two strings']]));
      const dkim = (await answers(`sel._domainkey.${z}`, 'TXT'))[0]!.data as Buffer[];
      expect(dkim.map((b) => b.length)).toEqual([255, LONG_TXT.length - 255]);
      expect(Buffer.concat(dkim).toString()).toBe(LONG_TXT);
      expect((await answers(`_sip._tcp.${z}`, 'SRV'))[0]?.data).toMatchObject({ priority: 10, weight: 5, port: 5060, target: `sip.${z}` });
      expect((await answers(z, 'CAA')).map((a) => (a.data as { value: string }).value).sort()).toEqual(['letsencrypt.org', 'mailto:security@example.rw']);
      expect((await answers(`anything.apps.${z}`, 'A'))[0]).toMatchObject({ name: `anything.apps.${z}`, data: '192.0.2.80', ttl: 120 });
      // Below the delegation: a referral with glue, not an answer.
      const referral = await ask(`www.dev.${z}`, 'A');
      expect(referral.answers ?? []).toEqual([]);
      expect(records(referral.authorities).map((a) => a.data).sort()).toEqual(['ns.elsewhere.example', `ns1.dev.${z}`]);
      expect(records(referral.additionals).filter((a) => a.type === 'A').map((a) => a.data)).toEqual(['192.0.2.53']);
    });

    it('replaces and deletes rrsets with one PATCH, keeps the serial equal to ours, and sends nothing when nothing changed', async () => {
      const z = zoneName();
      const first = everyType(z);
      await backend.push(first);
      const next = everyType(z, first.serial + 1);
      next.rrsets = next.rrsets
        .filter((r) => !(r.type === 'MX' || (r.type === 'CNAME' && r.name === `shop.${z}`)))
        .map((r) => (r.name === `www.${z}` && r.type === 'A' ? { ...r, ttl: 900, records: ['196.12.1.12'] } : r));
      // A CNAME where an A was, and an A where the CNAME was: only passes with the DELETEs first.
      next.rrsets = next.rrsets.filter((r) => !(r.name === `mail.${z}` && r.type === 'A'));
      next.rrsets.push({ name: `mail.${z}`, type: 'CNAME', ttl: 300, records: ['mail.provider.example.'] });
      next.rrsets.push({ name: `shop.${z}`, type: 'A', ttl: 300, records: ['196.12.1.30'] });
      const result = await backend.push(next);
      expect(result).toMatchObject({ created: false, rejected: 0 });
      // SOA, www A, MX gone, shop CNAME→A (2), mail A→CNAME (2).
      expect(result.changes).toBe(7);
      expect(await drift(next)).toEqual([]);
      expect((await client.getZone(z))?.serial).toBe(next.serial);
      expect((await answers(z, 'SOA'))[0]?.data).toMatchObject({ serial: next.serial });
      expect((await answers(`www.${z}`, 'A')).map((a) => [a.data, a.ttl])).toEqual([['196.12.1.12', 900]]);
      expect(await answers(z, 'MX')).toEqual([]);
      expect((await answers(`mail.${z}`, 'CNAME'))[0]?.data).toBe('mail.provider.example');
      expect((await answers(`shop.${z}`, 'A'))[0]?.data).toBe('196.12.1.30');

      expect(await backend.push(next)).toMatchObject({ created: false, changes: 0 });
    });

    it('queues changes: the latest snapshot of a zone wins, and a removed zone is deleted', async () => {
      const z = zoneName();
      backend.upsertZone(snapshot(z, 1, [{ name: `www.${z}`, type: 'A', ttl: 300, records: ['192.0.2.1'] }]));
      backend.upsertZone(snapshot(z, 2, [{ name: `www.${z}`, type: 'A', ttl: 300, records: ['192.0.2.2'] }]));
      await backend.idle();
      expect((await answers(`www.${z}`, 'A')).map((a) => a.data)).toEqual(['192.0.2.2']);
      expect((await client.getZone(z))?.serial).toBe(2);
      backend.removeZone(z);
      await backend.idle();
      expect(await client.getZone(z)).toBeNull();
      expect(rcode(await ask(`www.${z}`, 'A'))).toBe('REFUSED');
    });

    it('names zones with an underscore by PowerDNS\'s escaped id', async () => {
      expect(zoneId('_acme.example.rw')).toBe('=5Facme.example.rw.');
      const z = `_x${zoneName()}`;
      await backend.push(snapshot(z, 5, [{ name: `a.${z}`, type: 'A', ttl: 300, records: ['192.0.2.5'] }]));
      expect((await client.getZone(z))?.id).toBe(zoneId(z));
      expect(await backend.drop(z)).toBe(true);
    });
  });

  describe('zones that are not ours', () => {
    it('never changes or removes a zone it did not create, even in a resync', async () => {
      const z = zoneName();
      await client.createZone({ name: `${z}.`, kind: 'Native', account: 'operator', soa_edit_api: 'DEFAULT', soa_edit: '', nameservers: ['ns.operator.example.'], rrsets: [] });
      const before = await client.getZone(z);
      const err = await backend.push(snapshot(z, 7, [])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PowerDnsError);
      expect(err).toMatchObject({ code: 'FOREIGN_ZONE', transient: false });
      expect(await backend.drop(z)).toBe(false);
      const report = await backend.resync([snapshot(z, 7, [])]);
      expect(report.foreign).toBe(1);
      await backend.resync([]);
      await backend.idle();
      expect(await client.getZone(z)).toEqual(before);
    });
  });

  describe('drift', () => {
    it('repairs a PowerDNS restored from an old backup, and an edit made there by hand', async () => {
      const [a, b, c] = [zoneName(), zoneName(), zoneName()];
      let zoneA = snapshot(a, 10, [{ name: `www.${a}`, type: 'A', ttl: 300, records: ['192.0.2.10'] }]);
      const zoneB = snapshot(b, 20, [{ name: `www.${b}`, type: 'A', ttl: 300, records: ['192.0.2.20'] }]);
      const zoneC = snapshot(c, 30, [{ name: `www.${c}`, type: 'A', ttl: 300, records: ['192.0.2.30'] }]);
      await backend.push(zoneA);
      await backend.push(zoneB);
      const backup = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'strettch-pdns-backup-')), 'pdns.sqlite3');
      pdns.backup(backup);

      zoneA = { ...zoneA, serial: 11, rrsets: [{ name: `www.${a}`, type: 'A', ttl: 300, records: ['192.0.2.11'] }, { name: `api.${a}`, type: 'AAAA', ttl: 60, records: ['2001:db8::11'] }] };
      await backend.push(zoneA);
      await backend.drop(b);
      await backend.push(zoneC);

      // The operator restores yesterday's backup: A is old, B is back, C is gone.
      await pdns.restore(backup);
      fs.rmSync(path.dirname(backup), { recursive: true, force: true });
      expect((await client.getZone(a))?.serial).toBe(10);
      expect(await client.getZone(b)).not.toBeNull();
      expect(await client.getZone(c)).toBeNull();

      const ours = [zoneA, zoneC];
      const report = await backend.resync(async () => ours);
      expect(report).toMatchObject({ zones: 2, missing: 1, stale: 1, foreign: 0 });
      expect(report.extra).toBeGreaterThanOrEqual(1);
      await backend.idle();
      expect(await drift(zoneA)).toEqual([]);
      expect(await drift(zoneC)).toEqual([]);
      expect(await client.getZone(b)).toBeNull();
      expect((await answers(`api.${a}`, 'AAAA'))[0]?.data).toBe('2001:db8::11');

      // An edit by hand keeps the serial; the rrsets tell.
      await client.patchRrsets(a, [{ name: `www.${a}.`, type: 'A', changetype: 'REPLACE', ttl: 300, records: [{ content: '203.0.113.66', disabled: false }] }]);
      expect(await backend.resync(ours)).toMatchObject({ missing: 0, stale: 1, extra: 0 });
      await backend.idle();
      expect((await answers(`www.${a}`, 'A')).map((x) => x.data)).toEqual(['192.0.2.11']);
      expect(await backend.resync(ours)).toMatchObject({ missing: 0, stale: 0, extra: 0 });
    });

    it('leaves alone a zone changed by the feed while a resync runs', async () => {
      const z = zoneName();
      await backend.push(snapshot(z, 1, []));
      // The resync read the database before the zone got serial 2; the feed pushes 2 meanwhile.
      const report = await backend.resync(async () => {
        backend.upsertZone(snapshot(z, 2, [{ name: `new.${z}`, type: 'A', ttl: 300, records: ['192.0.2.2'] }]));
        await backend.idle();
        return [snapshot(z, 1, [])];
      });
      expect(report.stale).toBe(0);
      await backend.idle();
      expect((await client.getZone(z))?.serial).toBe(2);
    });
  });

  describe('failures', () => {
    it('retries while PowerDNS is down, with backoff, and catches up when it is back', async () => {
      const z = zoneName();
      await pdns.stop();
      try {
        backend.upsertZone(snapshot(z, 3, [{ name: `www.${z}`, type: 'A', ttl: 300, records: ['192.0.2.3'] }]));
        await new Promise((r) => setTimeout(r, 400));
        expect(backend.backlog).toBe(1);
      } finally {
        await pdns.start();
      }
      await backend.idle();
      expect((await answers(`www.${z}`, 'A')).map((a) => a.data)).toEqual(['192.0.2.3']);
      const lines = logLines.filter((l) => l.includes('PowerDNS unavailable'));
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines[0]).toContain(`"zone":"${z}"`);
      expect(lines[0]).toContain('"code":"NETWORK"');
    });

    it('applies what PowerDNS accepts when it refuses one rrset, and logs the zone name only', async () => {
      const z = zoneName();
      // A CNAME beside other data: PowerDNS refuses it (422); the API never stores this.
      const snap = snapshot(z, 4, [
        { name: `www.${z}`, type: 'A', ttl: 300, records: ['192.0.2.4'] },
        { name: `www.${z}`, type: 'CNAME', ttl: 300, records: ['secret-target.example.'] },
        { name: `ok.${z}`, type: 'TXT', ttl: 300, records: ['"private note"'] },
      ]);
      const result = await backend.push(snap);
      expect(result).toMatchObject({ created: true, rejected: 1 });
      expect((await answers(`ok.${z}`, 'TXT')).length).toBe(1);
      expect((await client.getZone(z))?.serial).toBe(4);
      const line = logLines.find((l) => l.includes('refused a zone change') && l.includes(z));
      expect(line).toBeDefined();
      expect(line).not.toContain('secret-target');
      expect(line).not.toContain('192.0.2.4');
      // The same refusal is not logged again by the next attempt at the same serial.
      await backend.push(snap);
      expect(logLines.filter((l) => l.includes('refused a zone change') && l.includes(z))).toHaveLength(1);
    });

    it('refuses a wrong API key as definite, and never shows the key', async () => {
      const wrong = new PowerDnsClient({ apiUrl: `${pdns.apiUrl}/api/v1/`, apiKey: 'not-the-key-0123456789' });
      const err = (await wrong.listZones().catch((e: unknown) => e)) as PowerDnsError;
      expect(err).toMatchObject({ status: 401, transient: false });
      expect(`${err.message} ${JSON.stringify(err)}`).not.toContain('not-the-key');
      const right = (await client.listZones().catch((e: unknown) => e)) as unknown[];
      expect(Array.isArray(right)).toBe(true);
      expect(logLines.join('\n')).not.toContain(pdns.apiKey);
    });

    it('bounds every request by its timeout and calls that transient', async () => {
      const silent = net.createServer(() => {}); // accepts and never answers
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const sockets = new Set<net.Socket>();
      silent.on('connection', (s) => sockets.add(s));
      try {
        const slow = new PowerDnsClient({ apiUrl: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, apiKey: 'k', timeoutMs: 200 });
        const started = Date.now();
        const err = await slow.getZone('example.rw').catch((e: unknown) => e);
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(err).toMatchObject({ code: 'TIMEOUT', transient: true });
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((r) => silent.close(r));
      }
    });
  });

  describe('dig', () => {
    let builtin: DnsServer;
    beforeAll(async () => {
      builtin = await startDnsServer({ port: 0, workers: 0 });
    });
    afterAll(async () => builtin?.close());

    it.skipIf(!hasDig() && process.env.CI !== 'true')('shows the same answers from pdns_server as from our server fed the same snapshot', async () => {
      if (!hasDig()) throw new Error('dig is not installed; CI must install dnsutils');
      const z = zoneName();
      const snap = everyType(z);
      await backend.push(snap);
      await builtin.upsertZone(snap);
      const questions: [string, string][] = [
        [z, 'SOA'], [z, 'NS'], [z, 'A'], [`www.${z}`, 'A'], [`v6.${z}`, 'AAAA'], [`shop.${z}`, 'CNAME'], [z, 'MX'], [z, 'TXT'],
        [`sel._domainkey.${z}`, 'TXT'], [`_sip._tcp.${z}`, 'SRV'], [z, 'CAA'], [`x.apps.${z}`, 'A'],
      ];
      for (const [name, type] of questions) {
        const fromPdns = await dig(pdns.dnsPort, name, type, ['+noall', '+answer']);
        expect(fromPdns.length, `${name} ${type}`).toBeGreaterThan(0);
        expect(fromPdns, `${name} ${type}`).toEqual(await dig(builtin.address.port, name, type, ['+noall', '+answer']));
      }
      const referral = await dig(pdns.dnsPort, `www.dev.${z}`, 'A', ['+noall', '+authority']);
      expect(referral).toEqual([`dev.${z}. 300 IN NS ns.elsewhere.example.`, `dev.${z}. 300 IN NS ns1.dev.${z}.`].sort());
      expect(referral).toEqual(await dig(builtin.address.port, `www.dev.${z}`, 'A', ['+noall', '+authority']));
      expect(await dig(pdns.dnsPort, `www.dev.${z}`, 'A', ['+tcp', '+noall', '+authority'])).toEqual(referral);
    });
  });
});

if (!hasDig()) console.warn('[PowerDNS backend] dig is not installed (Debian package dnsutils): the dig comparison is skipped.');
