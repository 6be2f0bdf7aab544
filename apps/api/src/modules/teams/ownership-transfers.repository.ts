import { and, eq, isNull, or } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { teamOwnershipTransfers } from './teams.schema.ts';

export type TransferRow = typeof teamOwnershipTransfers.$inferSelect;

const open = and(isNull(teamOwnershipTransfers.acceptedAt), isNull(teamOwnershipTransfers.cancelledAt));

export const transfersRepository = {
  async insert(ex: Executor, row: typeof teamOwnershipTransfers.$inferInsert): Promise<TransferRow> {
    const [created] = await ex.insert(teamOwnershipTransfers).values(row).returning();
    return created!;
  },

  /** The team's open request (neither accepted nor cancelled), expired or not: the caller checks expiry. */
  async findOpen(ex: Executor, teamId: string): Promise<TransferRow | undefined> {
    const [row] = await ex.select().from(teamOwnershipTransfers).where(and(eq(teamOwnershipTransfers.teamId, teamId), open)).limit(1);
    return row;
  },

  async close(ex: Executor, id: string, outcome: { acceptedAt: Date } | { cancelledAt: Date }): Promise<TransferRow | undefined> {
    const [row] = await ex.update(teamOwnershipTransfers).set(outcome).where(and(eq(teamOwnershipTransfers.id, id), open)).returning();
    return row;
  },

  /** Cancels the team's open request if `userId` is on either side of it (they left or were removed). */
  async cancelInvolving(ex: Executor, teamId: string, userId: string, at: Date): Promise<TransferRow[]> {
    return ex
      .update(teamOwnershipTransfers)
      .set({ cancelledAt: at })
      .where(and(eq(teamOwnershipTransfers.teamId, teamId), open, or(eq(teamOwnershipTransfers.fromUserId, userId), eq(teamOwnershipTransfers.toUserId, userId))))
      .returning();
  },
};
