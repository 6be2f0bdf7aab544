import crypto from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { Executor } from '../../../db/database.ts';
import type { Clock } from '../../../shared/clock.ts';
import { devMailbox } from '../notifications.schema.ts';
import { ProviderError, type EmailSender, type OutgoingEmail, type SentMessage } from '../ports.ts';
import { isMailbox } from './email-address.ts';

export type MailboxMessage = typeof devMailbox.$inferSelect;

/**
 * The built-in mailbox of the embedded default: e-mail that would have gone to Resend is stored
 * in `dev_mailbox` and read in the console's development pages. It behaves like Resend where the
 * rest of the system can notice: one message per idempotency key, and malformed addresses refused
 * as a permanent failure.
 */
export class MailboxMailer implements EmailSender {
  readonly provider = 'mailbox' as const;

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
  ) {}

  async send(message: OutgoingEmail): Promise<SentMessage> {
    if (!isMailbox(message.from) || !isMailbox(message.to)) {
      throw new ProviderError(this.provider, 'permanent', 'the mailbox refused the e-mail: validation_error: malformed address', {
        code: 'validation_error',
      });
    }
    const [inserted] = await this.db
      .insert(devMailbox)
      .values({
        id: crypto.randomUUID(),
        idempotencyKey: message.idempotencyKey,
        fromAddress: message.from,
        toAddress: message.to,
        subject: message.subject,
        html: message.html,
        text: message.text,
        tags: message.tags ?? {},
        createdAt: this.clock.now(),
      })
      .onConflictDoNothing({ target: devMailbox.idempotencyKey })
      .returning({ id: devMailbox.id });
    const id = inserted?.id ?? (await this.db.select({ id: devMailbox.id }).from(devMailbox).where(eq(devMailbox.idempotencyKey, message.idempotencyKey)))[0]?.id;
    if (!id) throw new ProviderError(this.provider, 'transient', 'the mailbox lost a message it had just refused as a duplicate');
    return { provider: this.provider, providerMessageId: id };
  }
}

/** Newest first. */
export async function listMailbox(ex: Executor, options: { limit: number }): Promise<MailboxMessage[]> {
  return ex.select().from(devMailbox).orderBy(desc(devMailbox.createdAt), desc(devMailbox.id)).limit(options.limit);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Undefined for an unknown id, and for a string that is not a UUID (PostgreSQL would raise). */
export async function getMailboxMessage(ex: Executor, id: string): Promise<MailboxMessage | undefined> {
  if (!UUID.test(id)) return undefined;
  const [row] = await ex.select().from(devMailbox).where(eq(devMailbox.id, id));
  return row;
}
