import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { users } from './accounts.schema.ts';

export type UserRow = typeof users.$inferSelect;

export const accountsRepository = {
  async insert(ex: Executor, row: typeof users.$inferInsert): Promise<UserRow> {
    const [created] = await ex.insert(users).values(row).returning();
    return created!;
  },
  async findById(ex: Executor, id: string): Promise<UserRow | undefined> {
    const [row] = await ex.select().from(users).where(eq(users.id, id)).limit(1);
    return row;
  },
  async update(ex: Executor, id: string, set: Partial<Pick<UserRow, 'nameEnc' | 'avatarUrlEnc' | 'locale' | 'closedAt' | 'updatedAt'>>): Promise<void> {
    await ex.update(users).set(set).where(eq(users.id, id));
  },
  /** Locks the person's row until the transaction ends (closure and reactivation). */
  async lock(ex: Executor, id: string): Promise<UserRow | undefined> {
    const [row] = await ex.select().from(users).where(eq(users.id, id)).for('update');
    return row;
  },
  async findByEmailHash(ex: Executor, emailHash: string): Promise<UserRow | undefined> {
    const [row] = await ex.select().from(users).where(eq(users.emailHash, emailHash)).limit(1);
    return row;
  },
};
