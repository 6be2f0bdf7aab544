import type { Context } from '../../shared/context.ts';

/**
 * The hook that decides whether a team may be deleted. Issue 4: deletion is refused "while the
 * team has live resources or a non-zero balance owed". Each module that gives a team something to
 * lose adds its check here, throwing `AppError('CONFLICT', <what to do first>)`:
 *
 * - billing: a non-zero balance owed (unpaid usage, open invoices) → settle it first;
 *   a positive prepaid balance is the customer's money → say how it is refunded or forfeited;
 * - compute: computes that are not deleted, and allocated public IPs;
 * - dns: zones served for the team.
 *
 * It runs inside the deleting transaction with the team row locked (`ctx.tx`), after the
 * permission check. No module owns resources or money yet, so it checks nothing today.
 */
export async function assertTeamEmpty(ctx: Context, teamId: string): Promise<void> {
  void ctx;
  void teamId;
}
