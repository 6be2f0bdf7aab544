import type { Db, Executor } from '../db/database.ts';

/** Who is acting: a person through the console, a team's API key, the platform itself, or nobody. */
export type Actor =
  | { type: 'user'; id: string; sessionId?: string }
  | { type: 'api_key'; id: string; userId: string | null }
  | { type: 'system'; id: string }
  | { type: 'anonymous' };

/**
 * The only thing that crosses from transport into the domain (ARCHITECTURE.md "Layers").
 * `tx` is the executor to use: the database itself, or the open transaction.
 */
export interface Context {
  actor: Actor;
  teamId: string | null;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  tx: Executor;
}

/** Runs `fn` in one transaction; nested calls reuse the open one. */
export async function inTransaction<T>(ctx: Context, fn: (ctx: Context) => Promise<T>): Promise<T> {
  if (isTransaction(ctx.tx)) return fn(ctx);
  return (ctx.tx as Db).transaction((tx) => fn({ ...ctx, tx }));
}

function isTransaction(e: Executor): boolean {
  // drizzle's transaction objects expose `rollback`; the database handle does not.
  return typeof (e as { rollback?: unknown }).rollback === 'function';
}

/** A context for work the platform does on its own (jobs, schedules, start-up). */
export function systemContext(db: Executor, job: string, requestId = `system:${job}`): Context {
  return { actor: { type: 'system', id: job }, teamId: null, requestId, ip: null, userAgent: null, tx: db };
}

export function actorId(actor: Actor): string | null {
  return actor.type === 'anonymous' ? null : actor.id;
}
