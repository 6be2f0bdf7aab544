import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { apiKeys } from './teams.schema.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export const apiKeysRepository = {
  async insert(ex: Executor, row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
    const [created] = await ex.insert(apiKeys).values(row).returning();
    return created!;
  },

  async findActiveByHash(ex: Executor, keyHash: string): Promise<ApiKeyRow | undefined> {
    const [row] = await ex.select().from(apiKeys).where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt))).limit(1);
    return row;
  },

  async touch(ex: Executor, id: string, at: Date): Promise<void> {
    await ex.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
  },
};
