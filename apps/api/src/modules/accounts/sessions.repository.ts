import { and, count, desc, eq, gt, isNull, ne } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { sessions, users } from './accounts.schema.ts';

export type SessionRow = typeof sessions.$inferSelect;

/** Sessions that have not ended at `now`. */
const live = (now: Date) => and(isNull(sessions.revokedAt), gt(sessions.expiresAt, now), gt(sessions.idleExpiresAt, now));

export const sessionsRepository = {
  async insert(ex: Executor, row: typeof sessions.$inferInsert): Promise<SessionRow> {
    const [created] = await ex.insert(sessions).values(row).returning();
    return created!;
  },

  /**
   * The session of a token hash, if it is not revoked, with when its person closed the account
   * (null while open); expiry is the caller's check (clock port).
   */
  async findByTokenHash(ex: Executor, tokenHash: string): Promise<(SessionRow & { accountClosedAt: Date | null }) | undefined> {
    const [row] = await ex
      .select({ session: sessions, accountClosedAt: users.closedAt })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt)))
      .limit(1);
    return row && { ...row.session, accountClosedAt: row.accountClosedAt };
  },

  async touch(ex: Executor, id: string, set: { lastUsedAt: Date; idleExpiresAt: Date; ip: string | null; browser: string | null; os: string | null }): Promise<void> {
    await ex.update(sessions).set(set).where(eq(sessions.id, id));
  },

  async listLive(ex: Executor, userId: string, now: Date, limit: number, offset: number): Promise<{ rows: SessionRow[]; total: number }> {
    const where = and(eq(sessions.userId, userId), live(now));
    const [rows, [total]] = await Promise.all([
      ex.select().from(sessions).where(where).orderBy(desc(sessions.lastUsedAt), desc(sessions.createdAt)).limit(limit).offset(offset),
      ex.select({ n: count() }).from(sessions).where(where),
    ]);
    return { rows, total: total?.n ?? 0 };
  },

  /** Revokes one live session of a person; false when there is none with that id. */
  async revoke(ex: Executor, userId: string, id: string, now: Date): Promise<boolean> {
    const done = await ex
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.id, id), eq(sessions.userId, userId), live(now)))
      .returning({ id: sessions.id });
    return done.length > 0;
  },

  async revokeByTokenHash(ex: Executor, tokenHash: string, now: Date): Promise<string | undefined> {
    const [done] = await ex
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    return done?.id;
  },

  /** Revokes every live session of a person except `keepId`; returns how many. */
  async revokeAllExcept(ex: Executor, userId: string, keepId: string | null, now: Date): Promise<number> {
    const done = await ex
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.userId, userId), live(now), keepId ? ne(sessions.id, keepId) : undefined))
      .returning({ id: sessions.id });
    return done.length;
  },
};
