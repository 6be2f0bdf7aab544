import type { Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import { AccountClosureService } from './account-closure.service.ts';
import type { AccountsService, Profile } from './accounts.service.ts';
import type { IdentitiesService, IdentityView } from './identities.service.ts';
import { membershipsRepository, type MembershipRow } from './memberships.repository.ts';
import { sessionOf, type SessionsService } from './sessions.service.ts';

export interface Me extends Profile {
  /** Until when a closed account can be reactivated; null while the account is open. */
  reactivationDeadline: Date | null;
  identities: IdentityView[];
  teams: MembershipRow[];
  session: { id: string };
  csrfToken: string;
}

/** What the console needs on load: the person, how they sign in, their teams and the session's CSRF token. */
export class MeService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly identities: IdentitiesService,
    private readonly sessions: SessionsService,
  ) {}

  async me(ctx: Context): Promise<Me> {
    const { userId, sessionId } = sessionOf(ctx);
    const [profile, identities, teams] = await Promise.all([
      this.accounts.profile(ctx.tx, userId),
      this.identities.list(ctx.tx, userId),
      membershipsRepository.teamsOf(ctx.tx, userId),
    ]);
    // A session outliving its person (erased meanwhile) signs nobody in.
    if (!profile) throw new AppError('UNAUTHORIZED', 'This account no longer exists.');
    const reactivationDeadline = AccountClosureService.view(profile.closedAt)?.reactivationDeadline ?? null;
    return { ...profile, reactivationDeadline, identities, teams, session: { id: sessionId }, csrfToken: this.sessions.csrfToken(sessionId) };
  }

  /** Rectification of the signed-in person's profile; answers the updated `me`. */
  async update(ctx: Context, patch: Parameters<AccountsService['updateMine']>[1]): Promise<Me> {
    await this.accounts.updateMine(ctx, patch);
    return this.me(ctx);
  }
}
