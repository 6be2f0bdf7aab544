import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { exampleOrg, exampleRw, fixtureZones } from '../../../../test/dns/fixtures.ts';
import { decode, type Decoded } from '../../../../test/dns/harness.ts';
import type { ZoneSnapshot } from '../zone.ts';
import { DnsEngine, type Transport } from './engine.ts';

interface AskOptions {
  id?: number;
  edns?: number | false;
  dnssecOk?: boolean;
  ednsVersion?: number;
  transport?: Transport;
  remote?: string;
  rd?: boolean;
  cd?: boolean;
}

function query(name: string, type: string, o: AskOptions = {}): Buffer {
  const edns = o.edns === undefined ? 1232 : o.edns;
  return dnsPacket.encode({
    type: 'query',
    id: o.id ?? 4242,
    flags: (o.rd ? dnsPacket.RECURSION_DESIRED : 0) | (o.cd ? dnsPacket.CHECKING_DISABLED : 0),
    questions: [{ name, type: type as dnsPacket.RecordType, class: 'IN' }],
    additionals: edns === false ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: edns, ednsVersion: o.ednsVersion ?? 0, flags: o.dnssecOk ? dnsPacket.DNSSEC_OK : 0 } as dnsPacket.OptAnswer],
  });
}

function engineWith(zones: ZoneSnapshot[] = fixtureZones, options: ConstructorParameters<typeof DnsEngine>[0] = {}): DnsEngine {
  const engine = new DnsEngine(options);
  for (const z of zones) expect(engine.upsertZone(z).problems).toEqual([]);
  return engine;
}

function send(engine: DnsEngine, msg: Buffer, transport: Transport = 'udp', remote = '192.0.2.99'): Buffer {
  const out = engine.handle(msg, transport, remote);
  if (!Buffer.isBuffer(out)) throw new Error(`expected one message, got ${out === null ? 'none' : 'several'}`);
  return out;
}

function ask(engine: DnsEngine, name: string, type: string, o: AskOptions = {}) {
  const raw = send(engine, query(name, type, o), o.transport, o.remote);
  return { raw, p: decode(raw) };
}

function dataOf(a: dnsPacket.Answer): unknown {
  const data = (a as { data?: unknown }).data;
  return Array.isArray(data) ? data.map(String) : data;
}

const rrs = (list: dnsPacket.Answer[] | undefined) =>
  (list ?? []).filter((a) => a.type !== 'OPT').map((a) => `${a.name} ${a.type} ${'ttl' in a ? a.ttl : ''} ${JSON.stringify(dataOf(a))}`);
const aa = (p: Decoded) => ((p.flags ?? 0) & dnsPacket.AUTHORITATIVE_ANSWER) !== 0;
const tc = (p: Decoded) => ((p.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) !== 0;
const opt = (p: Decoded) => (p.additionals ?? []).find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;

describe('DnsEngine answers', () => {
  const engine = engineWith();

  it('answers an A query authoritatively, echoing id and RD', () => {
    const { p } = ask(engine, 'example.rw', 'A', { id: 777, rd: true });
    expect(p.id).toBe(777);
    expect(p.rcode).toBe('NOERROR');
    expect(aa(p)).toBe(true);
    expect(p.flag_rd).toBe(true);
    expect(p.flag_ra).toBe(false);
    expect(rrs(p.answers)).toEqual(['example.rw A 300 "192.0.2.10"']);
  });

  it('answers NXDOMAIN with the SOA in authority at TTL min(SOA TTL, minimum)', () => {
    const rw = ask(engine, 'nothere.example.rw', 'A').p;
    expect(rw.rcode).toBe('NXDOMAIN');
    expect(aa(rw)).toBe(true);
    expect(rw.answers).toHaveLength(0);
    expect(rw.authorities?.map((a) => [a.name, a.type, (a as dnsPacket.SoaAnswer).ttl])).toEqual([['example.rw', 'SOA', 300]]);
    // example.org: SOA TTL 900, minimum 600.
    const org = ask(engine, 'nope.example.org', 'A').p;
    expect((org.authorities![0] as dnsPacket.SoaAnswer).ttl).toBe(600);
  });

  it('answers NODATA (NOERROR, no answer, SOA) for a name without that type', () => {
    const { p } = ask(engine, 'mail.example.rw', 'TXT');
    expect(p.rcode).toBe('NOERROR');
    expect(p.answers).toHaveLength(0);
    expect(p.authorities?.map((a) => a.type)).toEqual(['SOA']);
  });

  it('serves every record type', () => {
    const cases: [string, string, string[]][] = [
      ['example.rw', 'AAAA', ['example.rw AAAA 300 "2001:db8::10"']],
      ['example.rw', 'MX', ['example.rw MX 3600 {"preference":10,"exchange":"mail.example.rw"}', 'example.rw MX 3600 {"preference":20,"exchange":"mx.other.test"}']],
      ['example.rw', 'TXT', ['example.rw TXT 300 ["v=spf1 mx -all"]', 'example.rw TXT 300 ["google-site-verification=abc123"]']],
      ['_sip._tcp.example.rw', 'SRV', ['_sip._tcp.example.rw SRV 600 {"priority":10,"weight":60,"port":5060,"target":"sip.example.rw"}', '_sip._tcp.example.rw SRV 600 {"priority":20,"weight":0,"port":5060,"target":"sip.other.test"}']],
      ['example.rw', 'NS', ['example.rw NS 86400 "ns1.example.rw"', 'example.rw NS 86400 "ns2.example.rw"']],
      ['ptr.example.rw', 'PTR', ['ptr.example.rw PTR 300 "example.rw"']],
      ['10.2.0.192.in-addr.arpa', 'PTR', ['10.2.0.192.in-addr.arpa PTR 3600 "example.rw"']],
      ['www.example.rw', 'CNAME', ['www.example.rw CNAME 300 "example.rw"']],
    ];
    for (const [name, type, expected] of cases) expect(rrs(ask(engine, name, type).p.answers), `${name} ${type}`).toEqual(expected);
    const soa = ask(engine, 'example.rw', 'SOA').p.answers![0] as dnsPacket.SoaAnswer;
    expect(soa.data).toMatchObject({ mname: 'ns1.example.rw', rname: 'hostmaster.example.rw', serial: 2026112701, minimum: 300 });
    const caa = ask(engine, 'example.rw', 'CAA').p.answers!.map((a) => (a as dnsPacket.CaaAnswer).data);
    expect(caa).toEqual([
      { flags: 0, tag: 'issue', value: 'letsencrypt.org', issuerCritical: false },
      { flags: 0, tag: 'iodef', value: 'mailto:security@example.rw', issuerCritical: false },
      { flags: 128, tag: 'issuewild', value: ';', issuerCritical: true },
    ]);
    const txt = ask(engine, 'txt.example.rw', 'TXT').p.answers!.map(dataOf);
    expect(txt).toEqual([['two', 'strings'], ['with "quotes" and \\ backslash'], ['k'.repeat(255), 'k'.repeat(45)]]);
  });

  it('adds the in-zone addresses of MX, SRV and NS targets to the additional section', () => {
    expect(rrs(ask(engine, 'example.rw', 'MX').p.additionals)).toEqual(['mail.example.rw A 300 "192.0.2.25"', 'mail.example.rw AAAA 300 "2001:db8::25"']);
    expect(rrs(ask(engine, '_sip._tcp.example.rw', 'SRV').p.additionals)).toEqual(['sip.example.rw A 600 "192.0.2.60"']);
    expect(rrs(ask(engine, 'example.rw', 'NS').p.additionals)).toHaveLength(3);
    // mail.example.org is another zone: not added.
    expect(rrs(ask(engine, 'mx2.example.rw', 'MX').p.additionals)).toEqual(['mail.example.rw A 300 "192.0.2.25"', 'mail.example.rw AAAA 300 "2001:db8::25"']);
  });

  it('chases CNAMEs within and across our zones, with the rcode of the last name (RFC 6604)', () => {
    expect(rrs(ask(engine, 'chain1.example.rw', 'A').p.answers)).toEqual([
      'chain1.example.rw CNAME 120 "chain2.example.rw"',
      'chain2.example.rw CNAME 120 "chain3.example.rw"',
      'chain3.example.rw A 120 "192.0.2.3"',
    ]);
    expect(rrs(ask(engine, 'cross.example.rw', 'AAAA').p.answers)).toEqual(['cross.example.rw CNAME 120 "host.example.org"', 'host.example.org AAAA 300 "2001:db8:1::5"']);
    const back = ask(engine, 'back.example.org', 'TXT').p;
    expect(rrs(back.answers).at(-1)).toBe('chain3.example.rw TXT 120 ["end of chain"]');
    expect(aa(back)).toBe(true);
    const dangling = ask(engine, 'dangling.example.rw', 'A').p;
    expect(dangling.rcode).toBe('NXDOMAIN');
    expect(dangling.answers).toHaveLength(1);
    expect(dangling.authorities?.[0]?.type).toBe('SOA');
    const chainNodata = ask(engine, 'chain1.example.rw', 'MX').p;
    expect(chainNodata.rcode).toBe('NOERROR');
    expect(chainNodata.answers).toHaveLength(2);
    expect(chainNodata.authorities?.[0]?.type).toBe('SOA');
    // Leaving our zones: the chain ends, the resolver follows the rest.
    const external = ask(engine, 'external.example.rw', 'A').p;
    expect(external.rcode).toBe('NOERROR');
    expect(rrs(external.answers)).toEqual(['external.example.rw CNAME 120 "www.other.test"']);
    expect(external.authorities).toHaveLength(0);
  });

  it('signals a CNAME loop or an overlong chain as SERVFAIL (RFC 1034 §3.6.2)', () => {
    const { p } = ask(engine, 'loop1.example.rw', 'A');
    expect([p.rcode, p.answers?.length]).toEqual(['SERVFAIL', 0]);
    // c1 … c11 are CNAMEs to the next, c12 has the address: ten CNAMEs are followed, eleven are not.
    expect(ask(engine, 'c2.example.org', 'A').p.answers).toHaveLength(11);
    expect(ask(engine, 'c1.example.org', 'A').p.rcode).toBe('SERVFAIL');
  });

  it('synthesises wildcard answers (RFC 4592), with the asked name as owner', () => {
    const { p } = ask(engine, 'Some-Host.Wild.Example.RW', 'A');
    expect(p.rcode).toBe('NOERROR');
    expect(aa(p)).toBe(true);
    expect(rrs(p.answers)).toEqual(['Some-Host.Wild.Example.RW A 200 "192.0.2.100"']);
    expect(rrs(ask(engine, 'a.b.c.wild.example.rw', 'TXT').p.answers)).toEqual(['a.b.c.wild.example.rw TXT 200 ["from the wildcard"]']);
    // A wildcard without the type: NODATA.
    const nodata = ask(engine, 'x.wild.example.rw', 'AAAA').p;
    expect([nodata.rcode, nodata.answers?.length, nodata.authorities?.[0]?.type]).toEqual(['NOERROR', 0, 'SOA']);
    // An existing name is never covered by the wildcard.
    expect(rrs(ask(engine, 'sub.wild.example.rw', 'A').p.answers)).toEqual(['sub.wild.example.rw A 200 "192.0.2.101"']);
    expect(ask(engine, 'sub.wild.example.rw', 'TXT').p.answers).toHaveLength(0);
    // ent.wild exists as an empty non-terminal: NODATA for it, NXDOMAIN below it (its own *.ent.wild is absent).
    const ent = ask(engine, 'ent.wild.example.rw', 'A').p;
    expect([ent.rcode, ent.answers?.length]).toEqual(['NOERROR', 0]);
    expect(ask(engine, 'x.ent.wild.example.rw', 'A').p.rcode).toBe('NXDOMAIN');
    // A wildcard CNAME is synthesised and chased.
    expect(rrs(ask(engine, 'q.r.cnamewild.example.rw', 'A').p.answers)).toEqual(['q.r.cnamewild.example.rw CNAME 200 "mail.example.rw"', 'mail.example.rw A 300 "192.0.2.25"']);
  });

  it('refers queries at or below a delegation, without AA and with glue', () => {
    for (const name of ['child.example.rw', 'www.child.example.rw', 'a.b.child.example.rw']) {
      const { p } = ask(engine, name, 'A');
      expect(p.rcode, name).toBe('NOERROR');
      expect(aa(p), name).toBe(false);
      expect(p.answers).toHaveLength(0);
      expect(rrs(p.authorities)).toEqual(['child.example.rw NS 3600 "ns1.child.example.rw"', 'child.example.rw NS 3600 "ns.other.test"']);
      expect(rrs(p.additionals)).toEqual(['ns1.child.example.rw A 3600 "192.0.2.200"']);
    }
    // Sibling glue: the delegation's nameserver lives elsewhere in our zone.
    expect(rrs(ask(engine, 'sib.example.rw', 'MX').p.additionals)).toEqual(['ns2.example.rw A 86400 "192.0.2.54"', 'ns2.example.rw AAAA 86400 "2001:db8::54"']);
    // DS belongs to the parent side of the cut (RFC 4035 §3.1.4.1): authoritative NODATA.
    const ds = ask(engine, 'child.example.rw', 'DS').p;
    expect([ds.rcode, aa(ds), ds.answers?.length, ds.authorities?.[0]?.type]).toEqual(['NOERROR', true, 0, 'SOA']);
  });

  it('answers ANY with one RRset (RFC 8482)', () => {
    const apex = ask(engine, 'example.rw', 'ANY').p;
    expect(apex.answers).toHaveLength(1);
    expect(apex.answers![0]!.type).toBe('A');
    expect(rrs(ask(engine, 'www.example.rw', 'ANY').p.answers)).toEqual(['www.example.rw CNAME 300 "example.rw"']);
    expect(ask(engine, 'many.example.rw', 'ANY').p.answers).toHaveLength(40);
    expect(ask(engine, 'nothere.example.rw', 'ANY').p.rcode).toBe('NXDOMAIN');
  });

  it('refuses names outside our zones, and the root', () => {
    for (const name of ['example.com', 'www.example.net', '.', 'rw']) {
      const { p } = ask(engine, name, 'A');
      expect([p.rcode, aa(p), p.answers?.length], name).toEqual(['REFUSED', false, 0]);
    }
  });
});

describe('EDNS, truncation and 0x20', () => {
  const engine = engineWith();

  it('echoes an OPT with our size and the DO bit, and none without EDNS', () => {
    const withDo = ask(engine, 'example.rw', 'A', { edns: 4096, dnssecOk: true }).p;
    expect(opt(withDo)).toMatchObject({ udpPayloadSize: 1232, ednsVersion: 0 });
    expect(opt(withDo)!.flags & dnsPacket.DNSSEC_OK).toBeTruthy();
    expect(opt(ask(engine, 'example.rw', 'A').p)!.flags & dnsPacket.DNSSEC_OK).toBeFalsy();
    expect(ask(engine, 'example.rw', 'A', { edns: false }).p.additionals).toHaveLength(0);
  });

  it('answers EDNS version 1 with BADVERS (RFC 6891 §6.1.3)', () => {
    const { raw, p } = ask(engine, 'example.rw', 'A', { ednsVersion: 1 });
    expect(p.answers).toHaveLength(0);
    // Extended RCODE 16: the OPT TTL's top byte is 1, the header's RCODE 0.
    expect(raw[3]! & 0x0f).toBe(0);
    expect(opt(p)!.extendedRcode).toBe(1);
    expect(opt(p)!.ednsVersion).toBe(0);
  });

  it('truncates at 512 bytes without EDNS, at the client size (at most 1232) with it, never over TCP', () => {
    const plain = ask(engine, 'many.example.rw', 'A', { edns: false });
    expect(tc(plain.p)).toBe(true);
    expect(plain.p.answers).toHaveLength(0);
    expect(plain.raw.length).toBeLessThanOrEqual(512);
    const fits = ask(engine, 'many.example.rw', 'A', { edns: 1232 });
    expect([tc(fits.p), fits.p.answers?.length]).toEqual([false, 40]);
    const small = ask(engine, 'medium.example.rw', 'TXT', { edns: 512 });
    expect(tc(small.p)).toBe(true);
    expect(ask(engine, 'medium.example.rw', 'TXT', { edns: 1232 }).p.answers).toHaveLength(8);
    // A client asking for 64 KiB still gets at most our 1232 over UDP (no amplification).
    const big = ask(engine, 'big.example.rw', 'TXT', { edns: 65535 });
    expect(tc(big.p)).toBe(true);
    expect(big.raw.length).toBeLessThanOrEqual(1232);
    const tcp = ask(engine, 'big.example.rw', 'TXT', { transport: 'tcp' });
    expect([tc(tcp.p), tcp.p.answers?.length]).toEqual([false, 30]);
    expect(tcp.raw.length).toBeGreaterThan(3000);
  });

  it('drops additional records that do not fit without TC (RFC 2181 §9), but not in-domain glue (RFC 9471)', () => {
    const many = Array.from({ length: 40 }, (_, i) => `198.51.100.${i + 1}`);
    const e = engineWith([
      {
        ...exampleOrg,
        rrsets: [
          { name: 'example.org', type: 'MX', ttl: 60, records: ['10 pool.example.org.'] },
          { name: 'pool.example.org', type: 'A', ttl: 60, records: many },
          { name: 'sub.example.org', type: 'NS', ttl: 60, records: ['ns.sub.example.org.'] },
          { name: 'ns.sub.example.org', type: 'A', ttl: 60, records: many },
        ],
      },
    ]);
    const mx = ask(e, 'example.org', 'MX', { edns: false });
    expect([tc(mx.p), mx.p.answers?.length, mx.p.additionals?.length]).toEqual([false, 1, 0]);
    expect(ask(e, 'example.org', 'MX').p.additionals!.filter((a) => a.type === 'A')).toHaveLength(40);
    const referral = ask(e, 'www.sub.example.org', 'A', { edns: false });
    expect(tc(referral.p)).toBe(true);
    expect(referral.raw.length).toBeLessThanOrEqual(512);
  });

  it('echoes the question exactly as asked (0x20), from the cache too', () => {
    for (let i = 0; i < 3; i++) {
      const { raw, p } = ask(engine, 'wWw.ExAmPlE.rW', 'A', { id: 100 + i });
      expect(p.questions![0]!.name).toBe('wWw.ExAmPlE.rW');
      expect(p.id).toBe(100 + i);
      // The answer's owner is a pointer to the question, so it carries the same case.
      expect(p.answers![0]!.name).toBe('wWw.ExAmPlE.rW');
      expect(raw.includes(Buffer.from('ExAmPlE'))).toBe(true);
    }
    expect(engine.stats.cacheHits).toBeGreaterThanOrEqual(2);
  });

  it('gives the same bytes from the cache as from a fresh lookup', () => {
    const fresh = engineWith(fixtureZones, { cacheEntries: 0 });
    const names: [string, string][] = [['Example.RW', 'MX'], ['x.WILD.example.rw', 'A'], ['child.example.rw', 'A'], ['nothere.example.rw', 'A'], ['big.example.rw', 'TXT']];
    for (const [name, type] of names) {
      for (const o of [{}, { edns: false as const }, { dnssecOk: true, rd: true, cd: true }, { transport: 'tcp' as const }]) {
        const a = send(engine, query(name, type, { ...o, id: 1 }), o.transport);
        const b = send(engine, query(name, type, { ...o, id: 1 }), o.transport);
        const c = send(fresh, query(name, type, { ...o, id: 1 }), o.transport);
        expect(b.equals(a), `${name} ${type} ${JSON.stringify(o)}`).toBe(true);
        expect(c.equals(a), `${name} ${type} ${JSON.stringify(o)}`).toBe(true);
      }
    }
  });
});

describe('the response cache', () => {
  it('stays within its bounds under a flood of random names', () => {
    const engine = engineWith(fixtureZones, { cacheEntries: 100, cacheBytes: 8_000 });
    for (let i = 0; i < 2_000; i++) {
      const { p } = ask(engine, `r${i}.example.rw`, 'A');
      expect(p.rcode).toBe('NXDOMAIN');
      expect(engine.cached.entries).toBeLessThanOrEqual(100);
      expect(engine.cached.bytes).toBeLessThanOrEqual(8_000);
    }
    // Hot names are still answered (and cached again) after the flood.
    expect(rrs(ask(engine, 'example.rw', 'A').p.answers)).toEqual(['example.rw A 300 "192.0.2.10"']);
    const hits = engine.stats.cacheHits;
    ask(engine, 'example.rw', 'A');
    expect(engine.stats.cacheHits).toBe(hits + 1);
  });

  it('does not cache what the fast path cannot recognise, nor answers to broken queries', () => {
    const engine = engineWith();
    // An empty client-subnet option at the very end is well framed but dns-packet cannot decode
    // it, so the query gets FORMERR …
    const plain = query('example.rw', 'A', { edns: false });
    const opt = Buffer.from('00' + '0029' + '04d0' + '00' + '00' + '0000' + '0004' + '0008' + '0000', 'hex');
    const withEcs = Buffer.concat([plain, opt]);
    withEcs.writeUInt16BE(1, 10);
    const first = engine.handle(withEcs, 'udp') as Buffer;
    expect(first[3]! & 0x0f).toBe(1);
    // … which must not be served to the next ordinary query of the same name.
    expect(ask(engine, 'example.rw', 'A').p.rcode).toBe('NOERROR');
  });
});

describe('malformed and unusual messages', () => {
  const engine = engineWith();

  it('never answers a response, and ignores what is too short for a header', () => {
    const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'example.rw', type: 'A' }] });
    expect(engine.handle(response, 'udp')).toBeNull();
    expect(engine.handle(Buffer.from([1, 2, 3]), 'udp')).toBeNull();
    expect(engine.handle(Buffer.alloc(0), 'udp')).toBeNull();
  });

  it('answers FORMERR, never larger than the query, for broken or ambiguous queries', () => {
    const noQuestion = dnsPacket.encode({ type: 'query', id: 2, questions: [] });
    const twoQuestions = dnsPacket.encode({ type: 'query', id: 3, questions: [{ name: 'example.rw', type: 'A' }, { name: 'example.rw', type: 'MX' }] });
    const twoOpts = dnsPacket.encode({ type: 'query', id: 4, questions: [{ name: 'example.rw', type: 'A' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 }, { type: 'OPT', name: '.', udpPayloadSize: 1232 }] as dnsPacket.Answer[] });
    const cut = query('example.rw', 'A').subarray(0, 20);
    const badPointer = Buffer.from('000500000001000000000000' + 'c00c' + '00010001', 'hex');
    for (const msg of [noQuestion, twoQuestions, twoOpts, cut, badPointer]) {
      const out = send(engine, msg);
      expect(out[3]! & 0x0f).toBe(1);
      expect(out.length).toBeLessThanOrEqual(msg.length + 11);
    }
  });

  it('answers NOTIMP for opcodes and classes we do not serve', () => {
    const notify = dnsPacket.encode({ type: 'query', id: 5, flags: 4 << 11, questions: [{ name: 'example.rw', type: 'SOA' }] });
    const update = dnsPacket.encode({ type: 'query', id: 6, flags: 5 << 11, questions: [{ name: 'example.rw', type: 'SOA' }] });
    const chaos = dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] });
    for (const msg of [notify, update, chaos]) expect(decode(send(engine, msg)).rcode).toBe('NOTIMP');
    expect(decode(send(engine, query('example.rw', 'AXFR'))).rcode).toBe('NOTIMP');
  });

  it('treats an unknown type as NODATA and a name with odd bytes as any other name', () => {
    expect(ask(engine, 'example.rw', 'HINFO').p.authorities?.[0]?.type).toBe('SOA');
    const odd = Buffer.from('000900000001000000000000' + '03' + '612e62' + '0477696c64076578616d706c65027277' + '00' + '0001' + '0001', 'hex');
    const p = decode(send(engine, odd));
    // "a.b" is one label: covered by *.wild.example.rw, never confused with a.b.wild.example.rw.
    expect(p.rcode).toBe('NOERROR');
    expect((p.answers![0] as dnsPacket.StringAnswer).data).toBe('192.0.2.100');
  });
});

describe('zone transfers', () => {
  const engine = engineWith(fixtureZones, { allowTransfer: ['192.0.2.7'] });

  it('sends the whole zone over TCP to an allowed address, SOA first and last', () => {
    const out = engine.handle(query('example.rw', 'AXFR', { edns: false }), 'tcp', '::ffff:192.0.2.7');
    expect(Array.isArray(out)).toBe(true);
    const messages = (out as Buffer[]).map((m) => decode(m));
    const all = messages.flatMap((m) => m.answers ?? []);
    expect(all[0]!.type).toBe('SOA');
    expect(all.at(-1)!.type).toBe('SOA');
    const records = exampleRw.rrsets.reduce((n, r) => n + r.records.length, 0) + exampleRw.nameservers.length;
    expect(all).toHaveLength(records + 2);
    expect(messages.every((m) => m.rcode === 'NOERROR' && aa(m))).toBe(true);
    expect(messages.length).toBeGreaterThan(0);
  });

  it('refuses other addresses and zones we do not host', () => {
    const refused = engine.handle(query('example.rw', 'AXFR'), 'tcp', '192.0.2.8') as Buffer;
    expect(decode(refused).rcode).toBe('REFUSED');
    const notOurs = engine.handle(query('www.example.rw', 'AXFR'), 'tcp', '192.0.2.7') as Buffer;
    expect(decode(notOurs).rcode).toBe('NOTAUTH');
  });
});

describe('the index follows changes', () => {
  it('serves a replaced zone from the next query on, cached answers included', () => {
    const engine = engineWith([exampleRw]);
    expect(rrs(ask(engine, 'mail.example.rw', 'A').p.answers)).toEqual(['mail.example.rw A 300 "192.0.2.25"']);
    const changed = {
      ...exampleRw,
      serial: exampleRw.serial + 1,
      rrsets: exampleRw.rrsets.map((r) => (r.name === 'mail.example.rw' && r.type === 'A' ? { ...r, records: ['192.0.2.26'] } : r)),
    };
    expect(engine.upsertZone(changed).previousSerial).toBe(exampleRw.serial);
    expect(rrs(ask(engine, 'mail.example.rw', 'A').p.answers)).toEqual(['mail.example.rw A 300 "192.0.2.26"']);
    // The CNAME chain into the changed name is refreshed as well.
    expect(rrs(ask(engine, 'cross.example.rw', 'A').p.answers)).toEqual(['cross.example.rw CNAME 120 "host.example.org"']);
    engine.upsertZone(exampleOrg);
    expect(rrs(ask(engine, 'cross.example.rw', 'A').p.answers)).toHaveLength(2);
    engine.removeZone('example.rw');
    expect(ask(engine, 'mail.example.rw', 'A').p.rcode).toBe('REFUSED');
  });

  it('lets a hosted child zone answer for its names', () => {
    const engine = engineWith([exampleRw]);
    expect(ask(engine, 'www.child.example.rw', 'A').p.authorities?.[0]?.type).toBe('NS');
    engine.upsertZone({ ...exampleOrg, name: 'child.example.rw', rrsets: [{ name: 'www.child.example.rw', type: 'A', ttl: 60, records: ['192.0.2.77'] }] });
    const { p } = ask(engine, 'www.child.example.rw', 'A');
    expect([aa(p), rrs(p.answers)]).toEqual([true, ['www.child.example.rw A 60 "192.0.2.77"']]);
  });

  it('leaves out bad records, reports them, and serves the rest', () => {
    const engine = new DnsEngine();
    const { problems } = engine.upsertZone({
      ...exampleOrg,
      rrsets: [
        ...exampleOrg.rrsets,
        { name: 'bad.example.org', type: 'A', ttl: 60, records: ['300.1.1.1', '192.0.2.1'] },
        { name: 'outside.example.com', type: 'A', ttl: 60, records: ['192.0.2.1'] },
        { name: 'host.example.org', type: 'CNAME', ttl: 60, records: ['example.org.'] },
      ],
    });
    expect(problems).toHaveLength(3);
    expect(rrs(ask(engine, 'bad.example.org', 'A').p.answers)).toEqual(['bad.example.org A 60 "192.0.2.1"']);
    expect(ask(engine, 'host.example.org', 'A').p.answers![0]!.type).toBe('CNAME');
  });
});
