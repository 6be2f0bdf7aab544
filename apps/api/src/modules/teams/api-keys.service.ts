import crypto from 'node:crypto';
import type { Executor } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Audit } from '../audit/audit.service.ts';
import { apiKeysRepository, type ApiKeyRow } from './api-keys.repository.ts';
import { authorize, type Permission } from './permissions.ts';

/** What a valid API key stands for. */
export interface ApiKeyPrincipal {
  apiKeyId: string;
  teamId: string;
  userId: string | null;
}

/** An API key as the team sees it: never the secret or its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[] | null;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
}

export interface ApiKeyCreateInput {
  name: string;
  /** Permission names; omitted: everything the creator's role allows (or the acting key's scopes). */
  scopes?: Permission[] | null;
  expiresAt?: Date | null;
}

const KEY_PREFIX = 'sc_';
const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;
const TOUCH_EVERY_MS = 60_000;

export const view = (k: ApiKeyRow): ApiKeyView => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  createdBy: k.createdBy,
  createdAt: k.createdAt,
  expiresAt: k.expiresAt,
  lastUsedAt: k.lastUsedAt,
  lastUsedIp: k.lastUsedIp,
});

/**
 * API keys are 256-bit random secrets shown once; only their SHA-256 is stored (a slow hash adds
 * nothing for keys of full entropy). A key acts with its creator's current role in its team,
 * narrowed to its scopes, and stops working when it expires, is revoked, or its creator leaves
 * the team.
 *
 * Verification is cached briefly so the hot path of every API call costs no query. A cache entry
 * never outlives the key's expiry, and revoking a key, removing a member or deleting a team drops
 * the affected entries of this process once the change commits. Other processes may accept a
 * revoked key for up to 30 s on routes that check nothing else; every team-scoped operation
 * re-reads the key's standing through `authorize`, so it is refused there at once.
 */
export class ApiKeysService {
  private readonly cache = new Map<string, { principal: ApiKeyPrincipal | null; until: number }>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
    private readonly audit: Audit,
  ) {}

  static hash(secret: string): string {
    return crypto.createHash('sha256').update(secret).digest('hex');
  }

  /**
   * Stores a key and returns its secret; the secret is never stored or shown again. No checks:
   * for platform code (sign-up, the development seed); people go through `issue`.
   */
  async create(
    ex: Executor,
    input: { teamId: string; createdBy: string | null; name: string; scopes?: readonly string[] | null; expiresAt?: Date | null },
  ): Promise<{ id: string; secret: string; prefix: string; row: ApiKeyRow }> {
    const secret = `${KEY_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
    const prefix = secret.slice(0, KEY_PREFIX.length + 6);
    const row = await apiKeysRepository.insert(ex, {
      teamId: input.teamId,
      createdBy: input.createdBy,
      name: input.name,
      prefix,
      keyHash: ApiKeysService.hash(secret),
      scopes: input.scopes ? [...new Set(input.scopes)].sort() : null,
      expiresAt: input.expiresAt ?? null,
      createdAt: this.clock.now(),
    });
    return { id: row.id, secret, prefix, row };
  }

  /**
   * Creates a key for the acting person in the context's team. Scopes can only narrow: a key
   * never holds a permission its creator's role lacks, and a key made by a scoped key stays
   * within that key's scopes.
   */
  async issue(ctx: Context, input: ApiKeyCreateInput): Promise<ApiKeyView & { secret: string }> {
    const now = this.clock.now();
    if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
      throw new AppError('VALIDATION_ERROR', 'The expiry must be in the future.', [{ field: 'expiresAt', message: 'must be in the future' }]);
    }
    return inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, 'api_key.write');
      const scopes = input.scopes ?? access.scopes;
      const beyond = (scopes ?? []).filter((s) => !access.permissions.has(s as Permission));
      if (beyond.length) throw new AppError('FORBIDDEN', `You cannot give a key permissions you do not have: ${beyond.join(', ')}.`);
      const key = await this.create(ctx.tx, { teamId: access.teamId, createdBy: access.userId, name: input.name, scopes, expiresAt: input.expiresAt ?? null });
      await this.audit.record(ctx, {
        action: 'api_key.create',
        targetType: 'api_key',
        targetId: key.id,
        data: { prefix: key.prefix, scopes: key.row.scopes, expiresAt: key.row.expiresAt?.toISOString() ?? null },
      });
      return { ...view(key.row), secret: key.secret };
    });
  }

  /** The team's keys that are not revoked: your own, or everyone's with `api_key.manage`. */
  async list(ctx: Context, page: { limit: number; offset: number }): Promise<{ rows: ApiKeyView[]; total: number }> {
    const access = await authorize(ctx, 'api_key.read');
    const onlyOf = access.permissions.has('api_key.manage') ? null : access.userId;
    const { rows, total } = await apiKeysRepository.listActive(ctx.tx, access.teamId, onlyOf, page.limit, page.offset);
    return { rows: rows.map(view), total };
  }

  /** Revokes a key of the context's team: your own with `api_key.write`, anyone's with `api_key.manage`. */
  async revoke(ctx: Context, id: string): Promise<ApiKeyView> {
    const row = await inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, 'api_key.write');
      const key = await apiKeysRepository.findActive(ctx.tx, access.teamId, id);
      if (!key) throw new AppError('RESOURCE_NOT_FOUND', 'No such API key in this team.');
      if (key.createdBy !== access.userId) await authorize(ctx, 'api_key.manage');
      const revoked = await apiKeysRepository.revoke(ctx.tx, key.id, this.clock.now());
      if (!revoked) throw new AppError('RESOURCE_NOT_FOUND', 'No such API key in this team.');
      await this.audit.record(ctx, { action: 'api_key.revoke', targetType: 'api_key', targetId: key.id, data: { prefix: key.prefix } });
      return revoked;
    });
    this.cache.delete(row.keyHash);
    return view(row);
  }

  /**
   * Revokes every key `userId` made in `teamId`, in the caller's transaction (they left or were
   * removed: a key must not come back to life if they rejoin). Call `forgetMember` after commit.
   */
  async revokeAllOf(ctx: Context, teamId: string, userId: string): Promise<number> {
    return (await apiKeysRepository.revokeAllOf(ctx.tx, teamId, userId, this.clock.now())).length;
  }

  /**
   * Revokes every key `userId` made, in every team, in the caller's transaction (the account is
   * being closed). Call `forgetUser` after commit.
   */
  async revokeAllCreatedBy(ctx: Context, userId: string): Promise<number> {
    return (await apiKeysRepository.revokeAllCreatedBy(ctx.tx, userId, this.clock.now())).length;
  }

  /** Resolves a bearer token to its team, or null for unknown, revoked and expired keys and keys whose creator left. */
  async authenticate(secret: string, ip: string | null = null): Promise<ApiKeyPrincipal | null> {
    if (!secret.startsWith(KEY_PREFIX) || secret.length > 128) return null;
    const hash = ApiKeysService.hash(secret);
    const now = this.clock.now().getTime();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) {
      if (hit.principal) this.touch(hit.principal.apiKeyId, now, ip);
      return hit.principal;
    }
    const row = await apiKeysRepository.findUsableByHash(this.db, hash);
    const expiresAt = row?.expiresAt?.getTime() ?? Infinity;
    const principal = row && expiresAt > now ? { apiKeyId: row.id, teamId: row.teamId, userId: row.createdBy } : null;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { principal, until: Math.min(now + CACHE_TTL_MS, principal ? expiresAt : Infinity) });
    if (principal) this.touch(principal.apiKeyId, now, ip);
    return principal;
  }

  /** Forget every cached verification (e.g. after a bulk change). */
  invalidate(): void {
    this.cache.clear();
  }

  /** Forget cached verifications of the keys `userId` made in `teamId` (they left or were removed). */
  forgetMember(teamId: string, userId: string): void {
    for (const [hash, e] of this.cache) if (e.principal?.teamId === teamId && e.principal.userId === userId) this.cache.delete(hash);
  }

  /** Forget cached verifications of every key `userId` made (their account was closed). */
  forgetUser(userId: string): void {
    for (const [hash, e] of this.cache) if (e.principal?.userId === userId) this.cache.delete(hash);
  }

  /** Forget cached verifications of the team's keys (the team was deleted). */
  forgetTeam(teamId: string): void {
    for (const [hash, e] of this.cache) if (e.principal?.teamId === teamId) this.cache.delete(hash);
  }

  /** Records last use (time and IP) at most once a minute per key, off the request path. */
  private touch(id: string, now: number, ip: string | null): void {
    const last = this.touched.get(id) ?? 0;
    if (now - last < TOUCH_EVERY_MS) return;
    if (this.touched.size >= CACHE_MAX) this.touched.clear();
    this.touched.set(id, now);
    apiKeysRepository.touch(this.db, id, new Date(now), ip).catch(() => this.touched.delete(id));
  }
}
