import { and, asc, count, eq } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { identities, type SignInProviderId } from './accounts.schema.ts';

export type IdentityRow = typeof identities.$inferSelect;

export const identitiesRepository = {
  async insert(ex: Executor, row: typeof identities.$inferInsert): Promise<IdentityRow> {
    const [created] = await ex.insert(identities).values(row).returning();
    return created!;
  },

  async findBySubject(ex: Executor, provider: SignInProviderId, subjectHash: string): Promise<IdentityRow | undefined> {
    const [row] = await ex.select().from(identities).where(and(eq(identities.provider, provider), eq(identities.subjectHash, subjectHash))).limit(1);
    return row;
  },

  async listForUser(ex: Executor, userId: string): Promise<IdentityRow[]> {
    return ex.select().from(identities).where(eq(identities.userId, userId)).orderBy(asc(identities.createdAt));
  },

  /** Locks the person's identities until the transaction ends, so two unlinks cannot both pass "keeps one". */
  async lockForUser(ex: Executor, userId: string): Promise<IdentityRow[]> {
    return ex.select().from(identities).where(eq(identities.userId, userId)).orderBy(asc(identities.createdAt)).for('update');
  },

  async countForUser(ex: Executor, userId: string): Promise<number> {
    const [row] = await ex.select({ n: count() }).from(identities).where(eq(identities.userId, userId));
    return row?.n ?? 0;
  },

  async delete(ex: Executor, userId: string, provider: SignInProviderId): Promise<boolean> {
    const deleted = await ex.delete(identities).where(and(eq(identities.userId, userId), eq(identities.provider, provider))).returning({ id: identities.id });
    return deleted.length > 0;
  },

  async touch(ex: Executor, id: string, at: Date): Promise<void> {
    await ex.update(identities).set({ lastUsedAt: at }).where(eq(identities.id, id));
  },
};
