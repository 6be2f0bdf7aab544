import { and, count, desc, eq, gt, min, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { users } from '../accounts/accounts.schema.ts';
import { phoneNumbers, phoneVerifications } from './phone.schema.ts';

export type PhoneNumberRow = typeof phoneNumbers.$inferSelect;
export type PhoneVerificationRow = typeof phoneVerifications.$inferSelect;

/** Which sends a daily cap counts: one number, one account, or one client IP. */
export type SendScope = { phoneHash: string } | { userId: string } | { ip: string };

export const phoneRepository = {
  /**
   * Serialises the sends and confirmations of one key (an account, a number, an IP) until the
   * transaction ends, so two requests at once cannot both pass a limit. Callers take their locks
   * in one fixed order (account, number, IP), so two requests never wait on each other in a cycle.
   */
  async lock(ex: Executor, key: string): Promise<void> {
    await ex.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`phone:${key}`}, 0))`);
  },

  async findNumber(ex: Executor, userId: string): Promise<PhoneNumberRow | undefined> {
    const [row] = await ex.select().from(phoneNumbers).where(eq(phoneNumbers.userId, userId)).limit(1);
    return row;
  },

  async saveNumber(ex: Executor, row: PhoneNumberRow): Promise<void> {
    await ex
      .insert(phoneNumbers)
      .values(row)
      .onConflictDoUpdate({ target: phoneNumbers.userId, set: { phoneEnc: row.phoneEnc, phoneHash: row.phoneHash, verifiedAt: row.verifiedAt } });
  },

  async insertVerification(ex: Executor, row: typeof phoneVerifications.$inferInsert): Promise<void> {
    await ex.insert(phoneVerifications).values(row);
  },

  /** The account's most recent code, locked for update: only the newest code can be confirmed. */
  async latestVerification(ex: Executor, userId: string, opts: { forUpdate?: boolean } = {}): Promise<PhoneVerificationRow | undefined> {
    const q = ex.select().from(phoneVerifications).where(eq(phoneVerifications.userId, userId)).orderBy(desc(phoneVerifications.createdAt)).limit(1);
    const [row] = opts.forUpdate ? await q.for('update') : await q;
    return row;
  },

  /** How many codes went out for `scope` after `since`, and when the oldest of them was sent. */
  async sendsSince(ex: Executor, scope: SendScope, since: Date): Promise<{ count: number; oldest: Date | null }> {
    const where =
      'phoneHash' in scope ? eq(phoneVerifications.phoneHash, scope.phoneHash)
      : 'userId' in scope ? eq(phoneVerifications.userId, scope.userId)
      : eq(phoneVerifications.ip, scope.ip);
    const [row] = await ex
      .select({ n: count(), oldest: min(phoneVerifications.createdAt) })
      .from(phoneVerifications)
      .where(and(where, gt(phoneVerifications.createdAt, since)));
    return { count: row?.n ?? 0, oldest: row?.oldest ?? null };
  },

  async recordAttempt(ex: Executor, id: string, attempts: number): Promise<void> {
    await ex.update(phoneVerifications).set({ attempts }).where(eq(phoneVerifications.id, id));
  },

  async consume(ex: Executor, id: string, at: Date): Promise<void> {
    await ex.update(phoneVerifications).set({ consumedAt: at }).where(eq(phoneVerifications.id, id));
  },

  /** The person's language, for the SMS. */
  async userLocale(ex: Executor, userId: string): Promise<'en' | 'rw' | 'fr' | undefined> {
    const [row] = await ex.select({ locale: users.locale }).from(users).where(eq(users.id, userId)).limit(1);
    return row?.locale;
  },
};
