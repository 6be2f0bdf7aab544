import crypto from 'node:crypto';
import { and, eq, lte } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { DAY } from '../../shared/clock.ts';
import { AppError } from '../../shared/errors.ts';
import { idempotencyKeys } from './idempotency.schema.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export type IdempotencyStart = { kind: 'new' } | { kind: 'replay'; status: number; body: unknown };

/**
 * Idempotency keys for create requests: stored per scope (the team) + route + key for 24 hours.
 * A replay gets the stored response; the same key with another body is refused; a key whose
 * first request is still running answers CONFLICT. Only successful responses are kept, so a
 * client may retry a rejected request with the same key once it has fixed it.
 */
export class IdempotencyService {
  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
    private readonly ttlMs = DAY,
  ) {}

  static validateKey(key: string | undefined): string {
    if (!key || !UUID_V4.test(key)) {
      throw new AppError('INVALID_IDEMPOTENCY_KEY', 'Send an Idempotency-Key header holding a UUID v4 with every create request.');
    }
    return key.toLowerCase();
  }

  static hashRequest(method: string, route: string, body: unknown): string {
    return crypto.createHash('sha256').update(`${method} ${route}\n`).update(canonicalJson(body)).digest('hex');
  }

  async begin(scope: string, route: string, key: string, requestHash: string): Promise<IdempotencyStart> {
    const now = this.clock.now();
    const where = and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.route, route), eq(idempotencyKeys.key, key));
    await this.db.delete(idempotencyKeys).where(and(where, lte(idempotencyKeys.expiresAt, now)));
    const inserted = await this.db
      .insert(idempotencyKeys)
      .values({ scope, route, key, requestHash, createdAt: now, expiresAt: new Date(now.getTime() + this.ttlMs) })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (inserted.length > 0) return { kind: 'new' };

    const [existing] = await this.db.select().from(idempotencyKeys).where(where).limit(1);
    if (!existing) return this.begin(scope, route, key, requestHash); // expired between the two statements
    if (existing.requestHash !== requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body; use a new key.');
    }
    if (existing.status === null) {
      throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    }
    return { kind: 'replay', status: existing.status, body: existing.body };
  }

  async complete(scope: string, route: string, key: string, status: number, body: unknown): Promise<void> {
    const where = and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.route, route), eq(idempotencyKeys.key, key));
    if (status >= 200 && status < 300) {
      await this.db.update(idempotencyKeys).set({ status, body }).where(where);
    } else {
      await this.db.delete(idempotencyKeys).where(where);
    }
  }

  /** Removes expired keys; run on a schedule. */
  async purgeExpired(): Promise<void> {
    await this.db.delete(idempotencyKeys).where(lte(idempotencyKeys.expiresAt, this.clock.now()));
  }
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
