import { describe, expect, it } from 'vitest';
import { exampleRw } from '../../../test/dns/fixtures.ts';
import { zoneFile } from './server/zone-file.ts';
import { formatRecord, normalizeName, parseRecord, toAnswers, ZoneDataError, type RecordType } from './zone.ts';

describe('record values in presentation format', () => {
  it('parses and formats every type canonically', () => {
    const cases: [RecordType, string, string][] = [
      ['A', ' 192.0.2.1 ', '192.0.2.1'],
      ['AAAA', '2001:DB8:0:0::1', '2001:db8::1'],
      ['CNAME', 'Target.Example.RW.', 'target.example.rw.'],
      ['NS', 'ns1.example.rw', 'ns1.example.rw.'],
      ['PTR', 'host.example.rw.', 'host.example.rw.'],
      ['MX', '10   mail.example.rw.', '10 mail.example.rw.'],
      ['SRV', '10 60 5060 sip.example.rw.', '10 60 5060 sip.example.rw.'],
      ['SRV', '0 0 0 .', '0 0 0 .'],
      ['TXT', 'v=spf1', '"v=spf1"'],
      ['TXT', '"a b" "c\\"d" "\\233"', '"a b" "c\\"d" "\\233"'],
      ['CAA', '0 ISSUE "letsencrypt.org"', '0 issue "letsencrypt.org"'],
      ['SOA', 'ns1.example.rw. hostmaster.example.rw. 1 2 3 4 5', 'ns1.example.rw. hostmaster.example.rw. 1 2 3 4 5'],
    ];
    for (const [type, input, canonical] of cases) expect(formatRecord(parseRecord(type, input)), `${type} ${input}`).toBe(canonical);
  });

  it('splits character-strings longer than 255 bytes', () => {
    const rdata = parseRecord('TXT', `"${'a'.repeat(600)}"`);
    expect(rdata.type === 'TXT' && rdata.data.map((b) => b.length)).toEqual([255, 255, 90]);
  });

  it('refuses values the server could not serve', () => {
    const bad: [RecordType, string][] = [
      ['A', '192.0.2.256'],
      ['A', '192.0.2'],
      ['AAAA', '192.0.2.1'],
      ['AAAA', 'zz::1'],
      ['CNAME', 'bad_name..example'],
      ['CNAME', '-x.example.rw'],
      ['MX', 'ten mail.example.rw.'],
      ['MX', '70000 mail.example.rw.'],
      ['SRV', '1 2 mail.example.rw.'],
      ['TXT', '"unterminated'],
      ['TXT', ''],
      ['CAA', '0 issue'],
      ['CAA', '0 thistagistoolongforcaa "x"'],
    ];
    for (const [type, value] of bad) expect(() => parseRecord(type, value), `${type} ${value}`).toThrow(ZoneDataError);
  });

  it('normalises names and allows a wildcard only where asked', () => {
    expect(normalizeName('WWW.Example.RW.')).toBe('www.example.rw');
    expect(normalizeName('*.example.rw', { allowWildcard: true })).toBe('*.example.rw');
    expect(() => normalizeName('*.example.rw')).toThrow(ZoneDataError);
    expect(() => normalizeName('a.*.example.rw', { allowWildcard: true })).toThrow(ZoneDataError);
    expect(() => normalizeName(`${'a'.repeat(64)}.rw`)).toThrow(ZoneDataError);
    expect(() => normalizeName('.')).toThrow(ZoneDataError);
  });

  it('converts an rrset to dns-packet answers', () => {
    expect(toAnswers({ name: 'example.rw', type: 'MX', ttl: 60, records: ['10 mail.example.rw.'] })).toEqual([
      { name: 'example.rw', type: 'MX', class: 'IN', ttl: 60, data: { preference: 10, exchange: 'mail.example.rw' } },
    ]);
  });

  it('writes a snapshot as a master file', () => {
    const text = zoneFile(exampleRw);
    expect(text).toContain('example.rw. 3600 IN SOA ns1.example.rw. hostmaster.example.rw. 2026112701 7200 900 1209600 300');
    expect(text).toContain('example.rw. 86400 IN NS ns1.example.rw.');
    expect(text).toContain('*.wild.example.rw. 200 IN A 192.0.2.100');
    expect(text).toContain('txt.example.rw. 60 IN TXT "with \\"quotes\\" and \\\\ backslash"');
    expect(text.split('\n').filter((l) => l.includes(' IN ')).length).toBe(1 + 2 + exampleRw.rrsets.reduce((n, r) => n + r.records.length, 0));
  });
});
