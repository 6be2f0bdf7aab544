import crypto from 'node:crypto';

/** The header IremboPay puts on payment notifications: `t=<epoch ms>,s=<hex HMAC>`. */
export const IREMBOPAY_SIGNATURE_HEADER = 'irembopay-signature';

/**
 * How far the signed timestamp may be from our clock. IremboPay mandates no window; five minutes
 * is what every integration uses (providers.md §1.6, step 6).
 */
export const IREMBOPAY_SIGNATURE_TOLERANCE_MS = 300_000;

export type IremboPaySignatureCheck =
  | { ok: true }
  /**
   * `missing`: no header at all. `malformed`: a header without `t` and `s`, or with a timestamp
   * that is not epoch milliseconds or a signature that is not 64 hex characters. `stale`: the
   * timestamp is outside the window. `mismatch`: well formed and fresh, but not signed with our key.
   */
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

const TIMESTAMP = /^\d{1,16}$/;
const SIGNATURE = /^[0-9a-f]{64}$/i;

function hmac(secret: string, rawBody: string | Buffer, t: string): Buffer {
  if (!secret) throw new Error('IremboPay signatures need the merchant secret key');
  // The timestamp is used exactly as it appears in the header: reformatting it would change the bytes signed.
  return crypto.createHmac('sha256', secret).update(`${t}#`).update(rawBody).digest();
}

/**
 * The `irembopay-signature` value for `rawBody` sent at `tMs`:
 * HMAC-SHA256 keyed with the merchant secret key over `t + "#" + body`, hex (providers.md §1.6).
 */
export function signIremboPay(secret: string, rawBody: string | Buffer, tMs: number): string {
  if (!Number.isSafeInteger(tMs) || tMs < 0) throw new RangeError('the signature timestamp must be epoch milliseconds');
  const t = String(tMs);
  return `t=${t},s=${hmac(secret, rawBody, t).toString('hex')}`;
}

/**
 * Checks a payment notification against its `irembopay-signature` header. `rawBody` must be the
 * bytes received, before any JSON parsing. The timestamp is in milliseconds (the documented example
 * `1653405045000` is May 2022); a plugin that read it as seconds refused every notification
 * (providers.md §1.7). The docs show the header both with and without a space after the comma.
 */
export function verifyIremboPaySignature(
  rawBody: string | Buffer,
  header: string | undefined,
  secret: string,
  nowMs: number,
  toleranceMs = IREMBOPAY_SIGNATURE_TOLERANCE_MS,
): IremboPaySignatureCheck {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };

  const parts = new Map<string, string>();
  for (const element of header.split(',')) {
    const at = element.indexOf('=');
    if (at <= 0) return { ok: false, reason: 'malformed' };
    const key = element.slice(0, at).trim();
    if (parts.has(key)) return { ok: false, reason: 'malformed' };
    parts.set(key, element.slice(at + 1).trim());
  }
  const t = parts.get('t');
  const s = parts.get('s');
  if (t === undefined || s === undefined || !TIMESTAMP.test(t) || !SIGNATURE.test(s)) return { ok: false, reason: 'malformed' };

  if (Math.abs(nowMs - Number(t)) > toleranceMs) return { ok: false, reason: 'stale' };

  const expected = hmac(secret, rawBody, t);
  const given = Buffer.from(s, 'hex');
  // Both are 32 bytes after the pattern check; the length test keeps timingSafeEqual from throwing regardless.
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return { ok: false, reason: 'mismatch' };
  return { ok: true };
}
