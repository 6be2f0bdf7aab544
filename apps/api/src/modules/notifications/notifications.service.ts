import crypto from 'node:crypto';
import type { Db, Executor } from '../../db/database.ts';
import type { JobQueue, JobRow } from '../../jobs/index.ts';
import type { Clock } from '../../shared/clock.ts';
import { DAY } from '../../shared/clock.ts';
import type { Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import { scrubText, type Logger } from '../../shared/logger.ts';
import type { KeyedHasher, SubjectCrypto } from '../privacy/index.ts';
import { notificationsRepository, type NotificationRow } from './notifications.repository.ts';
import { ProviderError, type EmailSender } from './ports.ts';
import { PhoneNumberError, parsePhoneNumber, type SmsRouter } from './providers/index.ts';
import { renderTemplate, templateCategory, templateChannel, validateTemplateVariables, type Locale, type TemplateName } from './templates/index.ts';

export const DELIVER_JOB = 'notifications.deliver';

/** What the outbox needs to know about a person at send time. */
export interface RecipientProfile {
  email: string;
  name: string;
  phone: string | null;
  locale: Locale;
  isMinor: boolean;
  marketingObjected: boolean;
  restricted: boolean;
}
export type ProfileLookup = (ex: Executor, userId: string) => Promise<RecipientProfile | null>;

/** A person with an account (address read from their profile), or a bare address. */
export type Recipient = { userId: string } | { email: string } | { phone: string };

export interface NotifyInput {
  template: TemplateName;
  variables: Record<string, unknown>;
  to: Recipient;
  /** Defaults to the person's language, or English for a bare address. */
  locale?: Locale;
  teamId?: string | null;
}

export interface NotificationsOptions {
  emailFrom: string;
  publicUrl: string;
  maxAttempts?: number;
}

/**
 * The transactional outbox. `notify` writes the message (recipient and variables encrypted) and
 * its delivery job in the caller's transaction, so a message exists exactly when the event that
 * caused it commits. Delivery is at-least-once towards the provider with a stable idempotency key
 * per message, so the recipient sees it once. Consent is checked here, at send time, and nowhere
 * else: marketing never reaches a person who objected, a minor, or a person whose processing is
 * restricted, and nothing reaches an address on the suppression list.
 */
export class NotificationsService {
  private readonly maxAttempts: number;

  constructor(
    private readonly db: Db,
    private readonly deps: {
      clock: Clock;
      jobs: JobQueue;
      subjects: SubjectCrypto;
      hasher: KeyedHasher;
      email: EmailSender;
      sms: Pick<SmsRouter, 'send'>;
      profiles: ProfileLookup;
      logger: Logger;
    },
    private readonly options: NotificationsOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 12;
  }

  /** Queues a message in the caller's transaction; returns its id. */
  async notify(ctx: Context, input: NotifyInput): Promise<string> {
    const ex = ctx.tx;
    const channel = templateChannel(input.template);
    validateTemplateVariables(input.template, input.variables);
    const id = crypto.randomUUID();
    const now = this.deps.clock.now();

    let subjectId: string | null = null;
    let address: string;
    let locale: Locale = input.locale ?? 'en';
    if ('userId' in input.to) {
      const profile = await this.deps.profiles(ex, input.to.userId);
      if (!profile) throw new AppError('RESOURCE_NOT_FOUND', 'The recipient has no account.');
      subjectId = input.to.userId;
      locale = input.locale ?? profile.locale;
      const a = channel === 'email' ? profile.email : profile.phone;
      if (!a) throw new AppError('UNPROCESSABLE_ENTITY', 'The recipient has no verified phone number.');
      address = a;
    } else if ('email' in input.to) {
      if (channel !== 'email') throw new AppError('BAD_REQUEST', `Template ${input.template} is sent by SMS.`);
      address = input.to.email.trim();
    } else {
      if (channel !== 'sms') throw new AppError('BAD_REQUEST', `Template ${input.template} is sent by e-mail.`);
      address = this.phone(input.to.phone);
    }
    if (channel === 'sms') address = this.phone(address);

    const cryptoSubjectId = subjectId ?? id;
    await notificationsRepository.insert(ex, {
      id,
      subjectId,
      cryptoSubjectId,
      teamId: input.teamId ?? ctx.teamId,
      channel,
      template: input.template,
      category: templateCategory(input.template),
      locale,
      recipientEnc: await this.deps.subjects.encrypt(ex, cryptoSubjectId, 'notifications.recipient', address),
      recipientHash: this.deps.hasher.hash(channel === 'email' ? 'email' : 'phone', address),
      variablesEnc: await this.deps.subjects.encrypt(ex, cryptoSubjectId, 'notifications.variables', JSON.stringify(input.variables)),
      status: 'queued',
      createdAt: now,
      updatedAt: now,
    });
    await this.deps.jobs.enqueue(ex, DELIVER_JOB, { notificationId: id }, { maxAttempts: this.maxAttempts });
    return id;
  }

  /** The delivery job: one attempt at handing the message to its provider. */
  async deliver(notificationId: string, job?: Pick<JobRow, 'attempts' | 'maxAttempts'>): Promise<void> {
    const n = await notificationsRepository.find(this.db, notificationId);
    if (!n || n.status !== 'queued') return; // already handled: at-least-once delivery of the job
    const now = () => this.deps.clock.now();

    const [address, variablesJson] = await Promise.all([
      this.deps.subjects.decrypt(this.db, n.cryptoSubjectId, 'notifications.recipient', n.recipientEnc),
      this.deps.subjects.decrypt(this.db, n.cryptoSubjectId, 'notifications.variables', n.variablesEnc),
    ]);
    if (address === null || variablesJson === null) {
      return notificationsRepository.transition(this.db, n.id, now(), { status: 'dead', detail: 'the recipient\'s data was erased', lastError: 'recipient erased' });
    }

    const refusal = await this.refusal(n, address);
    if (refusal) return notificationsRepository.transition(this.db, n.id, now(), { status: 'suppressed', detail: refusal });

    const attempts = n.attempts + 1;
    let rendered;
    try {
      rendered = renderTemplate(n.template as TemplateName, n.locale as Locale, JSON.parse(variablesJson) as Record<string, unknown>, { baseUrl: this.options.publicUrl });
    } catch (err) {
      // A stored message that no longer renders will not render on a retry either.
      const message = scrubText(err instanceof Error ? err.message : String(err)).slice(0, 500);
      return notificationsRepository.transition(this.db, n.id, now(), { status: 'dead', attempts, lastError: message, detail: `could not render: ${message}` });
    }
    try {
      const sent =
        n.channel === 'email'
          ? await this.deps.email.send({
              from: this.options.emailFrom,
              to: address,
              subject: rendered.subject,
              html: rendered.html,
              text: rendered.text,
              idempotencyKey: `notification/${n.id}`,
              tags: { template: n.template },
            })
          : await this.deps.sms.send({ to: address, text: rendered.text, idempotencyKey: `notification/${n.id}` });
      await notificationsRepository.transition(this.db, n.id, now(), {
        status: 'sent',
        provider: sent.provider,
        providerMessageId: sent.providerMessageId,
        attempts,
        lastError: null,
        detail: sent.provider,
      });
    } catch (err) {
      const message = scrubText(err instanceof Error ? err.message : String(err)).slice(0, 500);
      const permanent = err instanceof PhoneNumberError || (err instanceof ProviderError && err.kind === 'permanent');
      const lastTry = job !== undefined && job.attempts >= job.maxAttempts;
      if (permanent || lastTry) {
        await notificationsRepository.transition(this.db, n.id, now(), { status: 'dead', attempts, lastError: message, detail: permanent ? `rejected: ${message}` : `gave up: ${message}` });
        if (permanent) return; // no point retrying: the job ends, the message is dead with the provider's word
      } else {
        await notificationsRepository.note(this.db, n.id, now(), 'retrying', message, attempts);
      }
      throw err;
    }
  }

  /** Why a message must not be sent, or null. The one place consent and suppression are checked. */
  private async refusal(n: NotificationRow, address: string): Promise<string | null> {
    if (n.channel === 'email' && (await notificationsRepository.isSuppressed(this.db, this.deps.hasher.hash('email', address)))) {
      return 'address on the suppression list (bounced or complained)';
    }
    if (n.category !== 'marketing') return null;
    if (!n.subjectId) return 'marketing needs an account holder\'s consent';
    const p = await this.deps.profiles(this.db, n.subjectId);
    if (!p) return 'recipient has no account';
    if (p.marketingObjected) return 'recipient objected to marketing';
    if (p.isMinor) return 'recipient is a minor';
    if (p.restricted) return 'processing of the recipient\'s data is restricted';
    return null;
  }

  /** Applies a verified delivery event (Resend webhook) once per delivery id. */
  async applyEmailEvent(event: { id: string; type: string; emailId: string; bounceType?: string | null }): Promise<'applied' | 'duplicate' | 'unknown-message' | 'ignored'> {
    const now = this.deps.clock.now();
    return this.db.transaction(async (tx) => {
      if (!(await notificationsRepository.firstReceipt(tx, 'resend', event.id, now))) return 'duplicate';
      const n = await notificationsRepository.findByProviderMessage(tx, 'resend', event.emailId);
      if (!n) return 'unknown-message';
      const status = event.type === 'email.delivered' ? 'delivered' : event.type === 'email.bounced' ? 'bounced' : event.type === 'email.complained' ? 'complained' : null;
      if (!status) return 'ignored';
      await notificationsRepository.transition(tx, n.id, now, { status, detail: event.bounceType ? `${event.type} (${event.bounceType})` : event.type });
      // Hard bounces and complaints stop every later e-mail to that address.
      if (status === 'complained' || (status === 'bounced' && (event.bounceType ?? 'Permanent') === 'Permanent')) {
        await notificationsRepository.suppress(tx, n.recipientHash, status, now);
      }
      return 'applied';
    });
  }

  async purgeWebhookReceipts(): Promise<void> {
    await notificationsRepository.purgeReceipts(this.db, new Date(this.deps.clock.now().getTime() - 7 * DAY));
  }

  private phone(input: string): string {
    try {
      return parsePhoneNumber(input).e164;
    } catch (err) {
      if (err instanceof PhoneNumberError) throw new AppError('VALIDATION_ERROR', err.message, [{ field: 'phone', message: err.message }]);
      throw err;
    }
  }
}
