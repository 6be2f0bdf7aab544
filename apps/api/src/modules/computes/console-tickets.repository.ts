import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { computeConsoleTickets } from './console.schema.ts';

export type ConsoleTicketRow = typeof computeConsoleTickets.$inferSelect;

export const consoleTicketsRepository = {
  async insert(ex: Executor, row: typeof computeConsoleTickets.$inferInsert): Promise<void> {
    await ex.insert(computeConsoleTickets).values(row);
  },

  async findByHash(ex: Executor, tokenHash: string): Promise<ConsoleTicketRow | undefined> {
    const [row] = await ex.select().from(computeConsoleTickets).where(eq(computeConsoleTickets.tokenHash, tokenHash)).limit(1);
    return row;
  },

  /** Marks the ticket used, in one statement: of two connections racing with one ticket, exactly one gets it. */
  async claim(ex: Executor, id: string, now: Date): Promise<boolean> {
    const rows = await ex
      .update(computeConsoleTickets)
      .set({ usedAt: now })
      .where(and(eq(computeConsoleTickets.id, id), isNull(computeConsoleTickets.usedAt)))
      .returning({ id: computeConsoleTickets.id });
    return rows.length === 1;
  },
};
