import { and, count, desc, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { apiKeys, teamMembers, type teamRoles } from './teams.schema.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;
type Role = (typeof teamRoles)[number];

/** A key is usable only while its creator is still a member of the key's team: the join says so. */
const creatorIsMember = and(eq(teamMembers.teamId, apiKeys.teamId), eq(teamMembers.userId, apiKeys.createdBy));

export const apiKeysRepository = {
  async insert(ex: Executor, row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
    const [created] = await ex.insert(apiKeys).values(row).returning();
    return created!;
  },

  /** A key that is not revoked and whose creator still belongs to its team (expiry is the caller's check). */
  async findUsableByHash(ex: Executor, keyHash: string): Promise<ApiKeyRow | undefined> {
    const [row] = await ex
      .select({ key: apiKeys })
      .from(apiKeys)
      .innerJoin(teamMembers, creatorIsMember)
      .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
      .limit(1);
    return row?.key;
  },

  /** The creator's current role and the key's scopes, for a key of `teamId` that is not revoked. */
  async standing(ex: Executor, teamId: string, keyId: string): Promise<{ userId: string; role: Role; scopes: string[] | null } | undefined> {
    const [row] = await ex
      .select({ userId: teamMembers.userId, role: teamMembers.role, scopes: apiKeys.scopes })
      .from(apiKeys)
      .innerJoin(teamMembers, creatorIsMember)
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.teamId, teamId), isNull(apiKeys.revokedAt)))
      .limit(1);
    return row;
  },

  async findActive(ex: Executor, teamId: string, id: string): Promise<ApiKeyRow | undefined> {
    const [row] = await ex.select().from(apiKeys).where(and(eq(apiKeys.id, id), eq(apiKeys.teamId, teamId), isNull(apiKeys.revokedAt))).limit(1);
    return row;
  },

  /** Keys of the team that are not revoked, newest first; only `createdBy`'s when given. */
  async listActive(ex: Executor, teamId: string, createdBy: string | null, limit: number, offset: number): Promise<{ rows: ApiKeyRow[]; total: number }> {
    const where = and(eq(apiKeys.teamId, teamId), isNull(apiKeys.revokedAt), createdBy ? eq(apiKeys.createdBy, createdBy) : undefined);
    const [rows, [n]] = await Promise.all([
      ex.select().from(apiKeys).where(where).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id)).limit(limit).offset(offset),
      ex.select({ n: count() }).from(apiKeys).where(where),
    ]);
    return { rows, total: n?.n ?? 0 };
  },

  async revoke(ex: Executor, id: string, at: Date): Promise<ApiKeyRow | undefined> {
    const [row] = await ex.update(apiKeys).set({ revokedAt: at }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning();
    return row;
  },

  /** Revokes every key `userId` made in `teamId` (they left or were removed); returns the revoked rows. */
  async revokeAllOf(ex: Executor, teamId: string, userId: string, at: Date): Promise<ApiKeyRow[]> {
    return ex
      .update(apiKeys)
      .set({ revokedAt: at })
      .where(and(eq(apiKeys.teamId, teamId), eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt)))
      .returning();
  },

  /** Revokes every key `userId` made, in every team (the account is closed); returns the revoked rows. */
  async revokeAllCreatedBy(ex: Executor, userId: string, at: Date): Promise<ApiKeyRow[]> {
    return ex.update(apiKeys).set({ revokedAt: at }).where(and(eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt))).returning();
  },

  async touch(ex: Executor, id: string, at: Date, ip: string | null): Promise<void> {
    await ex.update(apiKeys).set(ip === null ? { lastUsedAt: at } : { lastUsedAt: at, lastUsedIp: ip }).where(eq(apiKeys.id, id));
  },
};
