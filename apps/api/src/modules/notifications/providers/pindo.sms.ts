import { systemClock, type Clock } from '../../../shared/clock.ts';
import { ProviderError, type OutgoingSms, type SentMessage, type SmsSender } from '../ports.ts';
import { OUTCOME_UNKNOWN, isTimeout, parseRetryAfter, providerText, requestNeverSent } from './transport.ts';

export interface PindoSmsOptions {
  /** Bearer token from app.pindo.io. */
  token: string;
  /** Approved sender ID, at most 11 characters. */
  sender: string;
  /** `https://api.pindo.io` unless pointed at the sandbox. */
  baseUrl?: string;
  /** Whole request, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  /** Only for `Retry-After` given as an HTTP date. */
  clock?: Clock;
}

/**
 * Sends SMS to Rwandan numbers through Pindo (`POST /v1/sms/`). There is no usable npm package
 * (the community one hard-codes the base URL), so this is a small fetch client.
 *
 * Retries and double sending: Pindo has no idempotency key, and a 201 means the SMS left and was
 * charged. A retry after a request that reached Pindo can therefore send the same SMS twice. So:
 * - failures before the request reached Pindo (DNS, connection refused, connect timeout) are
 *   `transient`: the outbox retries them and nothing is duplicated;
 * - 429 and 500/502/503 are `transient`: Pindo answered that it did not take the message;
 * - a timeout or a broken connection after the request was sent, and a 504 (a gateway gave up
 *   waiting for Pindo, which may still have sent it), are `permanent` with code `outcome_unknown`.
 *   The message goes to its dead state saying it may have been delivered, instead of being sent
 *   again automatically. We prefer a visible "maybe sent" over a silent duplicate: a second OTP
 *   or warning confuses the reader and is charged twice, while a missing OTP is one "resend code"
 *   tap away. Our fetch timeout cannot tell connect time from wait time, so a connection that
 *   takes the whole timeout also lands here: it errs on the side of not sending twice.
 * - 400, 401, 403, 404, 409 (unsupported country or telco, wrong number format) and other 4xx
 *   are `permanent`.
 */
export class PindoSms implements SmsSender {
  readonly provider = 'pindo' as const;
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  constructor(private readonly options: PindoSmsOptions) {
    if (!options.token) throw new Error('PindoSms needs an API token');
    if (!options.sender || options.sender.length > 11) throw new Error('PindoSms needs a sender ID of 1 to 11 characters');
    this.url = `${(options.baseUrl ?? 'https://api.pindo.io').replace(/\/+$/, '')}/v1/sms/`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.clock = options.clock ?? systemClock;
  }

  async send(message: OutgoingSms): Promise<SentMessage> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ to: message.to, text: message.text, sender: this.options.sender }),
        signal,
      });
    } catch (err) {
      throw this.failure(err, signal);
    }

    let body = '';
    try {
      body = await response.text();
    } catch (err) {
      // A 2xx status is Pindo's word that the SMS was sent, even if the rest of the answer was lost.
      if (!response.ok) throw this.failure(err, signal);
    }
    if (response.ok) return { provider: this.provider, providerMessageId: readSmsId(body) };
    throw this.refusal(response, body);
  }

  private failure(err: unknown, signal: AbortSignal): ProviderError {
    if (requestNeverSent(err)) return new ProviderError(this.provider, 'transient', 'Pindo could not be reached', { code: 'network' });
    const why = isTimeout(err, signal) ? `Pindo did not answer within ${this.timeoutMs} ms` : 'the connection to Pindo broke';
    return new ProviderError(this.provider, 'permanent', `${why}; the SMS may have been sent, so it is not sent again`, { code: OUTCOME_UNKNOWN });
  }

  private refusal(response: Response, body: string): ProviderError {
    const status = response.status;
    const text = providerText(readMessage(body));
    const detail = `${status}${text ? `: ${text}` : ''}`;
    if (status === 504) {
      return new ProviderError(this.provider, 'permanent', `Pindo's gateway timed out (${detail}); the SMS may have been sent, so it is not sent again`, {
        status,
        code: OUTCOME_UNKNOWN,
      });
    }
    if (status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.clock.now());
      return new ProviderError(this.provider, 'transient', `Pindo is unavailable (${detail})`, {
        status,
        code: status === 429 ? 'rate_limited' : 'unavailable',
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    return new ProviderError(this.provider, 'permanent', `Pindo refused the SMS (${detail})`, { status, code: status === 409 ? 'conflict' : `http_${status}` });
  }
}

/**
 * The id of the sent SMS from either documented answer: the current 201 `{ sms_id: "out_sms_…" }`
 * or the older 200 `{ sms_items: [{ id: 1062502 }] }`, then the last segment of `self_url`.
 * Empty when none is there: the SMS was still sent.
 */
export function readSmsId(body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return '';
  }
  if (!json || typeof json !== 'object') return '';
  const b = json as { sms_id?: unknown; sms_items?: unknown; self_url?: unknown };
  const asId = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
  const first = Array.isArray(b.sms_items) ? (b.sms_items[0] as { id?: unknown } | undefined) : undefined;
  const fromUrl = typeof b.self_url === 'string' ? b.self_url.replace(/\/+$/, '').split('/').pop() : undefined;
  return asId(b.sms_id) ?? asId(first?.id) ?? asId(fromUrl) ?? '';
}

/** Pindo's error bodies are not documented: take a `message`/`error`/`detail` field, or the text. */
function readMessage(body: string): string {
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    for (const key of ['message', 'error', 'detail']) if (typeof json[key] === 'string') return json[key];
  } catch {
    // not JSON
  }
  return body;
}
