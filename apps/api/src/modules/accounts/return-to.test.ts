import { describe, expect, it } from 'vitest';
import { safeReturnTo } from './return-to.ts';

const base = 'https://cloud.example.rw';

describe('safeReturnTo', () => {
  it('keeps paths on our own origin, with query and fragment', () => {
    expect(safeReturnTo('/computes', base)).toBe('/computes');
    expect(safeReturnTo('/teams/1/members?tab=invites#new', base)).toBe('/teams/1/members?tab=invites#new');
  });

  it.each([
    ['scheme-relative', '//evil.example'],
    ['absolute https', 'https://evil.example/'],
    ['absolute to our own origin written out', `${base}/computes`],
    ['javascript scheme', 'javascript:alert(1)'],
    ['backslash', '/\\evil.example'],
    ['encoded-free backslash pair', '\\\\evil.example'],
    ['tab inside', '/\t/evil.example'],
    ['newline inside', '/\n/evil.example'],
    ['NUL', '/comp\u0000utes'],
    ['relative path', 'computes'],
    ['empty', ''],
    ['not a string', 42],
    ['too long', `/${'a'.repeat(2000)}`],
  ])('falls back to / for %s', (_what, value) => {
    expect(safeReturnTo(value, base)).toBe('/');
  });
});
