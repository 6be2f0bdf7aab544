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
};
