/**
 * Ports of the notification module. E-mail leaves through Resend in production and lands in the
 * built-in mailbox in the embedded default; SMS leaves through Pindo (+250) or AWS SNS (all other
 * numbers) and lands in the built-in SMS outbox by default. Each implementation passes the same
 * contract suite.
 */

export interface OutgoingEmail {
  /** `Name <address>` of a verified sending domain. */
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Stable per message: the provider sends a message once per key (Resend keeps keys 24 h). */
  idempotencyKey: string;
  /** Non-personal labels (e.g. the template name), echoed back in delivery webhooks. */
  tags?: Record<string, string>;
}

export interface SentMessage {
  provider: string;
  providerMessageId: string;
}

export interface EmailSender {
  readonly provider: 'resend' | 'mailbox';
  send(message: OutgoingEmail): Promise<SentMessage>;
}

export interface OutgoingSms {
  /** E.164, already validated (see `parsePhoneNumber` in phone.ts). */
  to: string;
  text: string;
  idempotencyKey: string;
}

export interface SmsSender {
  readonly provider: 'pindo' | 'sns' | 'outbox';
  send(message: OutgoingSms): Promise<SentMessage>;
}

/**
 * A provider refused or failed. `transient` failures (429, 5xx, timeouts, network) are retried
 * with backoff; `permanent` ones (invalid address or number, rejected content, bad credentials)
 * are not: the message goes to its dead state with the provider's word.
 */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly kind: 'transient' | 'permanent',
    message: string,
    readonly details: { status?: number; code?: string; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  /** Honoured by the job worker as the least delay before the next attempt. */
  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }
}
