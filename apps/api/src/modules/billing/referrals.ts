import crypto from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/database.ts';
import { DAY, type Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import { personId } from '../../shared/person.ts';
import type { Audit } from '../audit/audit.service.ts';
import { referralCodes, referrals } from './billing.schema.ts';
import type { Ledger } from './ledger.ts';

/** A referral can be claimed within this long of signing up, and before the first top-up. */
export const CLAIM_WINDOW_MS = 30 * DAY;

/**
 * Referrals (issue 5, item 9; the product's programme of 2026-03-09). Each person has a code for
 * their link; a newcomer claims it once, in the first 30 days. When the newcomer's top-ups on a
 * team they own reach the threshold, the newcomer gets the reward on that team and the referrer on
 * the first team they own, once each (the ledger references make "once" hold under races).
 */
export class Referrals {
  constructor(
    private readonly db: Db,
    private readonly deps: {
      clock: Clock;
      ledger: Ledger;
      audit: Audit;
      publicUrl: string;
      accountCreatedAt: (ex: Executor, userId: string) => Promise<Date | null>;
      /** The teams a person owns, oldest first. */
      ownedTeams: (ex: Executor, userId: string) => Promise<string[]>;
      hasToppedUp: (ex: Executor, userId: string) => Promise<boolean>;
    },
    private readonly options: { threshold: number; reward: number },
  ) {}

  /** The person's code and link, made on first use. */
  async mine(ctx: Context): Promise<{ code: string; link: string; referred: number; rewarded: number }> {
    const userId = personId(ctx);
    const ex = ctx.tx;
    await ex.insert(referralCodes).values({ userId, code: crypto.randomBytes(6).toString('base64url').replace(/[-_]/g, 'x'), createdAt: this.deps.clock.now() }).onConflictDoNothing({ target: referralCodes.userId });
    const [row] = await ex.select().from(referralCodes).where(eq(referralCodes.userId, userId));
    const [counts] = await ex
      .select({ referred: sql<number>`count(*)::int`, rewarded: sql<number>`count(${referrals.rewardedAt})::int` })
      .from(referrals)
      .where(eq(referrals.referrerUserId, userId));
    return { code: row!.code, link: `${this.deps.publicUrl}/sign-in?ref=${row!.code}`, referred: counts!.referred, rewarded: counts!.rewarded };
  }

  /** The newcomer names who referred them (once, within 30 days of signing up, before any top-up). */
  async claim(ctx: Context, code: string): Promise<void> {
    const userId = personId(ctx);
    await inTransaction(ctx, async (ctx) => {
      const ex = ctx.tx;
      const [owner] = await ex.select().from(referralCodes).where(eq(referralCodes.code, code));
      if (!owner) throw new AppError('RESOURCE_NOT_FOUND', 'This referral code does not exist.');
      if (owner.userId === userId) throw new AppError('CONFLICT', 'You cannot refer yourself.');
      const createdAt = await this.deps.accountCreatedAt(ex, userId);
      if (!createdAt || createdAt.getTime() < this.deps.clock.now().getTime() - CLAIM_WINDOW_MS) throw new AppError('CONFLICT', 'A referral can only be claimed in the first 30 days of an account.');
      if (await this.deps.hasToppedUp(ex, userId)) throw new AppError('CONFLICT', 'A referral must be claimed before the first top-up.');
      const inserted = await ex.insert(referrals).values({ referredUserId: userId, referrerUserId: owner.userId, createdAt: this.deps.clock.now() }).onConflictDoNothing().returning();
      if (inserted.length === 0) throw new AppError('CONFLICT', 'You have already claimed a referral.');
      await this.deps.audit.record(ctx, { action: 'billing.referral.claim', targetType: 'user', targetId: owner.userId });
    });
  }

  /** After a top-up of `teamId`: rewards a qualifying referral. Runs in the crediting transaction. */
  async afterTopUp(ctx: Context, teamId: string, toppedUpTotal: number): Promise<void> {
    if (this.options.reward <= 0 || toppedUpTotal < this.options.threshold) return;
    const ex = ctx.tx;
    // The team's owner is the referred person when they own it.
    const owners = await ex.execute<{ user_id: string }>(sql`select user_id from team_members where team_id = ${teamId} and role = 'OWNER'`);
    for (const { user_id: ownerId } of owners.rows) {
      const [referral] = await ex.select().from(referrals).where(and(eq(referrals.referredUserId, ownerId), isNull(referrals.rewardedAt))).for('update');
      if (!referral) continue;
      const referrerTeam = (await this.deps.ownedTeams(ex, referral.referrerUserId))[0];
      await this.reward(ctx, teamId, `referral:${ownerId}:referred`, 'Referral reward: welcome to Strettch Cloud');
      if (referrerTeam) await this.reward(ctx, referrerTeam, `referral:${ownerId}:referrer`, 'Referral reward: someone you invited joined');
      await ex.update(referrals).set({ rewardedAt: this.deps.clock.now() }).where(eq(referrals.referredUserId, ownerId));
    }
  }

  private async reward(ctx: Context, teamId: string, reference: string, description: string): Promise<void> {
    const posted = await this.deps.ledger.post(ctx.tx, {
      teamId,
      kind: 'referral',
      reference,
      description,
      actor: ctx.actor,
      entries: [
        { account: 'team_wallet', teamId, amount: this.options.reward },
        { account: 'referral_rewards', teamId, amount: -this.options.reward },
      ],
    });
    if (posted.posted) await this.deps.audit.record({ ...ctx, teamId }, { action: 'billing.referral.reward', targetType: 'team', targetId: teamId, data: { amount: this.options.reward } });
  }
}

/** A staff credit or adjustment, with its reason (issue 5, items 1 and 9). */
export async function grantCredit(
  db: Db,
  ledger: Ledger,
  input: { teamId: string; amount: number; reason: string; staff: string; kind: 'credit' | 'adjustment' | 'refund'; reference?: string },
): Promise<{ posted: boolean; balance: number | null }> {
  if (!Number.isSafeInteger(input.amount) || input.amount === 0) throw new AppError('VALIDATION_ERROR', 'The amount is a non-zero whole number of RWF.');
  if (!input.reason.trim() || !input.staff.trim()) throw new AppError('VALIDATION_ERROR', 'A credit needs a reason and the staff member\'s name.');
  if (input.kind === 'credit' && input.amount < 0) throw new AppError('VALIDATION_ERROR', 'A credit is positive; use an adjustment to take money back.');
  const account = input.kind === 'credit' ? 'promotional_credit' : 'adjustments';
  return db.transaction(async (tx) => {
    const team = await tx.execute(sql`select 1 from teams where id = ${input.teamId}`);
    if (team.rows.length === 0) throw new AppError('RESOURCE_NOT_FOUND', `There is no team ${input.teamId}.`);
    const result = await ledger.post(tx, {
      teamId: input.teamId,
      kind: input.kind,
      reference: input.reference ?? `${input.kind}:${crypto.randomUUID()}`,
      description: input.kind === 'credit' ? 'Credit from Strettch Cloud' : input.kind === 'refund' ? 'Refund' : 'Adjustment by Strettch Cloud',
      reason: input.reason.trim(),
      actor: { type: 'system', id: `staff:${input.staff.trim()}` },
      entries: [
        { account: 'team_wallet', teamId: input.teamId, amount: input.amount },
        { account, teamId: input.teamId, amount: -input.amount },
      ],
    });
    return { posted: result.posted, balance: result.posted ? result.balances.get(input.teamId)! : null };
  });
}
