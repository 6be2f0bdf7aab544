/**
 * Differential test: the same zones served by our server and by PowerDNS Authoritative
 * (`pdns_server`, bind backend, master files written from the same snapshots), the same queries
 * sent to both, and the answers compared: RCODE, AA, TC, EDNS presence and DO, and the answer,
 * authority and additional sections as sets (owner names compared case-insensitively).
 *
 * Deliberate differences, each asserted below so the list stays true:
 * - ANY: we answer with one RRset (RFC 8482 §4.1, minimal ANY against amplification); PowerDNS
 *   returns every RRset of the name.
 * - Classes other than IN (CH `version.bind`, class ANY): NOTIMP (RFC 1035 §4.1.1). PowerDNS
 *   answers CH with its version and treats class ANY as IN; we disclose no version (RFC 4892 makes
 *   it optional) and serve only IN.
 * - Opcodes we do not serve: NOTIMP (RFC 1035 §4.1.1, RFC 2136 §3 for UPDATE). PowerDNS stays
 *   silent for STATUS and answers NOTIFY and UPDATE with REFUSED.
 * - A query with no question, or two: FORMERR (RFC 1035 §4.1.1; RFC 9619 §2); PowerDNS stays silent.
 * - A query with two OPT records: FORMERR, as RFC 6891 §6.1.1 requires; PowerDNS answers it.
 * - AXFR or IXFR over UDP: NOTIMP (RFC 5936 §4.2: AXFR is a TCP exchange); PowerDNS answers AXFR
 *   over UDP like an ordinary NODATA and refuses IXFR.
 * - A CNAME query answered from a wildcard CNAME: PowerDNS adds the zone's SOA to the authority
 *   section; we send it only with negative answers (RFC 2308 §2.2, §3), as for any other positive
 *   answer.
 */
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../../src/modules/dns/server/index.ts';
import { fixtureZones } from './fixtures.ts';
import { decode, describeWithTools, freeUdpTcpPort, tcpQueries, udpQuery, type Decoded } from './harness.ts';
import { PDNS_SERVER, startPdns, type Pdns } from './pdns.ts';

const TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'NS', 'CAA', 'PTR', 'SOA'] as const;
const NAMES = [
  'example.rw', 'www.example.rw', 'mail.example.rw', 'ns1.example.rw', 'ns2.example.rw', '_sip._tcp.example.rw', 'sip.example.rw',
  'txt.example.rw', 'medium.example.rw', 'many.example.rw', 'chain1.example.rw', 'chain2.example.rw', 'loop1.example.rw',
  'dangling.example.rw', 'external.example.rw', 'cross.example.rw', 'x.wild.example.rw', 'a.b.wild.example.rw', 'sub.wild.example.rw',
  'ent.wild.example.rw', 'x.ent.wild.example.rw', 'q.r.cnamewild.example.rw', 'ent.example.rw', 'deep.ent.example.rw', 'child.example.rw',
  'www.child.example.rw', 'ns1.child.example.rw', 'sib.example.rw', 'ptr.example.rw', 'mx2.example.rw', 'nothere.example.rw',
  'example.org', 'host.example.org', 'back.example.org', 'gone.example.org', 'nope.example.org', 'c1.example.org', 'c2.example.org',
  '10.2.0.192.in-addr.arpa', '99.2.0.192.in-addr.arpa', '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
  'example.com', 'rw',
];

interface Query {
  label: string;
  msg: Buffer;
  tcp: boolean;
}

/** Same seeded choices every run, so a difference is reproducible. */
function mixCase(name: string, seed: number): string {
  let x = seed * 2654435761;
  return [...name].map((c) => ((x = (x * 1103515245 + 12345) >>> 0) & 0x10000 ? c.toUpperCase() : c)).join('');
}

function corpus(): Query[] {
  const out: Query[] = [];
  const sizes: (number | null)[] = [null, 512, 1232, 4096];
  let i = 0;
  for (const name of NAMES) {
    for (const type of TYPES) {
      const edns = sizes[i % 4]!;
      const asked = i % 3 === 1 ? mixCase(name, i) : name;
      const tcp = i % 7 === 0;
      const dnssecOk = i % 11 === 0 && edns !== null;
      out.push({
        label: `${asked} ${type} edns=${edns ?? 'none'}${dnssecOk ? '+do' : ''}${tcp ? ' tcp' : ''}`,
        tcp,
        msg: dnsPacket.encode({
          type: 'query',
          id: i & 0xffff,
          questions: [{ name: asked, type }],
          additionals: edns === null ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: edns, flags: dnssecOk ? dnsPacket.DNSSEC_OK : 0 } as dnsPacket.Answer],
        }),
      });
      i++;
    }
  }
  // Every size boundary for the large RRsets, over UDP and TCP, and types we do not hold.
  for (const [name, type] of [['big.example.rw', 'TXT'], ['many.example.rw', 'A'], ['medium.example.rw', 'TXT'], ['example.rw', 'NS']] as const) {
    for (const edns of [null, 512, 1000, 1232, 4096]) {
      for (const tcp of [false, true]) {
        out.push({
          label: `${name} ${type} edns=${edns ?? 'none'}${tcp ? ' tcp' : ''}`,
          tcp,
          msg: dnsPacket.encode({ type: 'query', id: i++, questions: [{ name, type }], additionals: edns === null ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: edns } as dnsPacket.Answer] }),
        });
      }
    }
  }
  for (const [name, type] of [['child.example.rw', 'DS'], ['example.rw', 'HINFO'], ['example.rw', 'DNSKEY'], ['www.example.rw', 'DS']] as const) {
    out.push({ label: `${name} ${type}`, tcp: false, msg: dnsPacket.encode({ type: 'query', id: i++, questions: [{ name, type }] }) });
  }
  return out;
}

function canonical(a: dnsPacket.Answer): string {
  const data = (a as { data?: unknown }).data;
  const norm = (v: unknown): unknown =>
    Buffer.isBuffer(v) ? v.toString('hex') : Array.isArray(v) ? v.map(norm) : typeof v === 'string' ? v.toLowerCase() : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)])) : v;
  return `${a.name.toLowerCase()} ${a.type} ${(a as { class?: string }).class} ${(a as { ttl?: number }).ttl} ${JSON.stringify(norm(data))}`;
}

/** The listed PowerDNS difference: SOA in authority beside a wildcard-synthesised CNAME answer. */
function wildcardCnameQuirk(q: Query, pdns: ReturnType<typeof summary>): boolean {
  return /cnamewild\.example\.rw CNAME/i.test(q.label) && pdns.answer.length === 1 && pdns.authority.length === 1 && pdns.authority[0]!.includes(' SOA ');
}

function summary(p: Decoded) {
  const opt = (p.additionals ?? []).find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;
  const set = (list?: dnsPacket.Answer[]) => (list ?? []).filter((a) => a.type !== 'OPT').map(canonical).sort();
  return {
    rcode: p.rcode,
    aa: p.flag_aa,
    tc: p.flag_tc,
    question: p.questions?.map((q) => `${q.name} ${q.type}`),
    edns: opt ? { size: opt.udpPayloadSize, do: (opt.flags & dnsPacket.DNSSEC_OK) !== 0 } : null,
    answer: set(p.answers),
    authority: set(p.authorities),
    additional: set(p.additionals),
  };
}

describeWithTools('differential test against PowerDNS', [PDNS_SERVER], () => {
  let ours: DnsServer;
  let pdns: Pdns;

  beforeAll(async () => {
    ours = await startDnsServer({ port: 0, workers: 0, zones: fixtureZones });
    pdns = await startPdns(fixtureZones, await freeUdpTcpPort());
  }, 60_000);
  afterAll(async () => {
    await ours?.close();
    await pdns?.stop();
  });

  const both = async (msg: Buffer, tcp = false) => {
    const one = async (port: number) => decode(tcp ? (await tcpQueries(port, [msg]))[0]! : await udpQuery(port, msg));
    return { ours: await one(ours.address.port), pdns: await one(pdns.port) };
  };

  it('gives the same answers to at least 200 queries', async () => {
    const queries = corpus();
    expect(queries.length).toBeGreaterThanOrEqual(200);
    const differences: string[] = [];
    const seen = { tcp: 0, edns: 0, mixedCase: 0, nxdomain: 0, nodata: 0, referral: 0, truncated: 0, refused: 0, cname: 0, wildcard: 0 };
    for (const q of queries) {
      const r = await both(q.msg, q.tcp);
      const a = summary(r.ours);
      const b = summary(r.pdns);
      if (wildcardCnameQuirk(q, b)) b.authority = [];
      if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`${q.label}\n  ours: ${JSON.stringify(a)}\n  pdns: ${JSON.stringify(b)}`);
      if (q.tcp) seen.tcp++;
      if (a.edns) seen.edns++;
      const asked = a.question?.[0]?.split(' ')[0] ?? '';
      if (asked !== asked.toLowerCase()) seen.mixedCase++;
      if (a.rcode === 'NXDOMAIN') seen.nxdomain++;
      if (a.rcode === 'NOERROR' && a.answer.length === 0 && a.authority.some((x) => x.includes(' SOA '))) seen.nodata++;
      if (!a.aa && a.authority.some((x) => x.includes(' NS '))) seen.referral++;
      if (a.tc) seen.truncated++;
      if (a.rcode === 'REFUSED') seen.refused++;
      if (a.answer.some((x) => x.includes(' CNAME '))) seen.cname++;
      if (q.label.includes('wild')) seen.wildcard++;
    }
    expect(differences, differences.join('\n')).toEqual([]);
    // The corpus covers what the acceptance asks for.
    for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThan(0);
    console.log(`[differential] ${queries.length} queries, identical answers from both servers: ${JSON.stringify(seen)}`);
  }, 120_000);

  it('differs only where listed: ANY is minimal (RFC 8482)', async () => {
    for (const name of ['example.rw', 'mail.example.rw', 'x.wild.example.rw']) {
      // Over TCP, so that PowerDNS's full answer is not truncated.
      const r = await both(dnsPacket.encode({ type: 'query', id: 1, questions: [{ name, type: 'ANY' as dnsPacket.RecordType }] }), true);
      const a = summary(r.ours);
      const b = summary(r.pdns);
      expect(new Set(a.answer.map((x) => x.split(' ')[1])).size, name).toBe(1);
      expect(b.answer.length, name).toBeGreaterThan(a.answer.length);
      for (const rr of a.answer) expect(b.answer, name).toContain(rr);
    }
  });

  it('differs only where listed: other classes and opcodes get NOTIMP', async () => {
    const chaos = await both(dnsPacket.encode({ type: 'query', id: 2, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] }));
    expect([chaos.ours.rcode, chaos.pdns.rcode]).toEqual(['NOTIMP', 'NOERROR']);
    const anyClass = await both(dnsPacket.encode({ type: 'query', id: 3, questions: [{ name: 'example.rw', type: 'A', class: 'ANY' }] }));
    expect([anyClass.ours.rcode, anyClass.pdns.rcode]).toEqual(['NOTIMP', 'NOERROR']);
    for (const [opcode, theirs] of [[4, 'REFUSED'], [5, 'REFUSED']] as const) {
      const r = await both(dnsPacket.encode({ type: 'query', id: 4, flags: opcode << 11, questions: [{ name: 'example.rw', type: 'SOA' }] }));
      expect([r.ours.rcode, r.pdns.rcode]).toEqual(['NOTIMP', theirs]);
    }
    const status = dnsPacket.encode({ type: 'query', id: 5, flags: 2 << 11, questions: [{ name: 'example.rw', type: 'A' }] });
    expect(decode(await udpQuery(ours.address.port, status)).rcode).toBe('NOTIMP');
    await expect(udpQuery(pdns.port, status, 500)).rejects.toThrow('no answer');
  });

  it('differs only where listed: FORMERR for no question, two questions or two OPTs', async () => {
    const noQuestion = dnsPacket.encode({ type: 'query', id: 6, questions: [] });
    const twoQuestions = dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: 'example.rw', type: 'A' }, { name: 'example.rw', type: 'MX' }] });
    for (const msg of [noQuestion, twoQuestions]) {
      expect(decode(await udpQuery(ours.address.port, msg)).rcode).toBe('FORMERR');
      await expect(udpQuery(pdns.port, msg, 500)).rejects.toThrow('no answer');
    }
    const twoOpts = dnsPacket.encode({ type: 'query', id: 8, questions: [{ name: 'example.rw', type: 'A' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 }, { type: 'OPT', name: '.', udpPayloadSize: 1232 }] as dnsPacket.Answer[] });
    const r = await both(twoOpts);
    expect([r.ours.rcode, r.pdns.rcode]).toEqual(['FORMERR', 'NOERROR']);
  });

  it('differs only where listed: no SOA beside a wildcard CNAME answer', async () => {
    const r = await both(dnsPacket.encode({ type: 'query', id: 11, questions: [{ name: 'q.r.cnamewild.example.rw', type: 'CNAME' }] }));
    expect(summary(r.ours).answer).toEqual(summary(r.pdns).answer);
    expect([r.ours.authorities?.length, r.pdns.authorities?.map((a) => a.type)]).toEqual([0, ['SOA']]);
  });

  it('differs only where listed: zone transfers over UDP get NOTIMP', async () => {
    const axfr = await both(dnsPacket.encode({ type: 'query', id: 9, questions: [{ name: 'example.rw', type: 'AXFR' }] }));
    expect([axfr.ours.rcode, axfr.pdns.rcode]).toEqual(['NOTIMP', 'NOERROR']);
    const ixfr = await both(dnsPacket.encode({ type: 'query', id: 10, questions: [{ name: 'example.rw', type: 'IXFR' }] }));
    expect([ixfr.ours.rcode, ixfr.pdns.rcode]).toEqual(['NOTIMP', 'REFUSED']);
  });
});
