import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { teamMembers, teams } from '../teams/teams.schema.ts';

export interface MembershipRow {
  teamId: string;
  name: string;
  role: 'OWNER' | 'ADMIN' | 'MEMBER';
}

/**
 * The team list of `GET /api/v1/me` and of account closure: every team of a person, unpaged,
 * oldest membership first. (Membership checks use `teamsRepository.roleOf`.)
 */
export const membershipsRepository = {
  async teamsOf(ex: Executor, userId: string): Promise<MembershipRow[]> {
    return ex
      .select({ teamId: teams.id, name: teams.name, role: teamMembers.role })
      .from(teamMembers)
      .innerJoin(teams, eq(teams.id, teamMembers.teamId))
      .where(eq(teamMembers.userId, userId))
      .orderBy(asc(teamMembers.createdAt));
  },
};
