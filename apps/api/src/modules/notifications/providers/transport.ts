import { scrubText } from '../../../shared/logger.ts';

/**
 * Helpers shared by the provider clients for what happens around an HTTP call: reading
 * `Retry-After`, telling a request that never left from one whose outcome is unknown, and
 * keeping provider text out of our errors unless it is scrubbed.
 */

/**
 * `ProviderError.details.code` of a failure after which nobody knows whether the provider acted:
 * reported as permanent by senders without idempotency, so the message is not sent twice.
 */
export const OUTCOME_UNKNOWN = 'outcome_unknown';

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * Error codes raised before a single byte of the request reached the provider: DNS failed, the
 * connection was refused or could not be opened in time. Anything else that breaks a request
 * (our own timeout, a reset after connecting, a half-read answer) may have happened after the
 * provider acted on it.
 */
const NEVER_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True when the failed request certainly did not reach the provider, so sending again cannot duplicate. */
export function requestNeverSent(err: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e)) return false;
    seen.add(e);
    const { code, cause, errors, message, name } = e as { code?: unknown; cause?: unknown; errors?: unknown; message?: unknown; name?: unknown };
    if (typeof code === 'string' && NEVER_SENT_CODES.has(code)) return true;
    // @smithy/node-http-handler's connectionTimeout: fires only while the socket is still connecting.
    if (name === 'TimeoutError' && typeof message === 'string' && message.includes('did not establish a connection')) return true;
    if (Array.isArray(errors) && errors.length > 0 && errors.every(visit)) return true;
    return visit(cause);
  };
  return visit(err);
}

/** True when `err` is the abort of a request by the timeout signal we gave it. */
export function isTimeout(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (err === signal.reason || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')));
}

/**
 * Provider text (error messages, bodies) may echo the recipient: it is scrubbed of addresses and
 * numbers and cut short before it goes into an error that is stored and may be logged.
 */
export function providerText(text: unknown, max = 200): string {
  if (typeof text !== 'string' || text === '') return '';
  const scrubbed = scrubText(text.replace(/\s+/g, ' ').trim());
  return scrubbed.length > max ? `${scrubbed.slice(0, max)}…` : scrubbed;
}
