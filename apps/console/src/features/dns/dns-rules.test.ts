import { describe, expect, it } from 'vitest';
import { computeAddressSuggestions, fieldKey, formatTtl, formFieldOf, fullName, joinMx, mxPriorityProblem, sortRrsets, splitMx, ttlProblem } from './dns-rules.ts';

describe('the record form and the API', () => {
  it('places each field the API names next to its input', () => {
    expect(formFieldOf('records[2].value')).toEqual({ kind: 'value', index: 2 });
    expect(formFieldOf('records[0].comment')).toEqual({ kind: 'comment', index: 0 });
    expect(formFieldOf('recordName')).toEqual({ kind: 'recordName' });
    expect(formFieldOf('ttl')).toEqual({ kind: 'ttl' });
    expect(formFieldOf('type')).toEqual({ kind: 'type' });
    expect(formFieldOf('records')).toEqual({ kind: 'records' });
    expect(formFieldOf('records[x].value')).toBeNull();
    expect(formFieldOf('somethingElse')).toBeNull();
    expect(fieldKey({ kind: 'value', index: 1 })).toBe('value-1');
    expect(fieldKey({ kind: 'ttl' })).toBe('ttl');
  });

  it('keeps the MX priority in its own field and joins it to the host', () => {
    expect(splitMx('10 mail.example.rw.')).toEqual({ priority: '10', host: 'mail.example.rw.' });
    expect(joinMx(' 5 ', ' mx.example.rw ')).toBe('5 mx.example.rw');
    expect(splitMx(joinMx('20', 'mx2.example.rw.'))).toEqual({ priority: '20', host: 'mx2.example.rw.' });
    expect(mxPriorityProblem('10')).toBeNull();
    expect(mxPriorityProblem('')).toMatch(/priority/);
    expect(mxPriorityProblem('65536')).toMatch(/0 to 65535/);
    expect(mxPriorityProblem('-1')).toMatch(/0 to 65535/);
  });

  it('reads names relative to the domain, @ being the domain itself', () => {
    expect(fullName('@', 'example.rw')).toBe('example.rw');
    expect(fullName('', 'example.rw')).toBe('example.rw');
    expect(fullName('www', 'example.rw')).toBe('www.example.rw');
    expect(fullName('api.example.rw.', 'example.rw')).toBe('api.example.rw');
  });

  it('words TTLs and refuses what is not a number of seconds', () => {
    expect(formatTtl(3600)).toBe('1 hour');
    expect(formatTtl(7200)).toBe('2 hours');
    expect(formatTtl(90)).toBe('90 s');
    expect(ttlProblem('300')).toBeNull();
    expect(ttlProblem('5m')).not.toBeNull();
    expect(ttlProblem('0')).not.toBeNull();
  });
});

describe('the records table', () => {
  it('lists the apex first, then names as a zone file reads them, then types in the form’s order', () => {
    const sets = [
      { name: 'www', type: 'A' },
      { name: 'api.dev', type: 'A' },
      { name: '@', type: 'TXT' },
      { name: 'dev', type: 'AAAA' },
      { name: '@', type: 'MX' },
      { name: '@', type: 'A' },
    ];
    expect(sortRrsets(sets).map((s) => `${s.name}/${s.type}`)).toEqual(['@/A', '@/MX', '@/TXT', 'dev/AAAA', 'api.dev/A', 'www/A']);
  });
});

describe('compute addresses offered for A records', () => {
  it('offers public and private addresses of live computes only', () => {
    const suggestions = computeAddressSuggestions([
      { hostName: 'web-1', ipv4: '198.51.100.4', privateIpv4: '10.0.0.4', state: 'RUNNING' },
      { hostName: 'db-1', privateIpv4: '10.0.0.5', state: 'STOPPED' },
      { hostName: 'old', ipv4: '198.51.100.9', privateIpv4: '10.0.0.9', state: 'DESTROYING' },
    ]);
    expect(suggestions).toEqual([
      { address: '198.51.100.4', label: 'web-1 (public)' },
      { address: '10.0.0.4', label: 'web-1 (private)' },
      { address: '10.0.0.5', label: 'db-1 (private)' },
    ]);
  });
});
