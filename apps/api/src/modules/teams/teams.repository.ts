import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { teamMembers, teams } from './teams.schema.ts';

export type TeamRow = typeof teams.$inferSelect;

export const teamsRepository = {
  async insert(ex: Executor, row: typeof teams.$inferInsert): Promise<TeamRow> {
    const [created] = await ex.insert(teams).values(row).returning();
    return created!;
  },

  async addMember(ex: Executor, row: typeof teamMembers.$inferInsert): Promise<void> {
    await ex.insert(teamMembers).values(row);
  },

  /** The team a person joined first (their default team). */
  async firstTeamOf(ex: Executor, userId: string): Promise<string | undefined> {
    const [row] = await ex.select({ teamId: teamMembers.teamId }).from(teamMembers).where(eq(teamMembers.userId, userId)).orderBy(asc(teamMembers.createdAt)).limit(1);
    return row?.teamId;
  },
};
