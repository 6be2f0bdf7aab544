import { PublishCommand, SNSClient, SNSServiceException, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { ProviderError, type OutgoingSms, type SentMessage, type SmsSender } from '../ports.ts';
import { parsePhoneNumber } from './phone.ts';
import { OUTCOME_UNKNOWN, providerText, requestNeverSent } from './transport.ts';

export interface SnsSmsOptions {
  region: string;
  /** e.g. the SNS sandbox; unset in production. */
  endpoint?: string;
  /** Unset in production: the SDK's default chain (environment, instance role) applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Alphanumeric sender ID (3–11 characters, at least one letter), where the country supports one. */
  senderId?: string;
  /** Whole request. Default 10 s. */
  timeoutMs?: number;
  /** Opening the connection; a failure here never reached AWS. Default 3 s. */
  connectTimeoutMs?: number;
}

// AWS ignores alphanumeric sender IDs for North American numbers (they need an origination
// number); we leave the attribute out there rather than rely on that. Other countries' rules
// (registration, e.g. for Rwanda) are not verified: see providers.md §4.2.
const NO_SENDER_ID = new Set(['US', 'CA']);
const SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9]{3,11}$/;
const THROTTLED = new Set(['ThrottledException', 'KMSThrottlingException']);

/**
 * Sends SMS to non-Rwandan numbers through AWS SNS `Publish` (transactional type, so AWS routes
 * for reliability rather than price). The SDK's own retries are off (`maxAttempts: 1`): the
 * notification outbox owns retries and their backoff, and a hidden SDK retry would resend an SMS
 * that SNS may already have accepted.
 *
 * Like Pindo, SNS has no idempotency key for SMS, so the same rule applies (see `PindoSms`): a
 * connection that never opened is `transient`; a timeout or broken connection after the request
 * went out is `permanent` with code `outcome_unknown`; throttling and 5xx are `transient`; client
 * faults (InvalidParameter, OptedOut, authorisation) are `permanent`.
 */
export class SnsSms implements SmsSender {
  readonly provider = 'sns' as const;
  private readonly client: SNSClient;
  private readonly senderId: string | undefined;

  constructor(options: SnsSmsOptions) {
    if (options.senderId !== undefined && !SENDER_ID.test(options.senderId)) {
      throw new Error('SnsSms sender ID must be 3 to 11 letters and digits with at least one letter');
    }
    this.senderId = options.senderId;
    this.client = new SNSClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: 1,
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? 3_000,
        requestTimeout: options.timeoutMs ?? 10_000,
        throwOnRequestTimeout: true,
      },
    });
  }

  async send(message: OutgoingSms): Promise<SentMessage> {
    const attributes: Record<string, MessageAttributeValue> = {
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    };
    if (this.senderId && this.senderIdAllowed(message.to)) {
      attributes['AWS.SNS.SMS.SenderID'] = { DataType: 'String', StringValue: this.senderId };
    }
    try {
      const out = await this.client.send(new PublishCommand({ PhoneNumber: message.to, Message: message.text, MessageAttributes: attributes }));
      if (!out.MessageId) throw new ProviderError(this.provider, 'permanent', 'SNS accepted the SMS without a message id', { code: OUTCOME_UNKNOWN });
      return { provider: this.provider, providerMessageId: out.MessageId };
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** Releases the SDK's sockets. */
  close(): void {
    this.client.destroy();
  }

  private senderIdAllowed(to: string): boolean {
    try {
      return !NO_SENDER_ID.has(parsePhoneNumber(to).country);
    } catch {
      return true; // SNS judges the number itself and answers InvalidParameter.
    }
  }

  private failure(err: unknown): ProviderError {
    if (err instanceof ProviderError) return err;
    if (err instanceof SNSServiceException) {
      const status = err.$metadata.httpStatusCode;
      const code = err.name;
      const text = providerText(err.message);
      const message = `SNS refused the SMS: ${code}${status ? ` (${status})` : ''}${text ? `: ${text}` : ''}`;
      const transient = THROTTLED.has(code) || status === 429 || err.$fault === 'server' || (status !== undefined && status >= 500);
      return new ProviderError(this.provider, transient ? 'transient' : 'permanent', message, { code, ...(status ? { status } : {}) });
    }
    if (requestNeverSent(err)) return new ProviderError(this.provider, 'transient', 'SNS could not be reached', { code: 'network' });
    const name = err instanceof Error ? err.name : typeof err;
    if (name === 'CredentialsProviderError') {
      // Nothing was sent, and an instance role's credentials can be briefly unavailable.
      return new ProviderError(this.provider, 'transient', 'no AWS credentials could be loaded for SNS', { code: 'credentials' });
    }
    return new ProviderError(this.provider, 'permanent', `the request to SNS failed (${name}); the SMS may have been sent, so it is not sent again`, {
      code: OUTCOME_UNKNOWN,
    });
  }
}
