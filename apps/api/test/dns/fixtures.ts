/**
 * A zone set that exercises every answer the server gives: every record type, in-zone and
 * cross-zone CNAME chains, a loop, wildcards with an explicit name and an empty non-terminal
 * beside them, delegations with in-domain and sibling glue, RRsets too large for 512 and 1232
 * bytes, and reverse zones. Used by the unit, dig, differential and fuzz tests.
 */
import type { ZoneSnapshot } from '../../src/modules/dns/zone.ts';

const soa = { mname: 'ns1.example.rw', rname: 'hostmaster.example.rw', refresh: 7200, retry: 900, expire: 1_209_600, minimum: 300, ttl: 3600 };

const bigTxt = Array.from({ length: 30 }, (_, i) => `"record ${String(i).padStart(2, '0')} ${'x'.repeat(90)}"`);
const mediumTxt = Array.from({ length: 8 }, (_, i) => `"medium ${i} ${'y'.repeat(80)}"`);
const manyA = Array.from({ length: 40 }, (_, i) => `198.51.100.${i + 1}`);

export const exampleRw: ZoneSnapshot = {
  name: 'example.rw',
  serial: 2026112701,
  soa,
  nameservers: ['ns1.example.rw', 'ns2.example.rw'],
  nameserverTtl: 86400,
  rrsets: [
    { name: 'example.rw', type: 'A', ttl: 300, records: ['192.0.2.10'] },
    { name: 'example.rw', type: 'AAAA', ttl: 300, records: ['2001:db8::10'] },
    { name: 'example.rw', type: 'MX', ttl: 3600, records: ['10 mail.example.rw.', '20 mx.other.test.'] },
    { name: 'example.rw', type: 'TXT', ttl: 300, records: ['"v=spf1 mx -all"', '"google-site-verification=abc123"'] },
    { name: 'example.rw', type: 'CAA', ttl: 3600, records: ['0 issue "letsencrypt.org"', '0 iodef "mailto:security@example.rw"', '128 issuewild ";"'] },
    { name: 'ns1.example.rw', type: 'A', ttl: 86400, records: ['192.0.2.53'] },
    { name: 'ns2.example.rw', type: 'A', ttl: 86400, records: ['192.0.2.54'] },
    { name: 'ns2.example.rw', type: 'AAAA', ttl: 86400, records: ['2001:db8::54'] },
    { name: 'www.example.rw', type: 'CNAME', ttl: 300, records: ['example.rw.'] },
    { name: 'mail.example.rw', type: 'A', ttl: 300, records: ['192.0.2.25'] },
    { name: 'mail.example.rw', type: 'AAAA', ttl: 300, records: ['2001:db8::25'] },
    { name: '_sip._tcp.example.rw', type: 'SRV', ttl: 600, records: ['10 60 5060 sip.example.rw.', '20 0 5060 sip.other.test.'] },
    { name: 'sip.example.rw', type: 'A', ttl: 600, records: ['192.0.2.60'] },
    { name: 'txt.example.rw', type: 'TXT', ttl: 60, records: ['"two" "strings"', '"with \\"quotes\\" and \\\\ backslash"', `"${'k'.repeat(300)}"`] },
    { name: 'big.example.rw', type: 'TXT', ttl: 60, records: bigTxt },
    { name: 'medium.example.rw', type: 'TXT', ttl: 60, records: mediumTxt },
    { name: 'many.example.rw', type: 'A', ttl: 60, records: manyA },
    { name: 'chain1.example.rw', type: 'CNAME', ttl: 120, records: ['chain2.example.rw.'] },
    { name: 'chain2.example.rw', type: 'CNAME', ttl: 120, records: ['chain3.example.rw.'] },
    { name: 'chain3.example.rw', type: 'A', ttl: 120, records: ['192.0.2.3'] },
    { name: 'chain3.example.rw', type: 'TXT', ttl: 120, records: ['"end of chain"'] },
    { name: 'loop1.example.rw', type: 'CNAME', ttl: 120, records: ['loop2.example.rw.'] },
    { name: 'loop2.example.rw', type: 'CNAME', ttl: 120, records: ['loop1.example.rw.'] },
    { name: 'dangling.example.rw', type: 'CNAME', ttl: 120, records: ['nothere.example.rw.'] },
    { name: 'external.example.rw', type: 'CNAME', ttl: 120, records: ['www.other.test.'] },
    { name: 'cross.example.rw', type: 'CNAME', ttl: 120, records: ['host.example.org.'] },
    { name: '*.wild.example.rw', type: 'A', ttl: 200, records: ['192.0.2.100'] },
    { name: '*.wild.example.rw', type: 'TXT', ttl: 200, records: ['"from the wildcard"'] },
    { name: 'sub.wild.example.rw', type: 'A', ttl: 200, records: ['192.0.2.101'] },
    { name: 'deep.ent.wild.example.rw', type: 'A', ttl: 200, records: ['192.0.2.102'] },
    { name: '*.cnamewild.example.rw', type: 'CNAME', ttl: 200, records: ['mail.example.rw.'] },
    { name: 'deep.ent.example.rw', type: 'A', ttl: 200, records: ['192.0.2.110'] },
    { name: 'child.example.rw', type: 'NS', ttl: 3600, records: ['ns1.child.example.rw.', 'ns.other.test.'] },
    { name: 'ns1.child.example.rw', type: 'A', ttl: 3600, records: ['192.0.2.200'] },
    { name: 'sib.example.rw', type: 'NS', ttl: 3600, records: ['ns2.example.rw.'] },
    { name: 'ptr.example.rw', type: 'PTR', ttl: 300, records: ['example.rw.'] },
    { name: 'mx2.example.rw', type: 'MX', ttl: 300, records: ['0 mail.example.rw.', '5 mail.example.org.'] },
  ],
};

export const exampleOrg: ZoneSnapshot = {
  name: 'example.org',
  serial: 7,
  soa: { ...soa, mname: 'ns1.example.rw', minimum: 600, ttl: 900 },
  nameservers: ['ns1.example.rw', 'ns2.example.rw'],
  rrsets: [
    { name: 'example.org', type: 'A', ttl: 300, records: ['203.0.113.1'] },
    { name: 'host.example.org', type: 'A', ttl: 300, records: ['203.0.113.5'] },
    { name: 'host.example.org', type: 'AAAA', ttl: 300, records: ['2001:db8:1::5'] },
    { name: 'mail.example.org', type: 'A', ttl: 300, records: ['203.0.113.25'] },
    { name: 'back.example.org', type: 'CNAME', ttl: 300, records: ['chain1.example.rw.'] },
    { name: 'gone.example.org', type: 'CNAME', ttl: 300, records: ['nothing.example.rw.'] },
    // c1 … c11: a chain of eleven CNAMEs to c12.
    ...Array.from({ length: 11 }, (_, i) => ({ name: `c${i + 1}.example.org`, type: 'CNAME' as const, ttl: 60, records: [`c${i + 2}.example.org.`] })),
    { name: 'c12.example.org', type: 'A', ttl: 60, records: ['203.0.113.12'] },
  ],
};

export const reverseV4: ZoneSnapshot = {
  name: '2.0.192.in-addr.arpa',
  serial: 1,
  soa,
  nameservers: ['ns1.example.rw', 'ns2.example.rw'],
  rrsets: [
    { name: '10.2.0.192.in-addr.arpa', type: 'PTR', ttl: 3600, records: ['example.rw.'] },
    { name: '25.2.0.192.in-addr.arpa', type: 'PTR', ttl: 3600, records: ['mail.example.rw.'] },
  ],
};

export const reverseV6: ZoneSnapshot = {
  name: '8.b.d.0.1.0.0.2.ip6.arpa',
  serial: 1,
  soa,
  nameservers: ['ns1.example.rw', 'ns2.example.rw'],
  rrsets: [{ name: '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', type: 'PTR', ttl: 3600, records: ['example.rw.'] }],
};

export const fixtureZones: ZoneSnapshot[] = [exampleRw, exampleOrg, reverseV4, reverseV6];
