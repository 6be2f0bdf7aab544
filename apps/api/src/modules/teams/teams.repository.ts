import { and, asc, count, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { teamMembers, teams, type teamRoles } from './teams.schema.ts';

export type TeamRow = typeof teams.$inferSelect;
export type MemberRow = typeof teamMembers.$inferSelect;
type Role = (typeof teamRoles)[number];
export type TeamWithRole = TeamRow & { role: Role };

const teamWithRole = { id: teams.id, name: teams.name, avatarUrl: teams.avatarUrl, createdAt: teams.createdAt, role: teamMembers.role };

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

  async find(ex: Executor, teamId: string): Promise<TeamRow | undefined> {
    const [row] = await ex.select().from(teams).where(eq(teams.id, teamId));
    return row;
  },

  /** The Owners and Admins of a team, oldest member first: who hears about its money. */
  async managers(ex: Executor, teamId: string): Promise<string[]> {
    const rows = await ex
      .select({ userId: teamMembers.userId })
      .from(teamMembers)
      .where(and(eq(teamMembers.teamId, teamId), inArray(teamMembers.role, ['OWNER', 'ADMIN'])))
      .orderBy(asc(teamMembers.createdAt));
    return rows.map((r) => r.userId);
  },

  /** The teams a person owns, oldest first. */
  async ownedBy(ex: Executor, userId: string): Promise<string[]> {
    const rows = await ex
      .select({ teamId: teamMembers.teamId })
      .from(teamMembers)
      .where(and(eq(teamMembers.userId, userId), eq(teamMembers.role, 'OWNER')))
      .orderBy(asc(teamMembers.createdAt));
    return rows.map((r) => r.teamId);
  },

  /** Locks the team row until the transaction ends, so concurrent membership changes see each other. */
  async lock(ex: Executor, teamId: string): Promise<TeamRow | undefined> {
    const [row] = await ex.select().from(teams).where(eq(teams.id, teamId)).for('update');
    return row;
  },

  async roleOf(ex: Executor, teamId: string, userId: string): Promise<Role | undefined> {
    const [row] = await ex.select({ role: teamMembers.role }).from(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId))).limit(1);
    return row?.role;
  },

  async teamFor(ex: Executor, teamId: string, userId: string): Promise<TeamWithRole | undefined> {
    const [row] = await ex
      .select(teamWithRole)
      .from(teams)
      .innerJoin(teamMembers, eq(teamMembers.teamId, teams.id))
      .where(and(eq(teams.id, teamId), eq(teamMembers.userId, userId)))
      .limit(1);
    return row;
  },

  /** The teams a person belongs to, oldest membership first. */
  async teamsOf(ex: Executor, userId: string, limit: number, offset: number): Promise<{ rows: TeamWithRole[]; total: number }> {
    const where = eq(teamMembers.userId, userId);
    const [rows, [n]] = await Promise.all([
      ex.select(teamWithRole).from(teamMembers).innerJoin(teams, eq(teams.id, teamMembers.teamId)).where(where).orderBy(asc(teamMembers.createdAt), asc(teams.id)).limit(limit).offset(offset),
      ex.select({ n: count() }).from(teamMembers).where(where),
    ]);
    return { rows, total: n?.n ?? 0 };
  },

  /** Serialises "count the teams this person owns, then create one" for one person until the transaction ends. */
  async lockOwnership(ex: Executor, userId: string): Promise<void> {
    await ex.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`teams-owned:${userId}`}, 0))`);
  },

  async countOwnedBy(ex: Executor, userId: string): Promise<number> {
    const [n] = await ex.select({ n: count() }).from(teamMembers).where(and(eq(teamMembers.userId, userId), eq(teamMembers.role, 'OWNER')));
    return n?.n ?? 0;
  },

  async update(ex: Executor, teamId: string, patch: Partial<Pick<TeamRow, 'name' | 'avatarUrl'>>): Promise<TeamRow | undefined> {
    const [row] = await ex.update(teams).set(patch).where(eq(teams.id, teamId)).returning();
    return row;
  },

  /** Deletes the team; members, keys, invitations and transfer requests go with it (foreign keys cascade). */
  async delete(ex: Executor, teamId: string): Promise<void> {
    await ex.delete(teams).where(eq(teams.id, teamId));
  },

  async members(ex: Executor, teamId: string, limit: number, offset: number): Promise<{ rows: MemberRow[]; total: number }> {
    const where = eq(teamMembers.teamId, teamId);
    const [rows, [n]] = await Promise.all([
      ex.select().from(teamMembers).where(where).orderBy(asc(teamMembers.createdAt), asc(teamMembers.userId)).limit(limit).offset(offset),
      ex.select({ n: count() }).from(teamMembers).where(where),
    ]);
    return { rows, total: n?.n ?? 0 };
  },

  async member(ex: Executor, teamId: string, userId: string): Promise<MemberRow | undefined> {
    const [row] = await ex.select().from(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId))).limit(1);
    return row;
  },

  async setRole(ex: Executor, teamId: string, userId: string, role: Role): Promise<MemberRow | undefined> {
    const [row] = await ex.update(teamMembers).set({ role }).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId))).returning();
    return row;
  },

  async removeMember(ex: Executor, teamId: string, userId: string): Promise<boolean> {
    const rows = await ex.delete(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId))).returning({ userId: teamMembers.userId });
    return rows.length > 0;
  },

  /** Owners and Admins of the team other than `exceptUserId`. */
  async countManagersExcept(ex: Executor, teamId: string, exceptUserId: string): Promise<number> {
    const [n] = await ex
      .select({ n: count() })
      .from(teamMembers)
      .where(and(eq(teamMembers.teamId, teamId), ne(teamMembers.userId, exceptUserId), inArray(teamMembers.role, ['OWNER', 'ADMIN'])));
    return n?.n ?? 0;
  },
};
