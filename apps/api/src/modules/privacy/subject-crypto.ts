import crypto, { type KeyObject } from 'node:crypto';
import { and, asc, eq, gt, ne } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { systemClock, type Clock } from '../../shared/clock.ts';
import type { Kms } from './kms.ts';
import { subjectKeys } from './privacy.schema.ts';

/**
 * A ciphertext that does not belong to the subject and field it was presented for, was
 * altered, or is not in our format. Never carries the ciphertext or the plaintext.
 */
export class CiphertextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CiphertextError';
  }
}

export interface SubjectCryptoOptions {
  /** Stamps `subject_keys.created_at`. */
  clock?: Clock;
  /** How many unwrapped data keys to keep in memory (least recently used are dropped). */
  cacheSize?: number;
}

const FORMAT = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const REWRAP_BATCH = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface CachedKey {
  /** The stored wrapped form the key came from; a different row means a different key. */
  wrapped: string;
  key: KeyObject;
}

/**
 * Per-subject envelope encryption of personal fields (ARCHITECTURE.md "Per-subject
 * encryption").
 *
 * Each person gets one AES-256-GCM data key, created on first use and stored in
 * `subject_keys` wrapped by the KMS. `shred` deletes that row, so every copy of the
 * person's ciphertext, in the database, its WAL archives and every backup, can no longer
 * be read: this is how we "destroy the personal data in a manner that prevents its
 * reconstruction in an intelligible form" (Law 058/2021 Art. 52), including copies we
 * cannot reach to delete. It only covers data that was never stored in plaintext, so
 * personal values must go through `encrypt` before they touch a table, a job payload or
 * an audit event.
 *
 * Ciphertexts look like `v1.<iv>.<ciphertext+tag>` (base64url). The subject id and the
 * field name are bound in as additional authenticated data, so a value copied to another
 * person's row or another column fails to decrypt instead of showing the wrong data.
 *
 * Unwrapped keys are cached in memory, but every operation still reads the key row (a
 * primary-key lookup): a key shredded by another process, or created in a transaction that
 * rolled back, must never be used from the cache. The cache only saves the KMS round trip.
 */
export class SubjectCrypto {
  private readonly clock: Clock;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, CachedKey>();

  constructor(
    private readonly kms: Kms,
    opts: SubjectCryptoOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.cacheSize = Math.max(0, opts.cacheSize ?? 1000);
  }

  /** Encrypts one field of one person, creating the person's data key on first use. */
  async encrypt(ex: Executor, subjectId: string, field: string, plaintext: string): Promise<string> {
    const id = canonicalSubject(subjectId);
    checkField(field);
    const key = (await this.loadKey(ex, id)) ?? (await this.createKey(ex, id));
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(id, field));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${FORMAT}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
  }

  /**
   * Decrypts one field; `null` when the person's key is gone (shredded). Throws
   * `CiphertextError` when the value belongs to another person or field, or was altered.
   */
  async decrypt(ex: Executor, subjectId: string, field: string, ciphertext: string): Promise<string | null> {
    const id = canonicalSubject(subjectId);
    checkField(field);
    const { iv, sealed } = parseCiphertext(ciphertext);
    const key = await this.loadKey(ex, id);
    if (!key) return null;
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(aad(id, field));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new CiphertextError(`A ciphertext does not decrypt as field "${field}" of subject ${id}: it belongs to another subject or field, or was altered.`);
    }
  }

  /**
   * Destroys the person's data key (crypto-shredding). Irreversible once the transaction
   * commits and the key-store backups that still hold the row have aged out. Idempotent.
   */
  async shred(ex: Executor, subjectId: string): Promise<void> {
    const id = canonicalSubject(subjectId);
    await ex.delete(subjectKeys).where(eq(subjectKeys.subjectId, id));
    this.cache.delete(id);
  }

  /**
   * After a KEK rotation, re-wraps every data key still under an older KEK with the active
   * one, so the old KEK can later be retired. Returns how many keys were re-wrapped. Safe to
   * run while the platform serves traffic: a key shredded or re-wrapped meanwhile is skipped.
   */
  async rewrapAll(ex: Executor): Promise<number> {
    const active = this.kms.activeKekId;
    let count = 0;
    let after: string | undefined;
    for (;;) {
      const stale = ne(subjectKeys.kekId, active);
      const rows = await ex
        .select()
        .from(subjectKeys)
        .where(after === undefined ? stale : and(stale, gt(subjectKeys.subjectId, after)))
        .orderBy(asc(subjectKeys.subjectId))
        .limit(REWRAP_BATCH);
      for (const row of rows) {
        const dek = await this.kms.unwrap(row.kekId, row.wrappedKey);
        try {
          const { kekId, wrapped } = await this.kms.wrap(dek);
          const updated = await ex
            .update(subjectKeys)
            .set({ kekId, wrappedKey: wrapped })
            .where(and(eq(subjectKeys.subjectId, row.subjectId), eq(subjectKeys.wrappedKey, row.wrappedKey)))
            .returning({ subjectId: subjectKeys.subjectId });
          count += updated.length;
        } finally {
          dek.fill(0);
        }
      }
      if (rows.length < REWRAP_BATCH) return count;
      after = rows[rows.length - 1]!.subjectId;
    }
  }

  /** The person's data key as stored now, or `undefined` when there is none. */
  private async loadKey(ex: Executor, id: string): Promise<KeyObject | undefined> {
    const [row] = await ex
      .select({ wrappedKey: subjectKeys.wrappedKey, kekId: subjectKeys.kekId })
      .from(subjectKeys)
      .where(eq(subjectKeys.subjectId, id));
    if (!row) {
      this.cache.delete(id);
      return undefined;
    }
    const cached = this.cache.get(id);
    if (cached && cached.wrapped === row.wrappedKey) {
      this.remember(id, cached);
      return cached.key;
    }
    const dek = await this.kms.unwrap(row.kekId, row.wrappedKey);
    const key = crypto.createSecretKey(dek);
    dek.fill(0);
    this.remember(id, { wrapped: row.wrappedKey, key });
    return key;
  }

  /**
   * Creates the person's data key. Two requests may do this at once for the same person
   * (say a sign-up retried by the browser): the insert keeps whichever key was stored first
   * and the loser re-reads it, so no ciphertext is ever made with a key that is not stored.
   */
  private async createKey(ex: Executor, id: string): Promise<KeyObject> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const dek = crypto.randomBytes(KEY_BYTES);
      try {
        const { kekId, wrapped } = await this.kms.wrap(dek);
        const inserted = await ex
          .insert(subjectKeys)
          .values({ subjectId: id, wrappedKey: wrapped, kekId, createdAt: this.clock.now() })
          .onConflictDoNothing({ target: subjectKeys.subjectId })
          .returning({ subjectId: subjectKeys.subjectId });
        if (inserted.length > 0) {
          const key = crypto.createSecretKey(dek);
          this.remember(id, { wrapped, key });
          return key;
        }
      } finally {
        dek.fill(0);
      }
      const theirs = await this.loadKey(ex, id);
      if (theirs) return theirs;
      // The other request's key was shredded between its insert and our read: try again.
    }
    throw new Error(`Could not create a data key for subject ${id}: it kept being created and deleted concurrently.`);
  }

  private remember(id: string, entry: CachedKey): void {
    if (this.cacheSize === 0) return;
    // A Map iterates in insertion order: re-inserting marks the entry most recently used.
    this.cache.delete(id);
    this.cache.set(id, entry);
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }
}

function canonicalSubject(subjectId: string): string {
  // PostgreSQL returns uuids in lower case; the AAD must match whatever case the caller used.
  const id = subjectId.toLowerCase();
  if (!UUID.test(id)) throw new TypeError('A subject id must be a uuid.');
  return id;
}

function checkField(field: string): void {
  if (field.length === 0 || field.length > 200) throw new TypeError('A field name must be 1 to 200 characters.');
}

function aad(subjectId: string, field: string): Buffer {
  // JSON keeps the parts unambiguous whatever characters a field name holds.
  return Buffer.from(JSON.stringify([`strettch.subject-field.${FORMAT}`, subjectId, field]), 'utf8');
}

function parseCiphertext(ciphertext: string): { iv: Buffer; sealed: Buffer } {
  const parts = ciphertext.split('.');
  if (parts.length !== 3 || parts[0] !== FORMAT) throw new CiphertextError(`A value is not a ${FORMAT} ciphertext.`);
  const iv = Buffer.from(parts[1]!, 'base64url');
  const sealed = Buffer.from(parts[2]!, 'base64url');
  if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) throw new CiphertextError(`A ${FORMAT} ciphertext is truncated.`);
  return { iv, sealed };
}
