import crypto from 'node:crypto';
import { Resend, type CreateEmailOptions } from 'resend';
import { systemClock, type Clock } from '../../../shared/clock.ts';
import { ProviderError, type EmailSender, type OutgoingEmail, type SentMessage } from '../ports.ts';
import { parseRetryAfter, providerText } from './transport.ts';

export interface ResendMailerOptions {
  apiKey: string;
  /** `https://api.resend.com` unless pointed at the sandbox. */
  baseUrl?: string;
  /** Whole request, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  /** Only for `Retry-After` given as an HTTP date. */
  clock?: Clock;
}

/** One entry per message of a batch, in the order given. */
export type BatchSendResult = { ok: true; sent: SentMessage } | { ok: false; error: ProviderError };

/** Resend's own limit for `POST /emails/batch`. */
export const RESEND_BATCH_LIMIT = 100;

/** What the SDK returns in `error` (it never throws for API errors). */
interface ResendError {
  name: string;
  statusCode: number | null;
  message: string;
}

// Error names from the SDK's RESEND_ERROR_CODE_KEY. Resend's docs disagree with themselves on some
// statuses, so the name decides where it is known (providers.md §3.5).
const TRANSIENT = new Set([
  'rate_limit_exceeded',
  'daily_quota_exceeded',
  // The quota resets with the month (or a plan change); the message itself is fine.
  'monthly_quota_exceeded',
  'internal_server_error',
  // The first request with this key is still running: asking again later is safe.
  'concurrent_idempotent_requests',
]);
const PERMANENT = new Set([
  'validation_error',
  'missing_required_field',
  'invalid_from_address',
  'invalid_parameter',
  'invalid_attachment',
  'invalid_region',
  'invalid_access',
  'invalid_idempotency_key',
  // Same key, different payload: sending again with this key can never succeed.
  'invalid_idempotent_request',
  'missing_api_key',
  'restricted_api_key',
  'invalid_api_key',
  'not_found',
  'method_not_allowed',
]);

/**
 * Sends through Resend with the official SDK. Every send carries the message's idempotency key,
 * so a retry after a timeout or a 5xx is delivered once (Resend remembers keys for 24 h).
 *
 * The SDK has no fetch option but passes `signal` through to the global fetch; on abort or a
 * network failure it returns `application_error` with no status, which we report as transient.
 */
export class ResendMailer implements EmailSender {
  readonly provider = 'resend' as const;
  private readonly resend: Resend;
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  constructor(options: ResendMailerOptions) {
    if (!options.apiKey) throw new Error('ResendMailer needs an API key');
    // baseUrl is always passed so the SDK never falls back to RESEND_BASE_URL from the environment.
    this.resend = new Resend(options.apiKey, { baseUrl: (options.baseUrl ?? 'https://api.resend.com').replace(/\/+$/, '') });
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.clock = options.clock ?? systemClock;
  }

  async send(message: OutgoingEmail): Promise<SentMessage> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const { data, error, headers } = await this.resend.emails.send(toResend(message), { idempotencyKey: message.idempotencyKey, signal });
    if (error) throw this.toProviderError(error, headers, signal);
    if (!data?.id) throw new ProviderError(this.provider, 'transient', 'Resend answered without a message id');
    return { provider: this.provider, providerMessageId: data.id };
  }

  /**
   * Up to 100 messages in one request (no attachments in batches). Sent in permissive mode, so
   * one bad address does not hold back the others; a failure of the whole request is reported
   * against every message. The request's idempotency key is derived from the messages' keys, so
   * retrying the same batch is delivered once.
   */
  async sendBatch(messages: readonly OutgoingEmail[]): Promise<BatchSendResult[]> {
    if (messages.length === 0) return [];
    if (messages.length > RESEND_BATCH_LIMIT) throw new RangeError(`a Resend batch holds at most ${RESEND_BATCH_LIMIT} messages`);
    const signal = AbortSignal.timeout(this.timeoutMs);
    const key = `batch/${crypto.createHash('sha256').update(messages.map((m) => m.idempotencyKey).join('\n')).digest('hex')}`;
    const { data, error, headers } = await this.resend.batch.send(messages.map(toResend), {
      idempotencyKey: key,
      batchValidation: 'permissive',
      signal,
    });
    if (error) {
      const failure = this.toProviderError(error, headers, signal);
      return messages.map(() => ({ ok: false as const, error: failure }));
    }

    // Permissive mode: `data` holds the ids of the accepted messages in order, `errors` the index
    // of each refused one.
    const refused = new Map<number, string>();
    for (const e of data?.errors ?? []) refused.set(e.index, e.message);
    const ids = (data?.data ?? []).map((d) => d.id);
    let next = 0;
    return messages.map((_, index): BatchSendResult => {
      if (refused.has(index)) {
        const text = providerText(refused.get(index));
        return {
          ok: false,
          error: new ProviderError(this.provider, 'permanent', `Resend refused the e-mail: validation_error${text ? `: ${text}` : ''}`, {
            status: 422,
            code: 'validation_error',
          }),
        };
      }
      const id = ids[next++];
      if (!id) return { ok: false, error: new ProviderError(this.provider, 'transient', 'Resend answered the batch without an id for this message') };
      return { ok: true, sent: { provider: this.provider, providerMessageId: id } };
    });
  }

  private toProviderError(error: ResendError, headers: Record<string, string> | null, signal: AbortSignal): ProviderError {
    const status = typeof error.statusCode === 'number' ? error.statusCode : undefined;
    if (status === undefined) {
      // No HTTP answer: the SDK caught a fetch failure (our timeout included) and said so.
      const code = signal.aborted ? 'timeout' : 'network';
      return new ProviderError(this.provider, 'transient', signal.aborted ? `Resend did not answer within ${this.timeoutMs} ms` : 'Resend could not be reached', { code });
    }
    const retryAfterMs = parseRetryAfter(headers?.['retry-after'], this.clock.now());
    const kind = classify(error.name, status);
    const text = providerText(error.message);
    return new ProviderError(this.provider, kind, `Resend refused the e-mail: ${error.name} (${status})${text ? `: ${text}` : ''}`, {
      status,
      code: error.name,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
}

function classify(name: string, status: number): 'transient' | 'permanent' {
  if (TRANSIENT.has(name)) return 'transient';
  if (PERMANENT.has(name)) return 'permanent';
  // application_error (the SDK's name for a non-JSON answer), security_error or a name we do not know.
  return status === 429 || status >= 500 ? 'transient' : 'permanent';
}

function toResend(message: OutgoingEmail): CreateEmailOptions {
  return {
    from: message.from,
    to: message.to,
    subject: message.subject,
    html: message.html,
    text: message.text,
    ...(message.tags ? { tags: Object.entries(message.tags).map(([name, value]) => ({ name, value })) } : {}),
  };
}
