import { describe, expect, it } from 'vitest';
import { canonicalValue, nextSerial, normalizeDomain, ownerName, RecordError, relativeName, validateRrset } from './records.ts';

const ttl = { min: 60, max: 86_400, default: 3600 };
const check = (type: string, values: string[], opts: { name?: string; typesAtName?: string[]; ttl?: number } = {}) =>
  validateRrset({ zone: 'example.rw', name: opts.name ?? 'www.example.rw', type, rrset: { ttl: opts.ttl, records: values.map((value) => ({ value })) }, typesAtName: opts.typesAtName ?? [], ttl });
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof RecordError) return e.message;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('domains', () => {
  it('normalises case, trailing dot and IDNs', () => {
    expect(normalizeDomain(' Example.RW. ')).toBe('example.rw');
    expect(normalizeDomain('ikawa.rw')).toBe('ikawa.rw');
    expect(normalizeDomain('müller.de')).toBe('xn--mller-kva.de');
    expect(normalizeDomain('shop.example.co.rw')).toBe('shop.example.co.rw');
  });

  it('refuses public suffixes, TLDs, IPs and nonsense', () => {
    expect(refusal(() => normalizeDomain('co.rw'))).toMatch(/public suffix/);
    expect(refusal(() => normalizeDomain('rw'))).toMatch(/public suffix/);
    expect(refusal(() => normalizeDomain('github.io'))).toMatch(/public suffix/);
    expect(refusal(() => normalizeDomain('192.0.2.1'))).toMatch(/IP address|public suffix/);
    expect(refusal(() => normalizeDomain('exa mple.rw'))).toMatch(/domain name/);
    expect(refusal(() => normalizeDomain('-bad.rw'))).toMatch(/not a valid/);
    expect(refusal(() => normalizeDomain('1.2.0.192.in-addr.arpa'))).toMatch(/Reverse/);
  });
});

describe('record names', () => {
  it('resolves @, relative, absolute and wildcard names', () => {
    expect(ownerName('example.rw', '@')).toBe('example.rw');
    expect(ownerName('example.rw', 'WWW')).toBe('www.example.rw');
    expect(ownerName('example.rw', 'mail.example.rw.')).toBe('mail.example.rw');
    expect(ownerName('example.rw', '*.dev')).toBe('*.dev.example.rw');
    expect(ownerName('example.rw', '_sip._tcp')).toBe('_sip._tcp.example.rw');
    expect(relativeName('example.rw', 'www.example.rw')).toBe('www');
    expect(relativeName('example.rw', 'example.rw')).toBe('@');
  });

  it('refuses names outside the zone', () => {
    expect(refusal(() => ownerName('example.rw', 'www.other.rw.'))).toMatch(/not in the zone/);
  });
});

describe('rrsets', () => {
  it('puts values in canonical form', () => {
    expect(check('A', ['196.12.1.10']).records).toEqual([{ value: '196.12.1.10' }]);
    expect(check('AAAA', ['2001:DB8::0001']).records).toEqual([{ value: '2001:db8::1' }]);
    expect(check('MX', ['10 Mail.Example.rw'], { name: 'example.rw' }).records).toEqual([{ value: '10 mail.example.rw.' }]);
    expect(check('CNAME', ['target.example.net']).records).toEqual([{ value: 'target.example.net.' }]);
    expect(check('SRV', ['10 5 5060 sip.example.rw.'], { name: '_sip._tcp.example.rw' }).records).toEqual([{ value: '10 5 5060 sip.example.rw.' }]);
    expect(check('CAA', ['0 issue "letsencrypt.org"'], { name: 'example.rw' }).records).toEqual([{ value: '0 issue "letsencrypt.org"' }]);
    expect(check('TXT', ['v=spf1 include:_spf.example.net -all'], { name: 'example.rw' }).records).toEqual([{ value: '"v=spf1 include:_spf.example.net -all"' }]);
    expect(check('A', ['192.0.2.1'], { ttl: undefined }).ttl).toBe(3600);
  });

  it('splits a long TXT value into 255-byte strings', () => {
    const key = 'v=DKIM1; k=rsa; p=' + 'A'.repeat(400);
    const [{ value }] = check('TXT', [key], { name: 'sel._domainkey.example.rw' }).records as [{ value: string }];
    const strings = value.match(/"[^"]*"/g)!;
    expect(strings.map((s) => s.length - 2)).toEqual([255, key.length - 255]);
    expect(strings.map((s) => s.slice(1, -1)).join('')).toBe(key);
  });

  it('refuses a CNAME beside another type, at the apex, or with two targets', () => {
    expect(refusal(() => check('CNAME', ['a.example.net'], { typesAtName: ['A'] }))).toMatch(/only record at its name/);
    expect(refusal(() => check('A', ['192.0.2.1'], { typesAtName: ['CNAME'] }))).toMatch(/is a CNAME/);
    expect(refusal(() => check('CNAME', ['a.example.net'], { name: 'example.rw' }))).toMatch(/apex/);
    expect(refusal(() => check('CNAME', ['a.example.net', 'b.example.net']))).toMatch(/exactly one/);
  });

  it('refuses MX, SRV, NS and CNAME targets that are IP addresses', () => {
    expect(refusal(() => check('MX', ['10 192.0.2.1'], { name: 'example.rw' }))).toMatch(/host name, not an IP/);
    expect(refusal(() => check('SRV', ['1 1 80 192.0.2.1'], { name: '_x._tcp.example.rw' }))).toMatch(/host name/);
    expect(refusal(() => check('NS', ['192.0.2.53'], { name: 'sub.example.rw' }))).toMatch(/host name/);
    expect(refusal(() => check('CNAME', ['2001:db8::1']))).toMatch(/host name/);
  });

  it('refuses bad CAA, bad addresses, TTLs out of bounds, duplicates and apex NS', () => {
    expect(refusal(() => check('CAA', ['5 issue "letsencrypt.org"'], { name: 'example.rw' }))).toMatch(/flags/);
    expect(refusal(() => check('CAA', ['0 isue "letsencrypt.org"'], { name: 'example.rw' }))).toMatch(/Unknown CAA tag/);
    expect(refusal(() => check('CAA', ['0 iodef "ftp://x"'], { name: 'example.rw' }))).toMatch(/iodef/);
    expect(refusal(() => check('A', ['300.1.1.1']))).toMatch(/IPv4/);
    expect(refusal(() => check('AAAA', ['192.0.2.1']))).toMatch(/IPv6/);
    expect(refusal(() => check('A', ['192.0.2.1'], { ttl: 30 }))).toMatch(/TTL must be/);
    expect(refusal(() => check('A', ['192.0.2.1'], { ttl: 90_000 }))).toMatch(/TTL must be/);
    expect(refusal(() => check('A', ['192.0.2.1', '192.0.2.1']))).toMatch(/twice/);
    expect(refusal(() => check('NS', ['ns.example.net'], { name: 'example.rw' }))).toMatch(/apex NS/);
    expect(refusal(() => check('PTR', ['host.example.rw']))).toMatch(/reverse/);
    expect(refusal(() => check('SOA', ['x']))).toMatch(/not supported/);
    expect(refusal(() => check('A', []))).toMatch(/at least one/);
  });

  it('keeps comments', () => {
    expect(check('A', ['192.0.2.1']).records).toEqual([{ value: '192.0.2.1' }]);
    expect(validateRrset({ zone: 'example.rw', name: 'example.rw', type: 'A', rrset: { records: [{ value: '192.0.2.1', comment: ' web 1 ' }] }, typesAtName: [], ttl }).records).toEqual([
      { value: '192.0.2.1', comment: 'web 1' },
    ]);
    expect(canonicalValue('TXT', '"a" "b"', 'v')).toBe('"a" "b"');
  });
});

describe('serials', () => {
  it('are YYYYMMDDnn and always grow', () => {
    const day = new Date('2026-11-27T10:00:00Z');
    expect(nextSerial(0, day)).toBe(2026112700);
    expect(nextSerial(2026112700, day)).toBe(2026112701);
    expect(nextSerial(2026112805, day)).toBe(2026112806);
  });
});
