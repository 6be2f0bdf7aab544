import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import { ManualClock } from '../../shared/clock.ts';
import { createTestDatabase, dbKind } from '../../../test/db.ts';
import { LocalKeyFileKms, type Kms } from './kms.ts';
import { subjectKeys } from './privacy.schema.ts';
import { CiphertextError, SubjectCrypto } from './subject-crypto.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strettch-subject-crypto-'));
const keyFile = () => path.join(root, crypto.randomBytes(4).toString('hex'), 'keys.json');
const subject = () => crypto.randomUUID();

/** Counts KMS unwraps, to see what the cache saves. */
class CountingKms implements Kms {
  unwraps = 0;
  constructor(private readonly inner: Kms) {}
  get activeKekId() {
    return this.inner.activeKekId;
  }
  wrap(dek: Buffer) {
    return this.inner.wrap(dek);
  }
  unwrap(kekId: string, wrapped: string) {
    this.unwraps++;
    return this.inner.unwrap(kekId, wrapped);
  }
  rotate() {
    return this.inner.rotate();
  }
}

let database: Database;
let kms: LocalKeyFileKms;

beforeAll(async () => {
  database = await createTestDatabase();
  kms = await LocalKeyFileKms.open(keyFile());
});
afterAll(async () => {
  await database?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const keyRows = async (id: string) => database.db.select().from(subjectKeys).where(eq(subjectKeys.subjectId, id));

describe(`SubjectCrypto (${dbKind})`, () => {
  it('round-trips a value, with a fresh IV each time and no plaintext in the ciphertext', async () => {
    const sc = new SubjectCrypto(kms, { clock: new ManualClock('2026-03-01T08:00:00Z') });
    const ada = subject();
    const name = 'Uwase Ange 🇷🇼 — Ntwari';
    const c1 = await sc.encrypt(database.db, ada, 'users.name', name);
    const c2 = await sc.encrypt(database.db, ada, 'users.name', name);
    expect(c1).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(c1).not.toBe(c2);
    expect(c1).not.toContain('Uwase');
    expect(await sc.decrypt(database.db, ada, 'users.name', c1)).toBe(name);
    // A new process (no cache) reads it too: the key really is in the database.
    expect(await new SubjectCrypto(kms).decrypt(database.db, ada, 'users.name', c2)).toBe(name);

    const [row] = await keyRows(ada);
    expect(row?.kekId).toBe(kms.activeKekId);
    expect(row?.createdAt.toISOString()).toBe('2026-03-01T08:00:00.000Z');
    expect(await new SubjectCrypto(kms).decrypt(database.db, ada, 'users.name', await sc.encrypt(database.db, ada, 'users.name', ''))).toBe('');
  });

  it("refuses to decrypt one person's value as another person's, or as another field", async () => {
    const sc = new SubjectCrypto(kms);
    const [a, b] = [subject(), subject()];
    const email = await sc.encrypt(database.db, a, 'users.email', 'ada@example.rw');
    await sc.encrypt(database.db, b, 'users.email', 'bob@example.rw'); // b has a key too

    await expect(sc.decrypt(database.db, b, 'users.email', email)).rejects.toBeInstanceOf(CiphertextError);
    await expect(sc.decrypt(database.db, a, 'users.name', email)).rejects.toBeInstanceOf(CiphertextError);
    // The error names neither value.
    await expect(sc.decrypt(database.db, b, 'users.email', email)).rejects.not.toThrow(/ada@|bob@/);
    // A subject id in upper case is the same subject (PostgreSQL returns uuids in lower case).
    expect(await sc.decrypt(database.db, a.toUpperCase(), 'users.email', email)).toBe('ada@example.rw');
  });

  it('refuses an altered or truncated ciphertext', async () => {
    const sc = new SubjectCrypto(kms);
    const a = subject();
    const c = await sc.encrypt(database.db, a, 'users.name', 'Mugisha');
    const [v, iv, body] = c.split('.') as [string, string, string];
    const flipped = `${v}.${iv}.${body.slice(0, 2)}${body[2] === 'A' ? 'B' : 'A'}${body.slice(3)}`;
    await expect(sc.decrypt(database.db, a, 'users.name', flipped)).rejects.toBeInstanceOf(CiphertextError);
    await expect(sc.decrypt(database.db, a, 'users.name', `${v}.${iv}.${body.slice(0, 8)}`)).rejects.toBeInstanceOf(CiphertextError);
    await expect(sc.decrypt(database.db, a, 'users.name', 'Mugisha')).rejects.toBeInstanceOf(CiphertextError);
  });

  it('after shred, decrypt returns null, in this process and in a fresh one, and only for that person', async () => {
    const sc = new SubjectCrypto(kms);
    const [gone, kept] = [subject(), subject()];
    const c = await sc.encrypt(database.db, gone, 'users.email', 'gone@example.rw');
    const k = await sc.encrypt(database.db, kept, 'users.email', 'kept@example.rw');
    expect(await sc.decrypt(database.db, gone, 'users.email', c)).toBe('gone@example.rw'); // now cached

    await sc.shred(database.db, gone);
    expect(await keyRows(gone)).toHaveLength(0);
    expect(await sc.decrypt(database.db, gone, 'users.email', c)).toBeNull();
    expect(await new SubjectCrypto(kms).decrypt(database.db, gone, 'users.email', c)).toBeNull();
    expect(await sc.decrypt(database.db, kept, 'users.email', k)).toBe('kept@example.rw');
    await expect(sc.shred(database.db, gone)).resolves.toBeUndefined(); // idempotent
  });

  it('a shred by another process is seen at once, not hidden by this process’s cache', async () => {
    const web = new SubjectCrypto(kms);
    const worker = new SubjectCrypto(kms);
    const s = subject();
    const c = await web.encrypt(database.db, s, 'users.name', 'Keza');
    expect(await web.decrypt(database.db, s, 'users.name', c)).toBe('Keza');
    await worker.shred(database.db, s);
    expect(await web.decrypt(database.db, s, 'users.name', c)).toBeNull();
  });

  it('a key created in a transaction that rolled back is never used', async () => {
    const sc = new SubjectCrypto(kms);
    const s = subject();
    await database.db
      .transaction(async (tx) => {
        await sc.encrypt(tx, s, 'users.name', 'lost');
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await keyRows(s)).toHaveLength(0);
    const c = await sc.encrypt(database.db, s, 'users.name', 'Ineza');
    expect(await new SubjectCrypto(kms).decrypt(database.db, s, 'users.name', c)).toBe('Ineza');
  });

  it('concurrent first encryptions for one person end with one key that reads every value', async () => {
    const s = subject();
    const values = Array.from({ length: 8 }, (_, i) => `value ${i}`);
    // Separate instances, as separate processes or requests would be.
    const ciphertexts = await Promise.all(values.map((v) => new SubjectCrypto(kms).encrypt(database.db, s, 'users.name', v)));
    expect(await keyRows(s)).toHaveLength(1);
    const reader = new SubjectCrypto(kms);
    for (const [i, c] of ciphertexts.entries()) expect(await reader.decrypt(database.db, s, 'users.name', c)).toBe(values[i]);
  });

  it('caches unwrapped keys, within its bound', async () => {
    const counting = new CountingKms(kms);
    const sc = new SubjectCrypto(counting, { cacheSize: 1 });
    const [a, b] = [subject(), subject()];
    const ca = await new SubjectCrypto(kms).encrypt(database.db, a, 'f', 'A');
    const cb = await new SubjectCrypto(kms).encrypt(database.db, b, 'f', 'B');

    await sc.decrypt(database.db, a, 'f', ca);
    await sc.decrypt(database.db, a, 'f', ca);
    expect(counting.unwraps).toBe(1);
    await sc.decrypt(database.db, b, 'f', cb); // evicts a
    await sc.decrypt(database.db, a, 'f', ca);
    expect(counting.unwraps).toBe(3);
  });

  it('rejects a subject id that is not a uuid', async () => {
    await expect(new SubjectCrypto(kms).encrypt(database.db, 'ada@example.rw', 'f', 'x')).rejects.toThrow(/uuid/);
  });
});

describe(`SubjectCrypto KEK rotation (${dbKind})`, () => {
  it('rotation + rewrapAll keeps every value readable and new keys use the new KEK', async () => {
    const db2 = await createTestDatabase();
    try {
      const file = keyFile();
      const k = await LocalKeyFileKms.open(file);
      const sc = new SubjectCrypto(k);
      const people = [subject(), subject(), subject()];
      const before = await Promise.all(people.map((p) => sc.encrypt(db2.db, p, 'users.email', `${p}@example.rw`)));
      await sc.shred(db2.db, people[2]!);
      const oldKek = k.activeKekId;

      const newKek = await k.rotate();
      expect(newKek).not.toBe(oldKek);
      const late = subject();
      const lateValue = await sc.encrypt(db2.db, late, 'users.email', 'late@example.rw');
      expect((await db2.db.select().from(subjectKeys).where(eq(subjectKeys.subjectId, late)))[0]?.kekId).toBe(newKek);

      expect(await sc.rewrapAll(db2.db)).toBe(2);
      const kekIds = await db2.db.execute(sql`select distinct kek_id from subject_keys`);
      expect(kekIds.rows.map((r) => r.kek_id)).toEqual([newKek]);
      expect(await sc.rewrapAll(db2.db)).toBe(0);

      // A restarted process, with only the key file, reads everything.
      const fresh = new SubjectCrypto(await LocalKeyFileKms.open(file));
      for (const [i, p] of people.slice(0, 2).entries()) expect(await fresh.decrypt(db2.db, p, 'users.email', before[i]!)).toBe(`${p}@example.rw`);
      expect(await fresh.decrypt(db2.db, people[2]!, 'users.email', before[2]!)).toBeNull();
      expect(await fresh.decrypt(db2.db, late, 'users.email', lateValue)).toBe('late@example.rw');
    } finally {
      await db2.close();
    }
  });
});
