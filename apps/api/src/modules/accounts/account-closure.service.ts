import type { Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { ApiKeysService } from '../teams/api-keys.service.ts';
import { scopeToTeam } from '../teams/permissions.ts';
import { teamsRepository } from '../teams/teams.repository.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import { accountsRepository } from './accounts.repository.ts';
import { membershipsRepository } from './memberships.repository.ts';
import { sessionOf, type SessionsService } from './sessions.service.ts';

/**
 * Privacy notice §5: after closure the personal data is kept six months "to allow you to
 * reactivate your account or retrieve necessary data", then destroyed. The same six months as the
 * data map's `account-lifetime-plus` rule, whose anchor is `users.closed_at`.
 */
export const REACTIVATION_MONTHS = 6;

/** `closedAt` plus REACTIVATION_MONTHS calendar months (UTC), clamped to the end of a shorter month. */
export function reactivationDeadline(closedAt: Date): Date {
  const d = new Date(closedAt.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + REACTIVATION_MONTHS);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d;
}

export interface ClosureView {
  closedAt: Date;
  reactivationDeadline: Date;
}

export interface AccountClosureDeps {
  clock: Clock;
  audit: Audit;
  teams: Pick<TeamsService, 'delete' | 'leave'>;
  apiKeys: Pick<ApiKeysService, 'revokeAllCreatedBy' | 'forgetUser'>;
  sessions: Pick<SessionsService, 'revokeAllOf'>;
}

/**
 * Closing and reactivating one's own account (issue 4 item 10, privacy notice §5). Closure is one
 * transaction: teams the person owns alone are deleted through the teams module's deletion path
 * (which refuses while a team still has resources or money: those must be dealt with first), the
 * person leaves every other team under its usual rules, and every API key they made and every
 * session they have is revoked. The account itself stays, closed, until the privacy module
 * destroys it at the end of the retention period; until then, signing in offers reactivation.
 */
export class AccountClosureService {
  constructor(private readonly deps: AccountClosureDeps) {}

  /** When the account was closed and until when it can be reactivated; null for an open account. */
  static view(closedAt: Date | null): ClosureView | null {
    return closedAt ? { closedAt, reactivationDeadline: reactivationDeadline(closedAt) } : null;
  }

  /** Whether a closed account is past its reactivation deadline at `now` (sign-in is then refused). */
  static expired(closedAt: Date | null, now: Date): boolean {
    return closedAt !== null && reactivationDeadline(closedAt).getTime() <= now.getTime();
  }

  async close(ctx: Context): Promise<ClosureView> {
    const { userId } = sessionOf(ctx);
    const { clock, audit, teams, apiKeys, sessions } = this.deps;
    const result = await inTransaction(ctx, async (ctx) => {
      const user = await accountsRepository.lock(ctx.tx, userId);
      if (!user) throw new AppError('UNAUTHORIZED', 'This account no longer exists.');
      if (user.closedAt) throw new AppError('CONFLICT', 'This account is already closed.');

      const memberships = await membershipsRepository.teamsOf(ctx.tx, userId);
      const owned = memberships.filter((m) => m.role === 'OWNER').sort((a, b) => a.teamId.localeCompare(b.teamId));
      // Lock the owned teams (in a fixed order) before counting, so nobody joins one between the check and its deletion.
      const shared: typeof owned = [];
      for (const team of owned) {
        await teamsRepository.lock(ctx.tx, team.teamId);
        if ((await teamsRepository.members(ctx.tx, team.teamId, 1, 0)).total > 1) shared.push(team);
      }
      if (shared.length) {
        throw new AppError(
          'CONFLICT',
          `You are the Owner of ${shared.length === 1 ? 'a team' : 'teams'} with other members (${shared.map((t) => t.name).join(', ')}): transfer ownership to another member ` +
            '(or remove the other members) before closing your account.',
          { teams: shared.map((t) => t.teamId) },
        );
      }

      const revokedApiKeys = await apiKeys.revokeAllCreatedBy(ctx, userId);
      for (const team of owned) await teams.delete(scopeToTeam(ctx, team.teamId), team.teamId);
      const others = memberships.filter((m) => m.role !== 'OWNER');
      for (const team of others) await teams.leave(scopeToTeam(ctx, team.teamId), team.teamId);
      const revokedSessions = await sessions.revokeAllOf(ctx, userId);

      const closedAt = clock.now();
      await accountsRepository.update(ctx.tx, userId, { closedAt, updatedAt: closedAt });
      await audit.record({ ...ctx, teamId: null }, {
        action: 'user.close',
        targetType: 'user',
        targetId: userId,
        data: { deletedTeams: owned.map((t) => t.teamId), leftTeams: others.map((t) => t.teamId), revokedApiKeys, revokedSessions },
      });
      return AccountClosureService.view(closedAt)!;
    });
    apiKeys.forgetUser(userId);
    return result;
  }

  /** Reopens the signed-in person's closed account (before its deadline: after it, sign-in is refused). */
  async reactivate(ctx: Context): Promise<{ reactivatedAt: Date }> {
    const { userId } = sessionOf(ctx);
    const { clock, audit } = this.deps;
    return inTransaction(ctx, async (ctx) => {
      const user = await accountsRepository.lock(ctx.tx, userId);
      if (!user) throw new AppError('UNAUTHORIZED', 'This account no longer exists.');
      if (!user.closedAt) throw new AppError('CONFLICT', 'This account is not closed.');
      const now = clock.now();
      if (AccountClosureService.expired(user.closedAt, now)) throw new AppError('FORBIDDEN', 'The reactivation period of this account has ended.');
      await accountsRepository.update(ctx.tx, userId, { closedAt: null, updatedAt: now });
      await audit.record({ ...ctx, teamId: null }, { action: 'user.reactivate', targetType: 'user', targetId: userId, data: { closedAt: user.closedAt.toISOString() } });
      return { reactivatedAt: now };
    });
  }
}
