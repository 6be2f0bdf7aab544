import type { Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import { computesRepository } from '../computes/computes.repository.ts';

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
 * permission check.
 */
export async function assertTeamEmpty(ctx: Context, teamId: string): Promise<void> {
  // Computes (issue 6): every one not yet DESTROYED, those being destroyed included (their machine
  // and addresses are not gone yet); public IPs are held only by such computes.
  const computes = await computesRepository.countLive(ctx.tx, teamId);
  if (computes > 0) {
    throw new AppError('CONFLICT', `The team still has ${computes} compute${computes === 1 ? '' : 's'}: destroy ${computes === 1 ? 'it' : 'them'} first (DELETE /computes/{id}) and wait until destroyed.`, { computes });
  }
}
