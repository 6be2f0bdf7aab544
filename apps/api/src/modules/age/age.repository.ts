import { and, count, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { users } from '../accounts/accounts.schema.ts';
import { ageConfirmations, parentalConsentRequests, parentalConsents } from './age.schema.ts';

export type AgeConfirmationRow = typeof ageConfirmations.$inferSelect;
export type ConsentRequestRow = typeof parentalConsentRequests.$inferSelect;
export type ParentalConsentRow = typeof parentalConsents.$inferSelect;
/** What this module reads of an account. */
export interface UserFacts {
  id: string;
  isMinor: boolean;
  locale: 'en' | 'rw' | 'fr';
  emailHash: string;
}

const userFacts = { id: users.id, isMinor: users.isMinor, locale: users.locale, emailHash: users.emailHash };

export const ageRepository = {
  /** Serialises the age and consent changes of one account until the transaction ends. */
  async lock(ex: Executor, userId: string): Promise<void> {
    await ex.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`age:${userId}`}, 0))`);
  },

  // users: the minor flag is the only column of the accounts table this module writes.
  async findUser(ex: Executor, id: string): Promise<UserFacts | undefined> {
    const [row] = await ex.select(userFacts).from(users).where(eq(users.id, id)).limit(1);
    return row;
  },
  async findUserByEmailHash(ex: Executor, emailHash: string): Promise<UserFacts | undefined> {
    const [row] = await ex.select(userFacts).from(users).where(eq(users.emailHash, emailHash)).limit(1);
    return row;
  },
  async setMinor(ex: Executor, id: string, isMinor: boolean, at: Date): Promise<void> {
    await ex.update(users).set({ isMinor, updatedAt: at }).where(eq(users.id, id));
  },

  async findConfirmation(ex: Executor, userId: string): Promise<AgeConfirmationRow | undefined> {
    const [row] = await ex.select().from(ageConfirmations).where(eq(ageConfirmations.userId, userId)).limit(1);
    return row;
  },
  /** False when the person had already confirmed a date of birth. */
  async insertConfirmation(ex: Executor, row: AgeConfirmationRow): Promise<boolean> {
    const inserted = await ex.insert(ageConfirmations).values(row).onConflictDoNothing({ target: ageConfirmations.userId }).returning({ userId: ageConfirmations.userId });
    return inserted.length > 0;
  },

  async insertRequest(ex: Executor, row: ConsentRequestRow): Promise<void> {
    await ex.insert(parentalConsentRequests).values(row);
  },
  /** Ends every request of the person still open at `at`: only the newest link works. */
  async expireOpenRequests(ex: Executor, userId: string, at: Date): Promise<void> {
    await ex
      .update(parentalConsentRequests)
      .set({ expiresAt: at })
      .where(and(eq(parentalConsentRequests.userId, userId), isNull(parentalConsentRequests.consumedAt), gt(parentalConsentRequests.expiresAt, at)));
  },
  async requestsSince(ex: Executor, userId: string, since: Date): Promise<number> {
    const [row] = await ex
      .select({ n: count() })
      .from(parentalConsentRequests)
      .where(and(eq(parentalConsentRequests.userId, userId), gt(parentalConsentRequests.createdAt, since)));
    return row?.n ?? 0;
  },
  async latestRequest(ex: Executor, userId: string): Promise<ConsentRequestRow | undefined> {
    const [row] = await ex.select().from(parentalConsentRequests).where(eq(parentalConsentRequests.userId, userId)).orderBy(desc(parentalConsentRequests.createdAt)).limit(1);
    return row;
  },
  async findRequestByTokenHash(ex: Executor, tokenHash: string, opts: { forUpdate?: boolean } = {}): Promise<ConsentRequestRow | undefined> {
    const q = ex.select().from(parentalConsentRequests).where(eq(parentalConsentRequests.tokenHash, tokenHash)).limit(1);
    const [row] = opts.forUpdate ? await q.for('update') : await q;
    return row;
  },
  async consumeRequest(ex: Executor, id: string, at: Date): Promise<void> {
    await ex.update(parentalConsentRequests).set({ consumedAt: at }).where(eq(parentalConsentRequests.id, id));
  },

  async findConsent(ex: Executor, userId: string): Promise<ParentalConsentRow | undefined> {
    const [row] = await ex.select().from(parentalConsents).where(eq(parentalConsents.userId, userId)).limit(1);
    return row;
  },
  async insertConsent(ex: Executor, row: ParentalConsentRow): Promise<boolean> {
    const inserted = await ex.insert(parentalConsents).values(row).onConflictDoNothing({ target: parentalConsents.userId }).returning({ userId: parentalConsents.userId });
    return inserted.length > 0;
  },
};
