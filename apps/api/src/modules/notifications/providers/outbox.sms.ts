import crypto from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { Executor } from '../../../db/database.ts';
import type { Clock } from '../../../shared/clock.ts';
import { devSmsOutbox } from '../notifications.schema.ts';
import { ProviderError, type OutgoingSms, type SentMessage, type SmsSender } from '../ports.ts';
import { parsePhoneNumber, PhoneNumberError, type PhoneNumberOptions } from './phone.ts';

export type OutboxSms = typeof devSmsOutbox.$inferSelect;

/**
 * The built-in SMS outbox of the embedded default: SMS are stored in `dev_sms_outbox` with the
 * route a real send would have taken (Pindo or SNS), one per idempotency key. A number the router
 * would refuse is refused here too, as a permanent failure, so development shows what production
 * would do.
 */
export class SmsOutbox implements SmsSender {
  readonly provider = 'outbox' as const;

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
    private readonly phoneOptions: PhoneNumberOptions = {},
  ) {}

  async send(message: OutgoingSms): Promise<SentMessage> {
    let route: 'pindo' | 'sns';
    let to: string;
    try {
      ({ route, e164: to } = parsePhoneNumber(message.to, this.phoneOptions));
    } catch (err) {
      if (!(err instanceof PhoneNumberError)) throw err;
      throw new ProviderError(this.provider, 'permanent', `the outbox refused the SMS: ${err.message}`, { code: `number_${err.reason}` });
    }
    const [inserted] = await this.db
      .insert(devSmsOutbox)
      .values({ id: crypto.randomUUID(), idempotencyKey: message.idempotencyKey, toNumber: to, text: message.text, route, createdAt: this.clock.now() })
      .onConflictDoNothing({ target: devSmsOutbox.idempotencyKey })
      .returning({ id: devSmsOutbox.id });
    const id =
      inserted?.id ??
      (await this.db.select({ id: devSmsOutbox.id }).from(devSmsOutbox).where(eq(devSmsOutbox.idempotencyKey, message.idempotencyKey)))[0]?.id;
    if (!id) throw new ProviderError(this.provider, 'transient', 'the outbox lost an SMS it had just refused as a duplicate');
    return { provider: this.provider, providerMessageId: id };
  }
}

/** Newest first. */
export async function listSmsOutbox(ex: Executor, options: { limit: number }): Promise<OutboxSms[]> {
  return ex.select().from(devSmsOutbox).orderBy(desc(devSmsOutbox.createdAt), desc(devSmsOutbox.id)).limit(options.limit);
}
