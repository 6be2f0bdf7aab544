import { and, asc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { teamMembers, teams } from '../teams/teams.schema.ts';

export interface MembershipRow {
  teamId: string;
  name: string;
  role: 'OWNER' | 'ADMIN' | 'MEMBER';
}

/**
 * Read-only views of team membership that sign-in and sessions need (the `x-team-id` check on
 * every console request, and the team list of `GET /api/v1/me`). Written here rather than in the
 * teams module so that the two modules could be built side by side; it reads nothing but
 * `team_members` and `teams`, and belongs behind TeamsService once that exposes it.
 */
export const membershipsRepository = {
  async isMember(ex: Executor, userId: string, teamId: string): Promise<boolean> {
    const [row] = await ex
      .select({ teamId: teamMembers.teamId })
      .from(teamMembers)
      .where(and(eq(teamMembers.userId, userId), eq(teamMembers.teamId, teamId)))
      .limit(1);
    return row !== undefined;
  },

  async teamsOf(ex: Executor, userId: string): Promise<MembershipRow[]> {
    return ex
      .select({ teamId: teams.id, name: teams.name, role: teamMembers.role })
      .from(teamMembers)
      .innerJoin(teams, eq(teams.id, teamMembers.teamId))
      .where(eq(teamMembers.userId, userId))
      .orderBy(asc(teamMembers.createdAt));
  },
};
