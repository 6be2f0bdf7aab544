import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { actorId, type Actor } from '../../shared/context.ts';
import { ledgerEntries, ledgerTransactions, teamWallets, type LedgerAccount, type LedgerKind } from './billing.schema.ts';

export interface LedgerEntryInput {
  account: LedgerAccount;
  /** Required for `team_wallet`; the platform's accounts may name the team they concern. */
  teamId?: string | null;
  amount: number;
}

export interface PostInput {
  teamId: string | null;
  kind: LedgerKind;
  /** Unique per movement: posting the same reference twice moves money once. */
  reference: string;
  description: string;
  reason?: string | null;
  actor: Actor;
  entries: LedgerEntryInput[];
}

export type PostResult =
  | { posted: true; transactionId: number; balances: Map<string, number> }
  | { posted: false };

export class LedgerError extends Error {
  override name = 'LedgerError';
}

/**
 * The double-entry ledger. Every movement is a set of signed entries that sum to zero; a team's
 * balance is the sum of its `team_wallet` entries, cached in `team_wallets.balance` in the same
 * transaction (the wallet row's lock also orders concurrent movements of one team). The
 * `reference` is unique, so a movement retried, replayed or raced happens once.
 */
export class Ledger {
  constructor(private readonly clock: Clock) {}

  /** Creates the team's wallet if it has none; returns nothing. */
  async ensureWallet(ex: Executor, teamId: string): Promise<void> {
    const now = this.clock.now();
    await ex.insert(teamWallets).values({ teamId, stateChangedAt: now, updatedAt: now }).onConflictDoNothing();
  }

  /** Must run inside a transaction. */
  async post(ex: Executor, input: PostInput): Promise<PostResult> {
    validate(input);
    const now = this.clock.now();
    const [tx] = await ex
      .insert(ledgerTransactions)
      .values({
        teamId: input.teamId,
        kind: input.kind,
        reference: input.reference,
        description: input.description,
        reason: input.reason ?? null,
        actorType: input.actor.type,
        actorId: actorId(input.actor),
        createdAt: now,
      })
      .onConflictDoNothing({ target: ledgerTransactions.reference })
      .returning({ id: ledgerTransactions.id });
    if (!tx) return { posted: false };

    await ex.insert(ledgerEntries).values(input.entries.map((e) => ({ transactionId: tx.id, account: e.account, teamId: e.teamId ?? null, amount: e.amount, createdAt: now })));

    const balances = new Map<string, number>();
    const perTeam = new Map<string, number>();
    for (const e of input.entries) if (e.account === 'team_wallet') perTeam.set(e.teamId!, (perTeam.get(e.teamId!) ?? 0) + e.amount);
    // Fixed order (by team id) so two movements touching the same wallets cannot deadlock.
    for (const [teamId, delta] of [...perTeam].sort(([a], [b]) => (a < b ? -1 : 1))) {
      await this.ensureWallet(ex, teamId);
      const [row] = await ex
        .update(teamWallets)
        .set({ balance: sql`${teamWallets.balance} + ${delta}`, updatedAt: now })
        .where(eq(teamWallets.teamId, teamId))
        .returning({ balance: teamWallets.balance });
      balances.set(teamId, row!.balance);
    }
    return { posted: true, transactionId: tx.id, balances };
  }

  async balanceOf(ex: Executor, teamId: string): Promise<number> {
    const [row] = await ex.select({ balance: teamWallets.balance }).from(teamWallets).where(eq(teamWallets.teamId, teamId));
    return row?.balance ?? 0;
  }

  /** The balance recomputed from the entries (for checks; the cached one is what the platform reads). */
  async balanceFromEntries(ex: Executor, teamId: string): Promise<number> {
    const [row] = await ex
      .select({ sum: sql<string>`coalesce(sum(${ledgerEntries.amount}), 0)` })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.account, 'team_wallet'), eq(ledgerEntries.teamId, teamId)));
    return Number(row!.sum);
  }

  /**
   * The invariant: every transaction sums to zero, and every cached balance equals the sum of its
   * wallet's entries. Returns what disagrees (empty when all is well).
   */
  async check(ex: Executor): Promise<{ unbalanced: { transactionId: number; sum: number }[]; mismatched: { teamId: string; cached: number; entries: number }[] }> {
    const unbalanced = await ex.execute<{ transaction_id: string; sum: string }>(
      sql`select transaction_id, sum(amount) as sum from ledger_entries group by transaction_id having sum(amount) <> 0 limit 100`,
    );
    const mismatched = await ex.execute<{ team_id: string; cached: string; entries: string }>(sql`
      select w.team_id, w.balance as cached, coalesce(e.total, 0) as entries
      from team_wallets w
      left join (select team_id, sum(amount) as total from ledger_entries where account = 'team_wallet' group by team_id) e on e.team_id = w.team_id
      where w.balance <> coalesce(e.total, 0)
      limit 100`);
    return {
      unbalanced: unbalanced.rows.map((r) => ({ transactionId: Number(r.transaction_id), sum: Number(r.sum) })),
      mismatched: mismatched.rows.map((r) => ({ teamId: r.team_id, cached: Number(r.cached), entries: Number(r.entries) })),
    };
  }
}

function validate(input: PostInput): void {
  if (input.entries.length < 2) throw new LedgerError(`${input.reference}: a movement needs at least two entries.`);
  let sum = 0;
  for (const e of input.entries) {
    if (!Number.isSafeInteger(e.amount) || e.amount === 0) throw new LedgerError(`${input.reference}: entry amounts must be non-zero whole francs.`);
    if (e.account === 'team_wallet' && !e.teamId) throw new LedgerError(`${input.reference}: a wallet entry needs its team.`);
    sum += e.amount;
  }
  if (sum !== 0) throw new LedgerError(`${input.reference}: entries sum to ${sum}, not zero.`);
}
