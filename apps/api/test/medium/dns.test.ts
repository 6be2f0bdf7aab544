/**
 * DNS hosting through the public API with API keys: domains (normalised, public suffixes and
 * taken names refused), validated rrsets, serials, permissions and team isolation, delegation
 * checks with a fake clock and a local resolver, auto-import review, sub-zones that need the
 * parent team's delegation, and the authoritative server following every change within a second.
 */
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/shared/clock.ts';
import { axfr, StaticResolver, SystemResolver } from '../../src/modules/dns/resolver.ts';
import { startDnsServer } from '../../src/modules/dns/server/index.ts';
import { buildApiKey } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

type TestPlatform = Awaited<ReturnType<typeof startTestPlatform>>;
const NS = ['ns1.strettch.com', 'ns2.strettch.com'];

let t: TestPlatform;
let resolver: StaticResolver;
let a: { secret: string; teamId: string };
let aMember: { secret: string };
let b: { secret: string; teamId: string };
let port = 0;

const domainName = () => `bars${crypto.randomBytes(3).toString('hex')}.rw`;
const call = (key: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${key}`, ...headers }, ...(payload ? { payload } : {}) });
const addDomain = (key: string, name: string, extra: object = {}) => call(key, 'POST', '/domains', { name, ...extra }, { 'idempotency-key': crypto.randomUUID() });
const put = (key: string, zone: string, name: string, type: string, body: object) => call(key, 'PUT', `/domains/${zone}/rrsets/${encodeURIComponent(name)}/${type}`, body);

async function query(name: string, type: string): Promise<dnsPacket.Packet> {
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no DNS answer in 2 s')), 2000);
      socket.once('message', (msg) => {
        clearTimeout(timer);
        resolve(dnsPacket.decode(msg));
      });
      socket.send(dnsPacket.encode({ type: 'query', id: 7, flags: 0, questions: [{ type: type as 'A', name }] }), port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}
const rcode = (p: dnsPacket.Packet) => (p as { rcode?: string }).rcode;

beforeAll(async () => {
  resolver = new StaticResolver();
  t = await startTestPlatform({}, { dnsResolver: resolver });
  const db = t.deps.database.db;
  a = await buildApiKey(db, t.deps.apiKeys);
  aMember = await buildApiKey(db, t.deps.apiKeys, a.teamId, { role: 'MEMBER' });
  b = await buildApiKey(db, t.deps.apiKeys);
  port = (await t.platform.startDns({ port: 0, workers: 0 }))!.address.port;
}, 60_000);
afterAll(async () => t?.close());

describe('domains', () => {
  it('adds a domain: normalised, ACTIVATING, with the nameservers to set', async () => {
    const name = domainName();
    const res = await addDomain(a.secret, ` ${name.toUpperCase()}. `, { autoImport: false });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().data).toMatchObject({ name, status: 'ACTIVATING', nameservers: NS, delegatedTo: [], recordSets: 0, awaitingParentDelegation: false });
    const list = await call(a.secret, 'GET', '/domains');
    expect(list.json().data.map((d: { name: string }) => d.name)).toContain(name);
    await put(a.secret, name, 'www', 'A', { records: [{ value: '192.0.2.1' }] });
    await put(a.secret, name, '@', 'TXT', { records: [{ value: 'hello' }] });
    const counted = (await call(a.secret, 'GET', '/domains?limit=100')).json().data as { name: string; recordSets: number }[];
    expect(counted.find((d) => d.name === name)?.recordSets).toBe(2);
    expect((await call(a.secret, 'GET', `/domains/${name}`)).json().data.name).toBe(name);
    const idn = await addDomain(a.secret, 'ikaze-müller.rw', { autoImport: false });
    expect(idn.json().data.name).toBe('xn--ikaze-mller-zhb.rw');
  });

  it('refuses public suffixes, the same domain twice, and a domain another team holds', async () => {
    for (const bad of ['co.rw', 'rw', 'github.io', 'not a domain', '192.0.2.1']) {
      const res = await addDomain(a.secret, bad);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    }
    const name = domainName();
    expect((await addDomain(a.secret, name, { autoImport: false })).statusCode).toBe(201);
    expect((await addDomain(a.secret, name)).json().code).toBe('CONFLICT');
    const taken = await addDomain(b.secret, name);
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('DOMAIN_TAKEN');
  });

  it('keeps teams apart and Members read-only', async () => {
    const name = domainName();
    await addDomain(a.secret, name, { autoImport: false });
    expect((await call(b.secret, 'GET', `/domains/${name}`)).statusCode).toBe(404);
    expect((await put(b.secret, name, 'www', 'A', { ttl: 300, records: [{ value: '192.0.2.1' }] })).statusCode).toBe(404);
    expect((await call(b.secret, 'DELETE', `/domains/${name}`)).statusCode).toBe(404);
    expect((await call(aMember.secret, 'GET', `/domains/${name}/rrsets`)).statusCode).toBe(200);
    expect((await put(aMember.secret, name, 'www', 'A', { ttl: 300, records: [{ value: '192.0.2.1' }] })).statusCode).toBe(403);
    expect((await addDomain(aMember.secret, domainName())).statusCode).toBe(403);
  });
});

describe('record sets', () => {
  it('creates, replaces and deletes rrsets, raising the serial and writing the audit log', async () => {
    const name = domainName();
    const serial0 = (await addDomain(a.secret, name, { autoImport: false })).json().data.serial as number;
    const created = await put(a.secret, name, 'www', 'A', { ttl: 300, records: [{ value: '196.12.1.10', comment: 'web 1' }] });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json().message).toBe('Records created');
    expect(created.json().data).toMatchObject({ name: 'www', fqdn: `www.${name}`, type: 'A', ttl: 300, records: [{ value: '196.12.1.10', comment: 'web 1' }] });
    const replaced = await put(a.secret, name, 'www', 'A', { ttl: 600, records: [{ value: '196.12.1.10' }, { value: '196.12.1.11' }] });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().message).toBe('Records replaced');
    await put(a.secret, name, '@', 'MX', { records: [{ value: `10 mail.${name}.` }] });
    const sets = (await call(a.secret, 'GET', `/domains/${name}/rrsets`)).json().data as { name: string; type: string; ttl: number }[];
    expect(sets.map((s) => `${s.name}/${s.type}/${s.ttl}`)).toEqual(['@/MX/3600', 'www/A/600']);
    const serial1 = (await call(a.secret, 'GET', `/domains/${name}`)).json().data.serial as number;
    expect(serial1).toBeGreaterThan(serial0);
    expect((await call(a.secret, 'DELETE', `/domains/${name}/rrsets/www/A`)).statusCode).toBe(200);
    expect((await call(a.secret, 'DELETE', `/domains/${name}/rrsets/www/A`)).statusCode).toBe(404);
    expect((await call(a.secret, 'GET', `/domains/${name}`)).json().data.serial).toBeGreaterThan(serial1);
    const audit = await t.deps.database.db.execute<{ action: string }>(sql`select action from audit_events where team_id = ${a.teamId} and action like 'dns.%'`);
    expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['dns.domain.create', 'dns.record.create', 'dns.record.update', 'dns.record.delete']));
  });

  it('refuses what the RFCs forbid, each with a clear message and nothing saved', async () => {
    const name = domainName();
    await addDomain(a.secret, name, { autoImport: false });
    await put(a.secret, name, 'www', 'A', { ttl: 300, records: [{ value: '192.0.2.1' }] });
    const refusals: [string, string, object, RegExp][] = [
      ['www', 'CNAME', { records: [{ value: 'other.example.' }] }, /only record at its name/],
      ['@', 'CNAME', { records: [{ value: 'other.example.' }] }, /apex/],
      ['@', 'MX', { records: [{ value: '10 192.0.2.25' }] }, /host name, not an IP/],
      ['@', 'CAA', { records: [{ value: '0 issue "letsencrypt org"' }] }, /certificate authority/],
      ['@', 'CAA', { records: [{ value: '3 issue "letsencrypt.org"' }] }, /flags/],
      ['mail', 'A', { ttl: 5, records: [{ value: '192.0.2.1' }] }, /TTL must be/],
      ['mail', 'A', { ttl: 10_000_000, records: [{ value: '192.0.2.1' }] }, /TTL must be/],
      ['mail', 'AAAA', { records: [{ value: '192.0.2.1' }] }, /IPv6/],
      ['mail', 'SOA', { records: [{ value: 'x' }] }, /not supported/],
      ['www.elsewhere.rw.', 'A', { records: [{ value: '192.0.2.1' }] }, /not in the zone/],
    ];
    for (const [recordName, type, body, message] of refusals) {
      const res = await put(a.secret, name, recordName, type, body);
      expect(res.statusCode, `${recordName} ${type}`).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
      expect(res.json().message).toMatch(message);
    }
    const sets = (await call(a.secret, 'GET', `/domains/${name}/rrsets`)).json().data as unknown[];
    expect(sets).toHaveLength(1);
  });
});

describe('delegation', () => {
  it('turns INACTIVE after 24 h without delegation, and ACTIVE once delegated; an inactive name is free for others', async () => {
    const clock = t.clock as ManualClock;
    const waiting = domainName();
    const delegated = domainName();
    await addDomain(a.secret, waiting, { autoImport: false });
    await addDomain(a.secret, delegated, { autoImport: false });
    await t.platform.worker().drain();
    expect((await call(a.secret, 'GET', `/domains/${waiting}`)).json().data.status).toBe('ACTIVATING');

    resolver.delegations.set(delegated, NS);
    await t.deps.domains.checkDue();
    expect((await call(a.secret, 'GET', `/domains/${delegated}`)).json().data).toMatchObject({ status: 'ACTIVE', delegatedTo: NS });

    clock.advance(23 * 3_600_000);
    await t.deps.domains.checkDue();
    expect((await call(a.secret, 'GET', `/domains/${waiting}`)).json().data.status).toBe('ACTIVATING');
    clock.advance(2 * 3_600_000);
    await t.deps.domains.checkDue();
    expect((await call(a.secret, 'GET', `/domains/${waiting}`)).json().data.status).toBe('INACTIVE');

    // Another team may now claim it; the first team's inactive zone can no longer activate.
    expect((await addDomain(b.secret, waiting, { autoImport: false })).statusCode).toBe(201);
    resolver.delegations.set(waiting, NS);
    clock.advance(7 * 3_600_000);
    await t.deps.domains.checkDue();
    expect((await call(b.secret, 'GET', `/domains/${waiting}`)).json().data.status).toBe('ACTIVE');
    expect((await call(a.secret, 'GET', `/domains/${waiting}`)).json().data.status).toBe('INACTIVE');
    // Active in team B: nobody else may add it.
    const c = await buildApiKey(t.deps.database.db, t.deps.apiKeys);
    const taken = await addDomain(c.secret, waiting);
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('DOMAIN_TAKEN');
  });

  it('a zone below another team\'s domain waits for that team to delegate it', async () => {
    const parent = domainName();
    await addDomain(a.secret, parent, { autoImport: false });
    const child = `dev.${parent}`;
    const res = await addDomain(b.secret, child, { autoImport: false });
    expect(res.json().data).toMatchObject({ status: 'ACTIVATING', awaitingParentDelegation: true });
    await put(b.secret, child, 'www', 'A', { records: [{ value: '192.0.2.99' }] });
    await t.deps.domains.checkDue();
    expect((await call(b.secret, 'GET', `/domains/${child}`)).json().data.status).toBe('ACTIVATING');
    // Not served meanwhile: the parent's team answers for its names.
    await expect.poll(async () => rcode(await query(`www.${child}`, 'A')), { timeout: 3000 }).toBe('NXDOMAIN');
    await put(a.secret, parent, 'dev', 'NS', { records: NS.map((n) => ({ value: `${n}.` })) });
    await t.deps.domains.checkDue();
    expect((await call(b.secret, 'GET', `/domains/${child}`)).json().data).toMatchObject({ status: 'ACTIVE', awaitingParentDelegation: false });
    await expect.poll(async () => ((await query(`www.${child}`, 'A')).answers?.[0] as { data?: unknown } | undefined)?.data, { timeout: 3000 }).toBe('192.0.2.99');
  });
});

describe('the system resolver', () => {
  it('reads delegations and records over real DNS, here from a local server standing in for the internet', async () => {
    const name = domainName();
    const soa = { mname: 'ns1.oldhost.example', rname: 'hostmaster.oldhost.example', refresh: 3600, retry: 600, expire: 86400, minimum: 300, ttl: 3600 };
    const internet = await startDnsServer({ port: 0, workers: 0, allowTransfer: ['127.0.0.1'] });
    try {
      await internet.upsertZone({
        name, serial: 1, soa, nameservers: NS,
        rrsets: [
          { name, type: 'A', ttl: 300, records: ['198.51.100.7'] },
          { name, type: 'MX', ttl: 300, records: ['10 mx.mailhost.example.'] },
          { name: `www.${name}`, type: 'CNAME', ttl: 300, records: [`${name}.`] },
        ],
      });
      const resolver = new SystemResolver([`127.0.0.1:${internet.address.port}`]);
      expect(await resolver.nameservers(name)).toEqual(NS);
      expect(await resolver.nameservers(`other-${name}`)).toEqual([]);
      expect(await resolver.lookup(name, 'A')).toEqual(['198.51.100.7']);
      expect(await resolver.lookup(name, 'MX')).toEqual(['10 mx.mailhost.example.']);
      expect(await resolver.lookup(`www.${name}`, 'CNAME')).toEqual([`${name}.`]);
      // The old host allows a zone transfer: the whole zone, not just the names we would guess.
      const transferred = await axfr(name, '127.0.0.1', internet.address.port);
      expect(transferred?.map((r) => `${r.name} ${r.type} ${r.records.map((x) => x.value).join(',')}`).sort()).toEqual([
        `${name} A 198.51.100.7`, `${name} MX 10 mx.mailhost.example.`, `${name} NS ${NS.map((n) => `${n}.`).join(',')}`, `www.${name} CNAME ${name}.`,
      ]);
      expect(await axfr(`other-${name}`, '127.0.0.1', internet.address.port)).toBeNull();
    } finally {
      await internet.close();
    }
  });
});

describe('auto-import', () => {
  it('shows what the previous host serves for review, and saves what is accepted', async () => {
    const name = domainName();
    resolver.records.set(`${name}/A`, ['198.51.100.7']);
    resolver.records.set(`${name}/MX`, [`10 mx.mailhost.example.`]);
    resolver.records.set(`${name}/TXT`, ['"v=spf1 -all"']);
    resolver.records.set(`www.${name}/CNAME`, [`${name}.`]);
    // What a recursive resolver answers for A at www: the target's address, via the CNAME.
    resolver.records.set(`www.${name}/A`, ['198.51.100.7']);
    await addDomain(a.secret, name);
    await t.platform.worker().drain();
    const review = (await call(a.secret, 'GET', `/domains/${name}/import`)).json().data as { method: string; rrsets: { name: string; type: string; conflict: string | null }[] };
    expect(review.method).toBe('lookup');
    expect(review.rrsets.map((r) => `${r.name}/${r.type}`).sort()).toEqual(['@/A', '@/MX', '@/TXT', 'www/CNAME']);
    expect(review.rrsets.every((r) => r.conflict === null)).toBe(true);
    expect((await call(a.secret, 'GET', `/domains/${name}/rrsets`)).json().data).toHaveLength(0);
    const saved = await call(a.secret, 'POST', `/domains/${name}/import`, { accept: [{ name: '@', type: 'A' }, { name: 'www', type: 'CNAME' }] });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().data.saved.map((r: { name: string; type: string }) => `${r.name}/${r.type}`)).toEqual(['@/A', 'www/CNAME']);
    expect((await call(a.secret, 'GET', `/domains/${name}/rrsets`)).json().data).toHaveLength(2);
    expect((await call(a.secret, 'GET', `/domains/${name}/import`)).json().data).toBeNull();
  });
});

describe('reverse DNS of public addresses', () => {
  it('publishes the PTR a team sets for its compute\'s public IPv4, and drops it with the address', async () => {
    const db = t.deps.database.db;
    await db.transaction((tx) =>
      t.deps.ledger.post(tx, {
        teamId: a.teamId, kind: 'credit', reference: `test-credit:${a.teamId}`, description: 'Test credit', actor: { type: 'system', id: 'test' },
        entries: [{ account: 'team_wallet', teamId: a.teamId, amount: 100_000 }, { account: 'promotional_credit', amount: -100_000 }],
      }),
    );
    const body = { image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C-1G', publicKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bar@test'] };
    const create = (hostName: string, withPublicIp: boolean) => call(a.secret, 'POST', '/computes', { ...body, hostName, withPublicIp }, { 'idempotency-key': crypto.randomUUID() });
    const web = (await create('web-1', true)).json().data as { id: string; ipv4: string };
    const inner = (await create('inner-1', false)).json().data as { id: string };
    expect(web.ipv4).toMatch(/^192\.0\.2\./);
    const ptrName = `${web.ipv4.split('.').reverse().join('.')}.in-addr.arpa`;

    expect((await call(a.secret, 'GET', `/computes/${web.id}/reverse-dns`)).json().data).toEqual({ ipv4: web.ipv4, name: null });
    expect(rcode(await query(ptrName, 'PTR'))).toBe('NXDOMAIN');
    const saved = await call(a.secret, 'PUT', `/computes/${web.id}/reverse-dns`, { name: 'Web1.Example.RW.' });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().data).toEqual({ ipv4: web.ipv4, name: 'web1.example.rw' });
    await expect.poll(async () => ((await query(ptrName, 'PTR')).answers?.[0] as { data?: unknown } | undefined)?.data, { timeout: 1000, interval: 20 }).toBe('web1.example.rw');

    expect((await call(a.secret, 'PUT', `/computes/${web.id}/reverse-dns`, { name: '192.0.2.1' })).json().code).toBe('VALIDATION_ERROR');
    expect((await call(a.secret, 'PUT', `/computes/${web.id}/reverse-dns`, { name: 'not a name' })).json().code).toBe('VALIDATION_ERROR');
    expect((await call(a.secret, 'PUT', `/computes/${inner.id}/reverse-dns`, { name: 'x.example.rw' })).json().code).toBe('BAD_REQUEST');
    expect((await call(b.secret, 'PUT', `/computes/${web.id}/reverse-dns`, { name: 'evil.example' })).statusCode).toBe(404);
    expect((await call(aMember.secret, 'PUT', `/computes/${web.id}/reverse-dns`, { name: 'x.example.rw' })).statusCode).toBe(403);

    // Destroyed: the address is released and its PTR record goes with it.
    await t.platform.worker().drain();
    expect((await call(a.secret, 'DELETE', `/computes/${web.id}`)).statusCode).toBe(202);
    await t.platform.worker().drain();
    await expect.poll(async () => rcode(await query(ptrName, 'PTR')), { timeout: 1000, interval: 20 }).toBe('NXDOMAIN');
    // Names outside our pool's reverse zones are not ours to answer.
    expect(rcode(await query('1.2.0.10.in-addr.arpa', 'PTR'))).toBe('REFUSED');
  });
});

describe('the authoritative server follows the database', () => {
  it('answers a new record within a second, with AA, and stops answering a deleted domain', async () => {
    const name = domainName();
    await addDomain(a.secret, name, { autoImport: false });
    await put(a.secret, name, 'www', 'A', { ttl: 300, records: [{ value: '196.12.1.10' }] });
    const started = Date.now();
    let answer: dnsPacket.Packet | undefined;
    while (Date.now() - started < 1000) {
      answer = await query(`www.${name}`, 'A');
      if (answer.answers?.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(answer?.answers?.[0]).toMatchObject({ type: 'A', data: '196.12.1.10', ttl: 300 });
    expect(answer!.flags! & dnsPacket.AUTHORITATIVE_ANSWER).toBeTruthy();
    const soa = await query(`nope.${name}`, 'A');
    expect(rcode(soa)).toBe('NXDOMAIN');
    expect(soa.authorities?.[0]?.type).toBe('SOA');
    await call(a.secret, 'DELETE', `/domains/${name}`);
    await expect.poll(async () => rcode(await query(`www.${name}`, 'A')), { timeout: 1000, interval: 20 }).toBe('REFUSED');
  });
});
