import crypto, { type KeyObject } from 'node:crypto';

/** Kinds with their own normalisation; any other kind is only trimmed. */
export type KnownHashKind = 'email' | 'phone';

const KIND = /^[a-z][a-z0-9-]{0,39}$/;

const normalisers: Record<KnownHashKind, (value: string) => string> = {
  // Mail providers treat the local part case-insensitively, even though RFC 5321 §2.4
  // allows them not to: "Ada@Example.com" and "ada@example.com" are one account to us.
  email: (v) => v.normalize('NFC').trim().toLowerCase(),
  // Only layout goes; turning "0788 123 456" into "+250788123456" is the caller's job
  // (libphonenumber-js), so that every writer hashes the same E.164 form.
  phone: (v) => v.normalize('NFC').replace(/[\s\-().]/g, ''),
};

/** The form of `value` that `hash(kind, value)` hashes. */
export function normaliseForHash(kind: string, value: string): string {
  const n = (normalisers as Record<string, ((v: string) => string) | undefined>)[kind];
  return n ? n(value) : value.normalize('NFC').trim();
}

/**
 * Keyed hashes (HMAC-SHA256) for finding a row by a value that is stored encrypted, such
 * as `users.email_hash` for sign-in by e-mail.
 *
 * A plain hash is never used for this: e-mail addresses and phone numbers are few enough
 * to hash every candidate, so anyone with a database dump could reverse a plain hash, and
 * re-identifying pseudonymised data is an offence (Law 058/2021 Art. 57). Without the key,
 * which lives in the key file and not in the database, the hash reveals nothing.
 *
 * Each kind hashes under its own derived key (domain separation), so an e-mail hash can
 * never equal the hash of some other kind of value, and hashes cannot be joined across
 * kinds.
 */
export class KeyedHasher {
  private readonly key: KeyObject;
  private readonly kindKeys = new Map<string, KeyObject>();

  constructor(key: Buffer) {
    if (key.length < 32) throw new TypeError('The keyed-hash key must be at least 256 bits.');
    this.key = crypto.createSecretKey(Buffer.from(key));
  }

  /** A 64-character hex digest of `value` after the normalisation of its kind. */
  hash(kind: KnownHashKind | (string & Record<never, never>), value: string): string {
    if (!KIND.test(kind)) throw new TypeError('A hash kind is lower-case letters, digits and dashes, starting with a letter.');
    return crypto.createHmac('sha256', this.kindKey(kind)).update(normaliseForHash(kind, value), 'utf8').digest('hex');
  }

  private kindKey(kind: string): KeyObject {
    let k = this.kindKeys.get(kind);
    if (!k) {
      k = crypto.createSecretKey(crypto.createHmac('sha256', this.key).update(`strettch.keyed-hash.v1:${kind}`, 'utf8').digest());
      this.kindKeys.set(kind, k);
    }
    return k;
  }
}
