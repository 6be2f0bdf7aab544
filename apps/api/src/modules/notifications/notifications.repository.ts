import { and, desc, eq, lt } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { emailSuppressions, notificationEvents, notifications, webhookReceipts } from './notifications.schema.ts';

export type NotificationRow = typeof notifications.$inferSelect;
export type NotificationStatus = NotificationRow['status'];

export const notificationsRepository = {
  async insert(ex: Executor, row: typeof notifications.$inferInsert): Promise<void> {
    await ex.insert(notifications).values(row);
    await ex.insert(notificationEvents).values({ notificationId: row.id, status: row.status, at: row.createdAt });
  },

  async find(ex: Executor, id: string): Promise<NotificationRow | undefined> {
    const [row] = await ex.select().from(notifications).where(eq(notifications.id, id)).limit(1);
    return row;
  },

  async findByProviderMessage(ex: Executor, provider: string, providerMessageId: string): Promise<NotificationRow | undefined> {
    const [row] = await ex
      .select()
      .from(notifications)
      .where(and(eq(notifications.provider, provider), eq(notifications.providerMessageId, providerMessageId)))
      .limit(1);
    return row;
  },

  /** Moves a message to `status` and records the step in its history. */
  async transition(
    ex: Executor,
    id: string,
    at: Date,
    change: { status: NotificationStatus; detail?: string | null; provider?: string; providerMessageId?: string; lastError?: string | null; attempts?: number },
  ): Promise<void> {
    const { detail, ...fields } = change;
    await ex.update(notifications).set({ ...fields, updatedAt: at }).where(eq(notifications.id, id));
    await ex.insert(notificationEvents).values({ notificationId: id, status: change.status, detail: detail ?? null, at });
  },

  /** Records a step that does not change the status (a failed attempt that will be retried). */
  async note(ex: Executor, id: string, at: Date, status: string, detail: string, attempts: number): Promise<void> {
    await ex.update(notifications).set({ attempts, lastError: detail, updatedAt: at }).where(eq(notifications.id, id));
    await ex.insert(notificationEvents).values({ notificationId: id, status, detail, at });
  },

  async history(ex: Executor, id: string) {
    return ex.select().from(notificationEvents).where(eq(notificationEvents.notificationId, id)).orderBy(notificationEvents.at, notificationEvents.id);
  },

  async listForSubject(ex: Executor, subjectId: string, limit = 50): Promise<NotificationRow[]> {
    return ex.select().from(notifications).where(eq(notifications.subjectId, subjectId)).orderBy(desc(notifications.createdAt)).limit(limit);
  },

  async isSuppressed(ex: Executor, addressHash: string): Promise<boolean> {
    const [row] = await ex.select({ h: emailSuppressions.addressHash }).from(emailSuppressions).where(eq(emailSuppressions.addressHash, addressHash)).limit(1);
    return row !== undefined;
  },

  async suppress(ex: Executor, addressHash: string, reason: 'bounced' | 'complained', at: Date): Promise<void> {
    await ex.insert(emailSuppressions).values({ addressHash, reason, createdAt: at }).onConflictDoNothing();
  },

  /** True the first time a webhook delivery id is seen; false for a retried delivery. */
  async firstReceipt(ex: Executor, provider: string, messageId: string, at: Date): Promise<boolean> {
    const rows = await ex.insert(webhookReceipts).values({ provider, messageId, receivedAt: at }).onConflictDoNothing().returning({ id: webhookReceipts.messageId });
    return rows.length > 0;
  },

  async purgeReceipts(ex: Executor, before: Date): Promise<void> {
    await ex.delete(webhookReceipts).where(lt(webhookReceipts.receivedAt, before));
  },
};
