import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Kms } from './kms.ts';

/**
 * The behaviour every `Kms` implementation must have (STYLE.md §3). A new driver (Vault
 * transit, an HSM) runs this suite before it may hold anyone's keys.
 */
export function describeKmsContract(name: string, open: () => Promise<Kms>): void {
  describe(`Kms contract: ${name}`, () => {
    it('unwraps what it wrapped, and wraps the same key differently each time', async () => {
      const kms = await open();
      const dek = crypto.randomBytes(32);
      const a = await kms.wrap(dek);
      const b = await kms.wrap(dek);
      expect(a.kekId).toBe(kms.activeKekId);
      expect(a.wrapped).not.toBe(b.wrapped);
      expect(a.wrapped).not.toContain(dek.toString('base64'));
      expect((await kms.unwrap(a.kekId, a.wrapped)).equals(dek)).toBe(true);
      expect((await kms.unwrap(b.kekId, b.wrapped)).equals(dek)).toBe(true);
    });

    it('refuses an altered wrapped key, and one presented under another KEK id', async () => {
      const kms = await open();
      const { kekId, wrapped } = await kms.wrap(crypto.randomBytes(32));
      const last = wrapped.at(-1) === 'A' ? 'B' : 'A';
      await expect(kms.unwrap(kekId, wrapped.slice(0, -1) + last)).rejects.toThrow();
      await expect(kms.unwrap('kek-999999', wrapped)).rejects.toThrow();
      const newer = await kms.rotate();
      await expect(kms.unwrap(newer, wrapped)).rejects.toThrow();
    });

    it('rotates to a new active KEK and still unwraps keys wrapped under the old one', async () => {
      const kms = await open();
      const dek = crypto.randomBytes(32);
      const before = await kms.wrap(dek);
      const newId = await kms.rotate();
      expect(newId).not.toBe(before.kekId);
      expect(kms.activeKekId).toBe(newId);
      const after = await kms.wrap(dek);
      expect(after.kekId).toBe(newId);
      expect((await kms.unwrap(before.kekId, before.wrapped)).equals(dek)).toBe(true);
      expect((await kms.unwrap(after.kekId, after.wrapped)).equals(dek)).toBe(true);
    });
  });
}
