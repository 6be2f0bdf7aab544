import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { billingReviewItems, ledgerEntries, ledgerTransactions, teamWallets, topUps } from './billing.schema.ts';

export type TopUpRow = typeof topUps.$inferSelect;
export type WalletRow = typeof teamWallets.$inferSelect;

export const billingRepository = {
  async wallet(ex: Executor, teamId: string): Promise<WalletRow | undefined> {
    const [row] = await ex.select().from(teamWallets).where(eq(teamWallets.teamId, teamId));
    return row;
  },

  async lockWallet(ex: Executor, teamId: string): Promise<WalletRow | undefined> {
    const [row] = await ex.select().from(teamWallets).where(eq(teamWallets.teamId, teamId)).for('update');
    return row;
  },

  async updateWallet(ex: Executor, teamId: string, patch: Partial<Omit<WalletRow, 'teamId' | 'balance'>>): Promise<void> {
    await ex.update(teamWallets).set(patch).where(eq(teamWallets.teamId, teamId));
  },

  async insertTopUp(ex: Executor, row: typeof topUps.$inferInsert): Promise<void> {
    await ex.insert(topUps).values(row);
  },

  async updateTopUp(ex: Executor, id: string, patch: Partial<TopUpRow>): Promise<TopUpRow | undefined> {
    const [row] = await ex.update(topUps).set(patch).where(eq(topUps.id, id)).returning();
    return row;
  },

  async topUp(ex: Executor, teamId: string, id: string): Promise<TopUpRow | undefined> {
    const [row] = await ex.select().from(topUps).where(and(eq(topUps.teamId, teamId), eq(topUps.id, id)));
    return row;
  },

  /** The top-up an IremboPay invoice belongs to, locked for the rest of the transaction. */
  async lockTopUpByInvoice(ex: Executor, invoiceNumber: string, transactionId: string | null | undefined): Promise<TopUpRow | undefined> {
    const match = transactionId ? or(eq(topUps.invoiceNumber, invoiceNumber), eq(topUps.transactionId, transactionId)) : eq(topUps.invoiceNumber, invoiceNumber);
    const [row] = await ex.select().from(topUps).where(match).orderBy(topUps.createdAt).limit(1).for('update');
    return row;
  },

  async topUps(ex: Executor, teamId: string, limit: number, offset: number): Promise<{ rows: TopUpRow[]; total: number }> {
    const [rows, [count]] = await Promise.all([
      ex.select().from(topUps).where(eq(topUps.teamId, teamId)).orderBy(desc(topUps.createdAt)).limit(limit).offset(offset),
      ex.select({ n: sql<number>`count(*)::int` }).from(topUps).where(eq(topUps.teamId, teamId)),
    ]);
    return { rows, total: count!.n };
  },

  /** Open top-ups not looked at since `checkedBefore`, oldest first. */
  async openTopUps(ex: Executor, opts: { createdBefore: Date; checkedBefore: Date; limit: number }): Promise<TopUpRow[]> {
    return ex
      .select()
      .from(topUps)
      .where(and(eq(topUps.status, 'PENDING'), lt(topUps.createdAt, opts.createdBefore), or(isNull(topUps.lastCheckedAt), lt(topUps.lastCheckedAt, opts.checkedBefore))))
      .orderBy(topUps.createdAt)
      .limit(opts.limit);
  },

  async flag(ex: Executor, row: typeof billingReviewItems.$inferInsert): Promise<void> {
    await ex.insert(billingReviewItems).values(row).onConflictDoNothing();
  },

  async reviewItems(ex: Executor, limit: number) {
    return ex.select().from(billingReviewItems).where(isNull(billingReviewItems.resolvedAt)).orderBy(desc(billingReviewItems.createdAt)).limit(limit);
  },

  /** The team's wallet movements, newest first, with the wallet's side of each. */
  async transactions(ex: Executor, teamId: string, limit: number, offset: number) {
    const where = and(eq(ledgerEntries.account, 'team_wallet'), eq(ledgerEntries.teamId, teamId));
    const [rows, [count]] = await Promise.all([
      ex
        .select({ id: ledgerTransactions.id, kind: ledgerTransactions.kind, description: ledgerTransactions.description, amount: ledgerEntries.amount, createdAt: ledgerTransactions.createdAt })
        .from(ledgerEntries)
        .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, ledgerEntries.transactionId))
        .where(where)
        .orderBy(desc(ledgerEntries.id))
        .limit(limit)
        .offset(offset),
      ex.select({ n: sql<number>`count(*)::int` }).from(ledgerEntries).where(where),
    ]);
    return { rows, total: count!.n };
  },

  /** Wallet debits per day for the last `days` days (UTC), for the spend chart. */
  async dailySpend(ex: Executor, teamId: string, since: Date): Promise<{ day: string; amount: number }[]> {
    const result = await ex.execute<{ day: string; amount: string }>(sql`
      select to_char(date_trunc('day', t.created_at at time zone 'UTC'), 'YYYY-MM-DD') as day, -sum(e.amount) as amount
      from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
      where e.account = 'team_wallet' and e.team_id = ${teamId} and t.kind = 'usage' and t.created_at >= ${since.toISOString()}
      group by 1 order by 1`);
    return result.rows.map((r) => ({ day: r.day, amount: Number(r.amount) }));
  },
};
