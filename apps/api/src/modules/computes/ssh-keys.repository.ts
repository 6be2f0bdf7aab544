import { and, count, desc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { sshKeys } from './computes.schema.ts';

export type SshKeyRow = typeof sshKeys.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const sshKeysRepository = {
  /** Inserts the key; undefined when the team already has a key with this fingerprint. */
  async insert(ex: Executor, row: typeof sshKeys.$inferInsert): Promise<SshKeyRow | undefined> {
    const [created] = await ex.insert(sshKeys).values(row).onConflictDoNothing({ target: [sshKeys.teamId, sshKeys.fingerprint] }).returning();
    return created;
  },

  async find(ex: Executor, teamId: string, id: string): Promise<SshKeyRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await ex.select().from(sshKeys).where(and(eq(sshKeys.teamId, teamId), eq(sshKeys.id, id))).limit(1);
    return row;
  },

  async findByFingerprint(ex: Executor, teamId: string, fingerprint: string): Promise<SshKeyRow | undefined> {
    const [row] = await ex.select().from(sshKeys).where(and(eq(sshKeys.teamId, teamId), eq(sshKeys.fingerprint, fingerprint))).limit(1);
    return row;
  },

  /** A team key named by its id or its `SHA256:` fingerprint. */
  async findByIdOrFingerprint(ex: Executor, teamId: string, ref: string): Promise<SshKeyRow | undefined> {
    return ref.startsWith('SHA256:') ? this.findByFingerprint(ex, teamId, ref) : this.find(ex, teamId, ref);
  },

  async list(ex: Executor, teamId: string, limit: number, offset: number): Promise<{ rows: SshKeyRow[]; total: number }> {
    const where = eq(sshKeys.teamId, teamId);
    const [rows, [n]] = await Promise.all([
      ex.select().from(sshKeys).where(where).orderBy(desc(sshKeys.createdAt), desc(sshKeys.id)).limit(limit).offset(offset),
      ex.select({ n: count() }).from(sshKeys).where(where),
    ]);
    return { rows, total: n?.n ?? 0 };
  },

  async rename(ex: Executor, teamId: string, id: string, name: string): Promise<SshKeyRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await ex.update(sshKeys).set({ name }).where(and(eq(sshKeys.teamId, teamId), eq(sshKeys.id, id))).returning();
    return row;
  },

  async delete(ex: Executor, teamId: string, id: string): Promise<SshKeyRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await ex.delete(sshKeys).where(and(eq(sshKeys.teamId, teamId), eq(sshKeys.id, id))).returning();
    return row;
  },
};
