import type { Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import type { Audit } from '../audit/audit.service.ts';
import { teamsRepository, type TeamRow } from './teams.repository.ts';

/** Teams own every resource; people act in a team with a role. */
export class TeamsService {
  constructor(
    private readonly clock: Clock,
    private readonly audit: Audit,
  ) {}

  /** The team a person gets at sign-up: "<first name>'s Team", with them as Owner. */
  static defaultTeamName(fullName: string): string {
    const first = fullName.trim().split(/\s+/)[0] || 'My';
    return `${first}'s Team`;
  }

  async create(ctx: Context, input: { name: string; ownerId: string }): Promise<TeamRow> {
    return inTransaction(ctx, async (ctx) => {
      const now = this.clock.now();
      const team = await teamsRepository.insert(ctx.tx, { name: input.name, createdAt: now });
      await teamsRepository.addMember(ctx.tx, { teamId: team.id, userId: input.ownerId, role: 'OWNER', createdAt: now });
      await this.audit.record({ ...ctx, teamId: team.id }, { action: 'team.create', targetType: 'team', targetId: team.id });
      return team;
    });
  }
}
