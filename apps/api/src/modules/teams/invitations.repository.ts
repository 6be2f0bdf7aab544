import { and, count, desc, eq, gt, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { teamInvitations, teams } from './teams.schema.ts';

export type InvitationRow = typeof teamInvitations.$inferSelect;

/** Neither accepted nor revoked, and not yet expired at `now`. */
const pending = (now: Date) => and(isNull(teamInvitations.acceptedAt), isNull(teamInvitations.revokedAt), gt(teamInvitations.expiresAt, now));

export const invitationsRepository = {
  async insert(ex: Executor, row: typeof teamInvitations.$inferInsert): Promise<InvitationRow> {
    const [created] = await ex.insert(teamInvitations).values(row).returning();
    return created!;
  },

  async findByTokenHash(ex: Executor, tokenHash: string): Promise<InvitationRow | undefined> {
    const [row] = await ex.select().from(teamInvitations).where(eq(teamInvitations.tokenHash, tokenHash)).limit(1);
    return row;
  },

  async findById(ex: Executor, id: string): Promise<InvitationRow | undefined> {
    const [row] = await ex.select().from(teamInvitations).where(eq(teamInvitations.id, id));
    return row;
  },

  async findPending(ex: Executor, teamId: string, id: string, now: Date): Promise<InvitationRow | undefined> {
    const [row] = await ex.select().from(teamInvitations).where(and(eq(teamInvitations.id, id), eq(teamInvitations.teamId, teamId), pending(now))).limit(1);
    return row;
  },

  async listPending(ex: Executor, teamId: string, now: Date, limit: number, offset: number): Promise<{ rows: InvitationRow[]; total: number }> {
    const where = and(eq(teamInvitations.teamId, teamId), pending(now));
    const [rows, [n]] = await Promise.all([
      ex.select().from(teamInvitations).where(where).orderBy(desc(teamInvitations.createdAt), desc(teamInvitations.id)).limit(limit).offset(offset),
      ex.select({ n: count() }).from(teamInvitations).where(where),
    ]);
    return { rows, total: n?.n ?? 0 };
  },

  async pendingForTeamAndEmail(ex: Executor, teamId: string, emailHash: string, now: Date): Promise<InvitationRow[]> {
    return ex.select().from(teamInvitations).where(and(eq(teamInvitations.teamId, teamId), eq(teamInvitations.emailHash, emailHash), pending(now)));
  },

  /** Pending invitations sent to an address, with the name of the inviting team. */
  async pendingForEmail(ex: Executor, emailHash: string, now: Date): Promise<(InvitationRow & { teamName: string })[]> {
    const rows = await ex
      .select({ invitation: teamInvitations, teamName: teams.name })
      .from(teamInvitations)
      .innerJoin(teams, eq(teams.id, teamInvitations.teamId))
      .where(and(eq(teamInvitations.emailHash, emailHash), pending(now)))
      .orderBy(desc(teamInvitations.createdAt))
      .limit(100);
    return rows.map((r) => ({ ...r.invitation, teamName: r.teamName }));
  },

  /** Marks the invitation used, unless it was used or revoked meanwhile (then undefined). */
  async markAccepted(ex: Executor, id: string, at: Date, userId: string): Promise<InvitationRow | undefined> {
    const [row] = await ex
      .update(teamInvitations)
      .set({ acceptedAt: at, acceptedBy: userId })
      .where(and(eq(teamInvitations.id, id), isNull(teamInvitations.acceptedAt), isNull(teamInvitations.revokedAt)))
      .returning();
    return row;
  },

  async markRevoked(ex: Executor, id: string, at: Date): Promise<InvitationRow | undefined> {
    const [row] = await ex
      .update(teamInvitations)
      .set({ revokedAt: at })
      .where(and(eq(teamInvitations.id, id), isNull(teamInvitations.acceptedAt), isNull(teamInvitations.revokedAt)))
      .returning();
    return row;
  },

  async countPending(ex: Executor, teamId: string, now: Date): Promise<number> {
    const [n] = await ex.select({ n: count() }).from(teamInvitations).where(and(eq(teamInvitations.teamId, teamId), pending(now)));
    return n?.n ?? 0;
  },
};
