import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { signInAttempts } from './accounts.schema.ts';

export type SignInAttemptRow = typeof signInAttempts.$inferSelect;

export const signInAttemptsRepository = {
  async insert(ex: Executor, row: typeof signInAttempts.$inferInsert): Promise<SignInAttemptRow> {
    const [created] = await ex.insert(signInAttempts).values(row).returning();
    return created!;
  },

  /**
   * Marks an unexpired, unused attempt as used and returns it, in one statement: of two
   * callbacks racing with the same attempt, exactly one gets the row.
   */
  async consume(ex: Executor, id: string, now: Date): Promise<SignInAttemptRow | undefined> {
    const [row] = await ex
      .update(signInAttempts)
      .set({ usedAt: now })
      .where(and(eq(signInAttempts.id, id), isNull(signInAttempts.usedAt), gt(signInAttempts.expiresAt, now)))
      .returning();
    return row;
  },
};
