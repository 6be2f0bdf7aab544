import crypto from 'node:crypto';
import type { Executor } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { apiKeysRepository } from './api-keys.repository.ts';

/** What a valid API key stands for. */
export interface ApiKeyPrincipal {
  apiKeyId: string;
  teamId: string;
  userId: string | null;
}

const KEY_PREFIX = 'sc_';
const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;
const TOUCH_EVERY_MS = 60_000;

/**
 * API keys are 256-bit random secrets shown once; only their SHA-256 is stored (a slow hash adds
 * nothing for keys of full entropy). Verification is cached briefly so the hot path of every API
 * call costs no query; revoking a key drops it from the cache of this process at once.
 */
export class ApiKeysService {
  private readonly cache = new Map<string, { principal: ApiKeyPrincipal | null; until: number }>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
  ) {}

  static hash(secret: string): string {
    return crypto.createHash('sha256').update(secret).digest('hex');
  }

  /** Creates a key and returns its secret; the secret is never stored or shown again. */
  async create(ex: Executor, input: { teamId: string; createdBy: string | null; name: string }): Promise<{ id: string; secret: string; prefix: string }> {
    const secret = `${KEY_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
    const prefix = secret.slice(0, KEY_PREFIX.length + 6);
    const row = await apiKeysRepository.insert(ex, {
      teamId: input.teamId,
      createdBy: input.createdBy,
      name: input.name,
      prefix,
      keyHash: ApiKeysService.hash(secret),
      createdAt: this.clock.now(),
    });
    return { id: row.id, secret, prefix };
  }

  /** Resolves a bearer token to its team, or null for unknown and revoked keys. */
  async authenticate(secret: string): Promise<ApiKeyPrincipal | null> {
    if (!secret.startsWith(KEY_PREFIX) || secret.length > 128) return null;
    const hash = ApiKeysService.hash(secret);
    const now = this.clock.now().getTime();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) {
      if (hit.principal) this.touch(hit.principal.apiKeyId, now);
      return hit.principal;
    }
    const row = await apiKeysRepository.findActiveByHash(this.db, hash);
    const principal = row ? { apiKeyId: row.id, teamId: row.teamId, userId: row.createdBy } : null;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { principal, until: now + CACHE_TTL_MS });
    if (principal) this.touch(principal.apiKeyId, now);
    return principal;
  }

  /** Forget cached verifications (after a revocation). */
  invalidate(): void {
    this.cache.clear();
  }

  /** Records last use at most once a minute per key, off the request path. */
  private touch(id: string, now: number): void {
    const last = this.touched.get(id) ?? 0;
    if (now - last < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    apiKeysRepository.touch(this.db, id, new Date(now)).catch(() => this.touched.delete(id));
  }
}
