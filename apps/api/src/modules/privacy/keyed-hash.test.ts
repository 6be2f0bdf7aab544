import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyedHasher } from './keyed-hash.ts';

const key = crypto.randomBytes(32);
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

describe('KeyedHasher', () => {
  it('finds an e-mail address whatever its case and surrounding spaces', () => {
    const h = new KeyedHasher(key);
    const stored = h.hash('email', 'ada@example.rw');
    expect(h.hash('email', '  Ada@Example.RW\n')).toBe(stored);
    expect(h.hash('email', 'ada@example.rw')).toBe(new KeyedHasher(Buffer.from(key)).hash('email', 'ada@example.rw'));
    expect(h.hash('email', 'ada2@example.rw')).not.toBe(stored);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is not a plain hash: without the key nobody can compute it from a list of addresses', () => {
    const h = new KeyedHasher(key);
    const stored = h.hash('email', 'ada@example.rw');
    expect(stored).not.toBe(sha256('ada@example.rw'));
    expect(stored).not.toBe(sha256('email:ada@example.rw'));
    expect(new KeyedHasher(crypto.randomBytes(32)).hash('email', 'ada@example.rw')).not.toBe(stored);
  });

  it('ignores spaces and separators in phone numbers', () => {
    const h = new KeyedHasher(key);
    expect(h.hash('phone', '+250 788 123 456')).toBe(h.hash('phone', '+250788123456'));
    expect(h.hash('phone', '+250-788-123-456')).toBe(h.hash('phone', '+250788123456'));
    expect(h.hash('phone', '+250788123457')).not.toBe(h.hash('phone', '+250788123456'));
  });

  it('separates kinds: the same text hashes differently as an e-mail and as another kind', () => {
    const h = new KeyedHasher(key);
    expect(h.hash('email', 'ada@example.rw')).not.toBe(h.hash('login', 'ada@example.rw'));
    // Case is only folded for kinds where it carries no meaning.
    expect(h.hash('login', 'Ada')).not.toBe(h.hash('login', 'ada'));
  });

  it('refuses a short key and a malformed kind', () => {
    expect(() => new KeyedHasher(crypto.randomBytes(16))).toThrow(/256 bits/);
    expect(() => new KeyedHasher(key).hash('e:mail', 'x')).toThrow(/kind/);
  });
});
