import crypto from 'node:crypto';
import type { Executor } from '../../db/database.ts';
import { DAY, MINUTE, type Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { KeyedHasher } from '../privacy/index.ts';
import { sessionsRepository, type SessionRow } from './sessions.repository.ts';
import { summariseUserAgent } from '../audit/user-agent.ts';
import { teamsRepository } from '../teams/teams.repository.ts';

/** Who a valid session cookie stands for. */
export interface SessionPrincipal {
  sessionId: string;
  userId: string;
}

/** A valid session cookie as the request hook sees it. */
export interface AuthenticatedSession extends SessionPrincipal {
  /** When the person closed their account, or null while it is open (see `allowedWhileClosed`). */
  accountClosedAt: Date | null;
}

/**
 * The only API requests a session of a closed account may make: see its state and reactivate it.
 * Everything else answers ACCOUNT_CLOSED (checked once, in the request hook).
 */
const ALLOWED_WHILE_CLOSED = new Set(['GET /api/v1/me', 'HEAD /api/v1/me', 'POST /api/v1/me/reactivate']);

export function allowedWhileClosed(method: string, routeUrl: string): boolean {
  return ALLOWED_WHILE_CLOSED.has(`${method} ${routeUrl}`);
}

export interface SessionView {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  ip: string | null;
  browser: string | null;
  os: string | null;
  /** The session this request came with. */
  current: boolean;
}

export interface SessionOptions {
  idleMinutes: number;
  absoluteDays: number;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** Last use is written at most once a minute per session: idle expiry is counted in minutes anyway. */
const TOUCH_EVERY_MS = MINUTE;

/** The session behind a console request; API keys and anonymous callers are refused. */
export function sessionOf(ctx: Context): SessionPrincipal {
  const a = ctx.actor;
  if (a.type === 'user' && a.sessionId) return { sessionId: a.sessionId, userId: a.id };
  if (a.type === 'anonymous') throw new AppError('UNAUTHORIZED', 'Sign in to the console first: this endpoint needs a session.');
  throw new AppError('FORBIDDEN', 'This endpoint is for the signed-in console only; an API key cannot use it.');
}

/**
 * Server-side console sessions. The browser holds an opaque 256-bit random token; the table holds
 * only its SHA-256 (the token has full entropy, so a slow hash adds nothing). A session ends
 * `absoluteDays` after sign-in, after `idleMinutes` without a request, or when revoked.
 *
 * CSRF tokens are derived, not stored: an HMAC of the session id under a key from the key file,
 * so a page can only learn the token from `GET /api/v1/me`, which another site cannot read.
 */
export class SessionsService {
  private readonly idleMs: number;
  private readonly absoluteMs: number;

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
    private readonly hasher: KeyedHasher,
    private readonly audit: Audit,
    opts: SessionOptions,
  ) {
    this.idleMs = opts.idleMinutes * MINUTE;
    this.absoluteMs = opts.absoluteDays * DAY;
  }

  static hashToken(token: string): string {
    return crypto.createHash('sha256').update(token).digest('hex');
  }

  /** Cookie lifetime: the browser may forget the cookie when the server-side session ends at the latest. */
  get maxAgeSeconds(): number {
    return Math.floor(this.absoluteMs / 1000);
  }

  /** Starts a session with a fresh token (never one the browser brought: no session fixation). */
  async create(ctx: Context, userId: string): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
    return inTransaction(ctx, async (ctx) => {
      const token = crypto.randomBytes(32).toString('base64url');
      const now = this.clock.now();
      const expiresAt = new Date(now.getTime() + this.absoluteMs);
      const row = await sessionsRepository.insert(ctx.tx, {
        userId,
        tokenHash: SessionsService.hashToken(token),
        createdAt: now,
        lastUsedAt: now,
        expiresAt,
        idleExpiresAt: new Date(Math.min(now.getTime() + this.idleMs, expiresAt.getTime())),
        ip: ctx.ip,
        ...summariseUserAgent(ctx.userAgent),
      });
      await this.audit.record({ ...ctx, actor: { type: 'user', id: userId, sessionId: row.id }, teamId: null }, { action: 'session.create', targetType: 'session', targetId: row.id });
      return { token, sessionId: row.id, expiresAt };
    });
  }

  /**
   * Resolves a session cookie to its person, or null when the token is malformed, unknown,
   * revoked or expired. Runs on every console request: one indexed read, plus a write at most
   * once a minute to move the idle expiry on.
   */
  async authenticate(token: string, seen: { ip: string | null; userAgent: string | null }): Promise<AuthenticatedSession | null> {
    if (!TOKEN.test(token)) return null;
    const row = await sessionsRepository.findByTokenHash(this.db, SessionsService.hashToken(token));
    if (!row) return null;
    const now = this.clock.now();
    if (!this.isLive(row, now)) return null;
    if (now.getTime() - row.lastUsedAt.getTime() >= TOUCH_EVERY_MS) {
      await sessionsRepository.touch(this.db, row.id, {
        lastUsedAt: now,
        idleExpiresAt: new Date(Math.min(now.getTime() + this.idleMs, row.expiresAt.getTime())),
        ip: seen.ip,
        ...summariseUserAgent(seen.userAgent),
      });
    }
    return { sessionId: row.id, userId: row.userId, accountClosedAt: row.accountClosedAt };
  }

  /** Whether the person may act in the team a console request names (`X-Team-Id`). */
  async isMember(userId: string, teamId: string): Promise<boolean> {
    return (await teamsRepository.roleOf(this.db, teamId, userId)) !== undefined;
  }

  /** The CSRF token of a session (hex HMAC-SHA256 of its id). */
  csrfToken(sessionId: string): string {
    return this.hasher.hash('csrf-token', sessionId);
  }

  csrfTokenValid(sessionId: string, given: string | undefined): boolean {
    if (typeof given !== 'string' || given.length !== 64) return false;
    return crypto.timingSafeEqual(Buffer.from(given), Buffer.from(this.csrfToken(sessionId)));
  }

  /** Ends the session of a token (sign-out, or a new sign-in replacing it); unknown tokens are ignored. */
  async end(ctx: Context, token: string | undefined): Promise<void> {
    if (!token || !TOKEN.test(token)) return;
    const id = await sessionsRepository.revokeByTokenHash(ctx.tx, SessionsService.hashToken(token), this.clock.now());
    if (id) await this.audit.record({ ...ctx, teamId: null }, { action: 'session.end', targetType: 'session', targetId: id });
  }

  /** Ends every live session of `userId`, the current one included, in the caller's transaction (account closure). */
  async revokeAllOf(ctx: Context, userId: string): Promise<number> {
    return sessionsRepository.revokeAllExcept(ctx.tx, userId, null, this.clock.now());
  }

  /** The caller's live sessions, most recently used first. */
  async list(ctx: Context, page: { limit: number; offset: number }): Promise<{ rows: SessionView[]; total: number }> {
    const me = sessionOf(ctx);
    const { rows, total } = await sessionsRepository.listLive(ctx.tx, me.userId, this.clock.now(), page.limit, page.offset);
    return { rows: rows.map((r) => view(r, me.sessionId)), total };
  }

  /** Signs one of the caller's sessions out (the current one included). */
  async revoke(ctx: Context, id: string): Promise<{ id: string; current: boolean }> {
    const me = sessionOf(ctx);
    return inTransaction(ctx, async (ctx) => {
      // Another person's session id answers exactly like an unknown one.
      if (!(await sessionsRepository.revoke(ctx.tx, me.userId, id, this.clock.now()))) throw new AppError('RESOURCE_NOT_FOUND', 'No such session.');
      await this.audit.record({ ...ctx, teamId: null }, { action: 'session.revoke', targetType: 'session', targetId: id });
      return { id, current: id === me.sessionId };
    });
  }

  /** "Sign out everywhere else": every session of the caller except this one. */
  async revokeOthers(ctx: Context): Promise<number> {
    const me = sessionOf(ctx);
    return inTransaction(ctx, async (ctx) => {
      const n = await sessionsRepository.revokeAllExcept(ctx.tx, me.userId, me.sessionId, this.clock.now());
      await this.audit.record({ ...ctx, teamId: null }, { action: 'session.revoke_all', targetType: 'user', targetId: me.userId, data: { revoked: n } });
      return n;
    });
  }

  private isLive(row: SessionRow, now: Date): boolean {
    return row.revokedAt === null && row.expiresAt > now && row.idleExpiresAt > now;
  }
}

function view(r: SessionRow, currentId: string): SessionView {
  return { id: r.id, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, expiresAt: r.expiresAt, ip: r.ip, browser: r.browser, os: r.os, current: r.id === currentId };
}
