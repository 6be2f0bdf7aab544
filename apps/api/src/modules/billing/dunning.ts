import crypto from 'node:crypto';
import { and, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/database.ts';
import { DAY, type Clock } from '../../shared/clock.ts';
import { inTransaction, systemContext, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { NotifyInput } from '../notifications/notifications.service.ts';
import { authorize } from '../teams/index.ts';
import { billingRepository } from './billing.repository.ts';
import { teamWallets, terminationProposals, type BillingState } from './billing.schema.ts';
import type { BillingPeers } from './billing.service.ts';

type Notify = (ctx: Context, input: NotifyInput) => Promise<string>;

export type ProposalRow = typeof terminationProposals.$inferSelect;

/**
 * Dunning (issue 5, item 7), with clocks from configuration:
 *
 *   ACTIVE ──balance ≤ 0──▶ PAST_DUE ──N days──▶ SUSPENDED ──M days──▶ TERMINATION_PROPOSED ──staff approves──▶ TERMINATED
 *
 * Past due refuses new spending; suspension stops the team's computes (data kept); after that a
 * termination is only *proposed*: a named staff member approves or rejects it, and the team is
 * told and may ask for a review (privacy notice §6: no decision with significant effect solely by
 * automated processing). A top-up that brings the balance above zero returns the team to ACTIVE
 * from any state but TERMINATED and starts again what suspension stopped.
 */
export class Dunning {
  constructor(
    private readonly db: Db,
    private readonly deps: { clock: Clock; audit: Audit; notify: Notify; peers: BillingPeers; logger: Logger },
    private readonly options: { suspendAfterDays: number; proposeTerminationAfterDays: number },
  ) {}

  /** After a debit: an ACTIVE team at or below zero becomes PAST_DUE at once. */
  async afterDebit(ctx: Context, teamId: string, balance: number): Promise<void> {
    if (balance > 0) return;
    const wallet = await billingRepository.lockWallet(ctx.tx, teamId);
    if (wallet?.state === 'ACTIVE') await this.markPastDue(ctx, teamId, balance);
  }

  /** After a credit that left the balance above zero. */
  async onFunded(ctx: Context, teamId: string): Promise<void> {
    const ex = ctx.tx;
    const wallet = await billingRepository.lockWallet(ex, teamId);
    if (!wallet || wallet.balance <= 0 || wallet.state === 'ACTIVE' || wallet.state === 'TERMINATED') return;
    const wasSuspended = wallet.state === 'SUSPENDED' || wallet.state === 'TERMINATION_PROPOSED';
    await this.transition(ctx, teamId, wallet.state, 'ACTIVE');
    await ex.update(terminationProposals).set({ status: 'WITHDRAWN', decidedAt: this.deps.clock.now(), decisionNote: 'The wallet was topped up.' }).where(and(eq(terminationProposals.teamId, teamId), eq(terminationProposals.status, 'PROPOSED')));
    if (wasSuspended) await this.deps.peers.resumeAfterSuspension(ctx, teamId);
  }

  /** The scheduled run: moves every team whose clock has run out one step on. */
  async run(): Promise<{ pastDue: number; suspended: number; proposed: number }> {
    const now = this.deps.clock.now();
    const counts = { pastDue: 0, suspended: 0, proposed: 0 };
    // Catch-all for balances that reached zero without a debit (e.g. a staff adjustment).
    const zero = await this.db.select({ teamId: teamWallets.teamId }).from(teamWallets).where(and(eq(teamWallets.state, 'ACTIVE'), lte(teamWallets.balance, 0), sql`exists (select 1 from ledger_entries e where e.account = 'team_wallet' and e.team_id = ${teamWallets.teamId})`));
    for (const { teamId } of zero) {
      const moved = await this.step(teamId, 'ACTIVE', async (ctx, balance) => {
        if (balance > 0) return false;
        await this.markPastDue(ctx, teamId, balance);
        return true;
      });
      if (moved) counts.pastDue++;
    }
    const suspendBefore = new Date(now.getTime() - this.options.suspendAfterDays * DAY);
    const due = await this.db.select({ teamId: teamWallets.teamId }).from(teamWallets).where(and(eq(teamWallets.state, 'PAST_DUE'), lte(teamWallets.stateChangedAt, suspendBefore)));
    for (const { teamId } of due) {
      const moved = await this.step(teamId, 'PAST_DUE', async (ctx, balance) => {
        await this.transition(ctx, teamId, 'PAST_DUE', 'SUSPENDED');
        const before = await this.countLive(ctx);
        await this.deps.peers.stopForSuspension(ctx, teamId);
        await this.tell(ctx, teamId, 'billing-suspended', (teamName) => ({ teamName, balanceRwf: balance, stoppedComputes: before, topUpUrl: '/billing' }));
        return true;
      });
      if (moved) counts.suspended++;
    }
    const proposeBefore = new Date(now.getTime() - this.options.proposeTerminationAfterDays * DAY);
    const long = await this.db.select({ teamId: teamWallets.teamId }).from(teamWallets).where(and(eq(teamWallets.state, 'SUSPENDED'), lte(teamWallets.stateChangedAt, proposeBefore)));
    for (const { teamId } of long) {
      const moved = await this.step(teamId, 'SUSPENDED', async (ctx, balance) => {
        await this.transition(ctx, teamId, 'SUSPENDED', 'TERMINATION_PROPOSED');
        await ctx.tx.insert(terminationProposals).values({ id: crypto.randomUUID(), teamId, status: 'PROPOSED', proposedAt: this.deps.clock.now(), balance });
        await this.tell(ctx, teamId, 'billing-termination-proposed', (teamName) => ({ teamName, balanceRwf: balance, billingUrl: '/billing' }));
        return true;
      });
      if (moved) counts.proposed++;
    }
    // Terminated teams: computes whose action was still open at the decision are destroyed now.
    const terminated = await this.db.execute<{ team_id: string }>(sql`
      select w.team_id from team_wallets w where w.state = 'TERMINATED'
        and exists (select 1 from computes c where c.team_id = w.team_id and c.state not in ('DESTROYING', 'DESTROYED'))`);
    for (const { team_id: teamId } of terminated.rows) {
      await this.deps.peers.destroyForTermination({ ...systemContext(this.db, 'billing.dunning'), teamId }, teamId);
    }
    if (counts.pastDue + counts.suspended + counts.proposed > 0) this.deps.logger.info(counts, 'dunning moved teams on');
    return counts;
  }

  /** The team's open proposal, if any (for the team's billing page). */
  async proposalOf(ctx: Context): Promise<ProposalRow | null> {
    const { teamId } = await authorize(ctx, 'billing.read');
    const [row] = await ctx.tx.select().from(terminationProposals).where(eq(terminationProposals.teamId, teamId)).orderBy(desc(terminationProposals.proposedAt)).limit(1);
    return row ?? null;
  }

  /** The team asks a human to review the proposal, with what they want staff to know. */
  async requestReview(ctx: Context, note: string): Promise<ProposalRow> {
    const { teamId } = await authorize(ctx, 'billing.write');
    return inTransaction(ctx, async (ctx) => {
      const [row] = await ctx.tx
        .update(terminationProposals)
        .set({ reviewRequestedAt: this.deps.clock.now(), reviewNote: note })
        .where(and(eq(terminationProposals.teamId, teamId), eq(terminationProposals.status, 'PROPOSED')))
        .returning();
      if (!row) throw new AppError('CONFLICT', 'There is no open termination proposal for this team.');
      await this.deps.audit.record(ctx, { action: 'billing.termination.review_request', targetType: 'termination_proposal', targetId: row.id });
      return row;
    });
  }

  /** For staff: open proposals, oldest first. */
  async openProposals(ex: Executor = this.db): Promise<ProposalRow[]> {
    return ex.select().from(terminationProposals).where(inArray(terminationProposals.status, ['PROPOSED'])).orderBy(terminationProposals.proposedAt);
  }

  /**
   * A staff member's decision. Approving terminates the team (its computes are destroyed by the
   * compute module); rejecting keeps it suspended and restarts the suspension clock.
   */
  async decide(proposalId: string, decision: { approve: boolean; staff: string; note: string }): Promise<ProposalRow> {
    if (!decision.staff.trim() || !decision.note.trim()) throw new AppError('VALIDATION_ERROR', 'A decision needs the staff member\'s name and a note.');
    const ctx = systemContext(this.db, 'billing.termination-decision');
    return inTransaction(ctx, async (ctx) => {
      const [proposal] = await ctx.tx.select().from(terminationProposals).where(eq(terminationProposals.id, proposalId)).for('update');
      if (!proposal) throw new AppError('RESOURCE_NOT_FOUND', 'There is no such proposal.');
      if (proposal.status !== 'PROPOSED') throw new AppError('CONFLICT', `The proposal is already ${proposal.status.toLowerCase()}.`);
      const teamCtx = { ...ctx, teamId: proposal.teamId };
      const wallet = await billingRepository.lockWallet(ctx.tx, proposal.teamId);
      const [row] = await ctx.tx
        .update(terminationProposals)
        .set({ status: decision.approve ? 'APPROVED' : 'REJECTED', decidedBy: decision.staff.trim(), decidedAt: this.deps.clock.now(), decisionNote: decision.note.trim() })
        .where(eq(terminationProposals.id, proposalId))
        .returning();
      await this.transition(teamCtx, proposal.teamId, wallet!.state, decision.approve ? 'TERMINATED' : 'SUSPENDED');
      if (decision.approve) await this.deps.peers.destroyForTermination(teamCtx, proposal.teamId);
      await this.tell(teamCtx, proposal.teamId, 'billing-termination-decided', (teamName) => ({ teamName, approved: decision.approve, billingUrl: '/billing' }));
      return row!;
    });
  }

  private async markPastDue(ctx: Context, teamId: string, balance: number): Promise<void> {
    await this.transition(ctx, teamId, 'ACTIVE', 'PAST_DUE');
    const suspendOn = new Date(this.deps.clock.now().getTime() + this.options.suspendAfterDays * DAY).toISOString().slice(0, 10);
    await this.tell(ctx, teamId, 'billing-past-due', (teamName) => ({ teamName, balanceRwf: balance, suspendOn, topUpUrl: '/billing' }));
  }

  /** One team's step, in its own transaction with the wallet locked and its state re-read. */
  private async step(teamId: string, from: BillingState, fn: (ctx: Context, balance: number) => Promise<boolean>): Promise<boolean> {
    const ctx = { ...systemContext(this.db, 'billing.dunning'), teamId };
    try {
      return await inTransaction(ctx, async (ctx) => {
        const wallet = await billingRepository.lockWallet(ctx.tx, teamId);
        if (!wallet || wallet.state !== from) return false;
        return fn(ctx, wallet.balance);
      });
    } catch (err) {
      this.deps.logger.error({ err: { name: (err as Error).name, message: (err as Error).message }, teamId }, 'dunning step failed');
      return false;
    }
  }

  private async transition(ctx: Context, teamId: string, from: BillingState, to: BillingState): Promise<void> {
    const now = this.deps.clock.now();
    await billingRepository.updateWallet(ctx.tx, teamId, { state: to, stateChangedAt: now, updatedAt: now });
    await this.deps.audit.record({ ...ctx, teamId }, { action: 'billing.state.change', targetType: 'team', targetId: teamId, data: { from, to } });
  }

  private async countLive(ctx: Context): Promise<number> {
    const result = await ctx.tx.execute<{ n: number }>(sql`select count(*)::int as n from computes where team_id = ${ctx.teamId} and state = 'RUNNING'`);
    return Number(result.rows[0]?.n ?? 0);
  }

  private async tell(ctx: Context, teamId: string, template: NotifyInput['template'], variables: (teamName: string) => Record<string, unknown>): Promise<void> {
    const teamName = (await this.deps.peers.teamName(ctx.tx, teamId)) ?? 'your';
    for (const userId of await this.deps.peers.billingContacts(ctx.tx, teamId)) {
      // A contact whose account was erased has no address: the state changes all the same.
      await this.deps
        .notify(ctx, { template, to: { userId }, teamId, variables: variables(teamName) })
        .catch((err: unknown) => this.deps.logger.warn({ err: { message: (err as Error).message }, teamId, template }, 'billing notice not queued'));
    }
  }
}
