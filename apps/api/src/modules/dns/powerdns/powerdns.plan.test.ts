/** The diff between a zone snapshot and what PowerDNS holds, and the backend's configuration. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config.ts';
import type { ZoneSnapshot } from '../zone.ts';
import type { PdnsRrset } from './powerdns.client.ts';
import { zoneId } from './powerdns.client.ts';
import { desiredZone, planChanges } from './powerdns.plan.ts';

const zone = (rrsets: ZoneSnapshot['rrsets'], serial = 7): ZoneSnapshot => ({
  name: 'example.rw',
  serial,
  soa: { mname: 'ns1.strettch.com', rname: 'hostmaster@strettch.com', refresh: 3600, retry: 600, expire: 1_209_600, minimum: 300, ttl: 3600 },
  nameservers: ['ns1.strettch.com', 'ns2.strettch.com'],
  rrsets,
});
const rr = (name: string, type: string, ttl: number, ...contents: string[]): PdnsRrset => ({ name, type, ttl, records: contents.map((content) => ({ content, disabled: false })) });

describe('desiredZone', () => {
  it('writes absolute names, the SOA with our serial, the apex NS from the nameservers, and canonical values', () => {
    const desired = desiredZone(
      zone([
        { name: 'www.example.rw', type: 'AAAA', ttl: 300, records: ['2001:DB8:0:0::1'] },
        { name: 'example.rw', type: 'NS', ttl: 300, records: ['ns.someone-else.example.'] },
        { name: 'example.rw', type: 'MX', ttl: 300, records: ['10 Mail.Example.RW'] },
      ]),
    );
    expect(desired.name).toBe('example.rw.');
    expect(desired.rrsets).toEqual([
      rr('example.rw.', 'SOA', 3600, 'ns1.strettch.com. hostmaster.strettch.com. 7 3600 600 1209600 300'),
      // The apex NS is the platform's: an NS rrset at the apex in the snapshot is ignored.
      rr('example.rw.', 'NS', 3600, 'ns1.strettch.com.', 'ns2.strettch.com.'),
      rr('www.example.rw.', 'AAAA', 300, '2001:db8::1'),
      rr('example.rw.', 'MX', 300, '10 mail.example.rw.'),
    ]);
    expect(desired.problems).toBe(0);
  });

  it('leaves out values that cannot be served and names outside the zone, and counts them', () => {
    const desired = desiredZone(
      zone([
        { name: 'www.example.rw', type: 'A', ttl: 300, records: ['192.0.2.1', 'not-an-address'] },
        { name: 'www.elsewhere.rw', type: 'A', ttl: 300, records: ['192.0.2.2'] },
      ]),
    );
    expect(desired.rrsets.map((r) => `${r.name}/${r.type}/${r.records.length}`)).toEqual(['example.rw./SOA/1', 'example.rw./NS/2', 'www.example.rw./A/1']);
    expect(desired.problems).toBe(2);
  });
});

describe('planChanges', () => {
  const desired = desiredZone(
    zone([
      { name: 'www.example.rw', type: 'A', ttl: 300, records: ['192.0.2.1', '192.0.2.2'] },
      { name: 'dkim.example.rw', type: 'TXT', ttl: 300, records: [`"${'k'.repeat(300)}"`] },
      { name: 'v6.example.rw', type: 'AAAA', ttl: 300, records: ['2001:db8::1'] },
    ]),
  ).rrsets;

  it('sees no change where PowerDNS writes the same data its own way (order, case, IPv6, one long TXT string)', () => {
    const current = [
      rr('WWW.example.rw.', 'A', 300, '192.0.2.2', '192.0.2.1'),
      rr('dkim.example.rw.', 'TXT', 300, `"${'k'.repeat(300)}"`),
      rr('v6.example.rw.', 'AAAA', 300, '2001:DB8:0:0:0:0:0:1'),
      rr('example.rw.', 'NS', 3600, 'ns2.strettch.com.', 'ns1.strettch.com.'),
      rr('example.rw.', 'SOA', 3600, 'ns1.strettch.com. hostmaster.strettch.com. 7 3600 600 1209600 300'),
    ];
    expect(planChanges(current, desired)).toEqual([]);
  });

  it('replaces what differs (a value, a TTL, the serial, a disabled record), deletes what we lack, DELETEs first', () => {
    const current = [
      rr('www.example.rw.', 'CNAME', 300, 'elsewhere.example.'),
      rr('dkim.example.rw.', 'TXT', 600, `"${'k'.repeat(300)}"`),
      { ...rr('v6.example.rw.', 'AAAA', 300, '2001:db8::1'), records: [{ content: '2001:db8::1', disabled: true }] },
      rr('example.rw.', 'NS', 3600, 'ns1.strettch.com.', 'ns2.strettch.com.'),
      rr('example.rw.', 'SOA', 3600, 'ns1.strettch.com. hostmaster.strettch.com. 6 3600 600 1209600 300'),
      rr('old.example.rw.', 'LUA', 300, 'A "1.2.3.4"'),
    ];
    const changes = planChanges(current, desired);
    expect(changes.map((c) => `${c.changetype} ${c.name} ${c.type}`)).toEqual([
      'DELETE www.example.rw. CNAME',
      'DELETE old.example.rw. LUA',
      'REPLACE example.rw. SOA',
      'REPLACE www.example.rw. A',
      'REPLACE dkim.example.rw. TXT',
      'REPLACE v6.example.rw. AAAA',
    ]);
    expect(changes[3]).toMatchObject({ ttl: 300, records: [{ content: '192.0.2.1', disabled: false }, { content: '192.0.2.2', disabled: false }] });
  });
});

describe('zoneId', () => {
  it('escapes what PowerDNS escapes in zone ids', () => {
    expect(zoneId('example.rw')).toBe('example.rw.');
    expect(zoneId('_dmarc.Example.rw.')).toBe('=5Fdmarc.Example.rw.');
  });
});

describe('configuration', () => {
  it('defaults to the built-in server, and needs the API URL and key for PowerDNS', () => {
    expect(loadConfig({}).DNS_BACKEND).toBe('builtin');
    const err = (() => {
      try {
        loadConfig({ DNS_BACKEND: 'both' });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toEqual(expect.arrayContaining([expect.stringContaining('POWERDNS_API_URL'), expect.stringContaining('POWERDNS_API_KEY')]));
    const config = loadConfig({ DNS_BACKEND: 'powerdns', POWERDNS_API_URL: 'http://127.0.0.1:8081', POWERDNS_API_KEY: 'k' });
    expect(config).toMatchObject({ POWERDNS_SERVER_ID: 'localhost', POWERDNS_ZONE_KIND: 'Native', POWERDNS_ACCOUNT: 'strettch', POWERDNS_RESYNC_SECONDS: 300 });
  });
});
