import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyCookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { createJsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { serializerCompiler } from './serializer.ts';
import { securityHeaders } from './security-headers.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { AppError } from '../shared/errors.ts';
import { actorId, type Context } from '../shared/context.ts';
import type { ApiKeysService } from '../modules/teams/api-keys.service.ts';
import { IdempotencyService } from '../modules/idempotency/idempotency.service.ts';
import type { UsageLog } from '../modules/audit/usage-log.ts';
import { allowedWhileClosed, type SessionsService } from '../modules/accounts/sessions.service.ts';
import { cookies } from '../modules/privacy/cookies.ts';
import { buildErrorHandler } from './errors.ts';
import { errorBody } from './envelope.ts';
import { RateLimiter } from './rate-limit.ts';
import { tidyOpenApi } from '../openapi/tidy.ts';
import './types.ts';

/** What the HTTP role needs from the rest of the platform. Route plugins receive the same object. */
export interface HttpDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  database: Database;
  apiKeys: ApiKeysService;
  idempotency: IdempotencyService;
  usage: UsageLog;
  sessions: SessionsService;
}

export type RoutePlugin<D> = (app: FastifyInstance, deps: D) => void | Promise<void>;

export const API_PREFIX = '/api/v1';
const consoleDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../console/dist');
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Methods that change nothing (RFC 9110 §9.2.1): the only ones a session cookie may use without a CSRF check. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const openApiInfo = {
  title: 'Strettch Cloud API',
  description:
    'Public API of Strettch Cloud, a public cloud in Rwanda. Wire-compatible with the Strettch Cloud Public API v1: ' +
    'the same paths, envelope `{ success, data, message | code, requestId, timestamp }`, pagination `page`/`limit` with ' +
    '`meta { total, page, limit }`, error codes and rate-limit headers. Authenticate with `Authorization: Bearer <api key>`.',
  version: '1.0',
  license: { name: 'Apache 2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0.html' },
};

export async function buildApp<D extends HttpDeps>(deps: D, routes: RoutePlugin<D>[]): Promise<FastifyInstance> {
  const { config, clock } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // One logger for every request: a pino child per request (with redaction) cost ~2 % of a
    // request; log calls carry `reqId` themselves.
    childLoggerFactory: (logger) => logger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(buildErrorHandler(clock));

  // Cookies are parsed only where a session can matter (in the request hook), not for static files.
  await app.register(fastifyCookie, { hook: false });
  installRequestHooks(app as unknown as FastifyInstance, deps);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: openApiInfo,
      servers: [{ url: API_PREFIX, description: 'This installation' }],
      components: {
        securitySchemes: {
          BearerAuth: { type: 'http', scheme: 'bearer', description: 'A team API key, `sc_…`.' },
          SessionCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: cookies.sc_session.name,
            description:
              'The console session, set by signing in at `/auth/{provider}/start`. Requests that change something also need the header ' +
              '`X-CSRF-Token` (from `GET /me`) and an `Origin` of this installation. Send `X-Team-Id` to act in one of your teams.',
          },
        },
      },
    },
    // Paths are documented relative to the server URL, as in Strettch Cloud's contract.
    transform: (input) => {
      const out = createJsonSchemaTransform({})(input);
      return { ...out, url: input.url.startsWith(API_PREFIX) ? input.url.slice(API_PREFIX.length) || '/' : input.url };
    },
    transformObject: (doc) => tidyOpenApi(jsonSchemaTransformObject(doc) as Record<string, unknown>) as ReturnType<typeof jsonSchemaTransformObject>,
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    // Swagger UI sets a few styles inline; everything else keeps its strict policy.
    transformStaticCSP: (csp) => csp.replace("style-src 'self' https:", "style-src 'self' 'unsafe-inline'").replace("frame-ancestors 'self'", "frame-ancestors 'none'"),
    logo: { type: 'image/svg+xml', content: fs.readFileSync(path.join(consoleDist, '../public/favicon.svg')), href: '/', target: '_self' },
    theme: {
      title: 'Strettch Cloud API reference',
      css: [{ filename: 'strettch.css', content: '.topbar .download-url-wrapper { display: none !important; } .topbar-wrapper img { height: 36px; }' }],
    },
    uiConfig: { docExpansion: 'list', deepLinking: true, defaultModelsExpandDepth: 0 },
  });

  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true }, config: { auth: 'public' } }, async () => app.swagger());

  for (const register of routes) await register(app as unknown as FastifyInstance, deps);

  await serveConsole(app as unknown as FastifyInstance, deps);
  return app as unknown as FastifyInstance;
}

function clientIp(req: FastifyRequest): string | null {
  return req.ip || null;
}

/** The origin a browser says the request came from: `Origin`, or the origin of `Referer` when Origin is absent. */
function requestOrigin(req: FastifyRequest): string | null {
  const origin = req.headers.origin;
  if (typeof origin === 'string') return origin === 'null' ? null : origin;
  const referer = req.headers.referer;
  if (typeof referer !== 'string') return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

function installRequestHooks(app: FastifyInstance, deps: HttpDeps) {
  const { config, clock, apiKeys, idempotency, usage, sessions } = deps;
  const publicOrigin = new URL(config.PUBLIC_URL).origin;
  const limiter = new RateLimiter(config.RATE_LIMIT_WINDOW_SECONDS * 1000);
  // Security headers computed once; the API reference page sets its own script policy.
  const headers = securityHeaders(config.PUBLIC_URL.startsWith('https://'));

  app.addHook('onRequest', async (req, reply) => {
    reply.headers(headers);
    reply.header('x-request-id', req.id);
    const ctx: Context = {
      actor: { type: 'anonymous' },
      teamId: null,
      requestId: req.id,
      ip: clientIp(req),
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : null,
      tx: deps.database.db,
    };
    req.ctx = ctx;
    // Credentials matter for the API and the sign-in routes only; static files skip all of this.
    if (!req.url.startsWith('/api/') && !req.url.startsWith('/auth/')) return;

    const routeUrl = req.routeOptions.url ?? '';
    const declared = req.routeOptions.config?.auth;
    const required = declared ? declared === 'required' : routeUrl.startsWith(API_PREFIX) && !req.is404;

    const header = req.headers.authorization;
    let cookieAuthenticated = false;
    let accountClosed = false;
    if (header?.startsWith('Bearer ')) {
      const principal = await apiKeys.authenticate(header.slice(7).trim(), ctx.ip);
      if (principal) {
        ctx.actor = { type: 'api_key', id: principal.apiKeyId, userId: principal.userId };
        ctx.teamId = principal.teamId;
      }
    } else if (header === undefined && req.headers.cookie) {
      // The console's session cookie; a request that sends an Authorization header is judged by it alone.
      const token = app.parseCookie(req.headers.cookie)[cookies.sc_session.name];
      const principal = token ? await sessions.authenticate(token, { ip: ctx.ip, userAgent: ctx.userAgent }) : null;
      if (principal) {
        ctx.actor = { type: 'user', id: principal.userId, sessionId: principal.sessionId };
        cookieAuthenticated = true;
        accountClosed = principal.accountClosedAt !== null;
        // The team to act in; a team the person is not a member of is treated as none, so
        // team-scoped services answer 404 rather than confirm the team exists.
        const team = req.headers['x-team-id'];
        if (typeof team === 'string' && UUID.test(team) && (await sessions.isMember(principal.userId, team))) ctx.teamId = team;
      }
    }

    if (routeUrl !== `${API_PREFIX}/health`) {
      const [key, limit] =
        ctx.actor.type === 'api_key' ? [`key:${ctx.actor.id}`, config.RATE_LIMIT_API_KEY]
        : ctx.actor.type === 'user' && ctx.actor.sessionId ? [`session:${ctx.actor.sessionId}`, config.RATE_LIMIT_SESSION]
        : [`ip:${ctx.ip ?? 'unknown'}`, config.RATE_LIMIT_IP];
      const now = clock.now().getTime();
      const d = limiter.hit(key, limit, now);
      reply.header('x-ratelimit-limit', d.limit);
      reply.header('x-ratelimit-remaining', d.remaining);
      reply.header('x-ratelimit-reset', Math.ceil(d.resetAt / 1000));
      if (!d.allowed) {
        reply.header('retry-after', Math.max(1, Math.ceil((d.resetAt - now) / 1000)));
        throw new AppError('TOO_MANY_REQUESTS');
      }
    }

    // CSRF: a browser sends the session cookie with requests other sites start, so a cookie alone
    // never authorises a change. The request must come from our own origin (Origin, else Referer)
    // and carry the token only our pages can read (GET /api/v1/me). API keys are not sent by
    // browsers on their own and need neither.
    if (cookieAuthenticated && !SAFE_METHODS.has(req.method) && ctx.actor.type === 'user') {
      const origin = requestOrigin(req);
      if (origin !== publicOrigin) {
        throw new AppError('FORBIDDEN', `Cross-site request refused: a signed-in change must come from ${publicOrigin} (the Origin header did not match).`);
      }
      const given = req.headers['x-csrf-token'];
      if (!sessions.csrfTokenValid(ctx.actor.sessionId!, typeof given === 'string' ? given : undefined)) {
        throw new AppError('FORBIDDEN', 'Missing or wrong X-CSRF-Token header: signed-in changes need the csrfToken from GET /api/v1/me.');
      }
    }

    if (required && ctx.actor.type === 'anonymous') throw new AppError('UNAUTHORIZED');
    // A closed account (privacy notice §5) signs in only to see its state and reactivate: every
    // other authenticated API request is refused here, in one place, rather than route by route.
    if (accountClosed && required && !allowedWhileClosed(req.method, routeUrl)) {
      throw new AppError('ACCOUNT_CLOSED', 'This account is closed: reactivate it first (POST /api/v1/me/reactivate), then try again.');
    }
  });

  // Idempotency runs only on the routes that ask for it, so other requests pay nothing for it.
  const pending = new WeakMap<FastifyRequest, { scope: string; route: string; key: string }>();
  app.addHook('onRoute', (route) => {
    if (!route.config?.idempotency) return;
    route.preHandler = [
      ...(Array.isArray(route.preHandler) ? route.preHandler : route.preHandler ? [route.preHandler] : []),
      async (req, reply) => {
        const header = req.headers['idempotency-key'];
        const key = IdempotencyService.validateKey(typeof header === 'string' ? header : undefined);
        const routeKey = `${req.method} ${req.routeOptions.url}`;
        const scope = req.ctx.teamId ?? `actor:${actorId(req.ctx.actor) ?? 'anonymous'}`;
        const started = await idempotency.begin(scope, routeKey, key, IdempotencyService.hashRequest(req.method, req.url, req.body));
        if (started.kind === 'replay') {
          reply.header('idempotent-replayed', 'true');
          return reply.code(started.status).type('application/json').serializer((b: unknown) => JSON.stringify(b)).send(started.body);
        }
        pending.set(req, { scope, route: routeKey, key });
      },
    ];
    route.onSend = [
      ...(Array.isArray(route.onSend) ? route.onSend : route.onSend ? [route.onSend] : []),
      async (req, reply, payload) => {
        const p = pending.get(req);
        if (p && reply.getHeader('idempotent-replayed') === undefined) {
          pending.delete(req);
          await idempotency.complete(p.scope, p.route, p.key, reply.statusCode, typeof payload === 'string' ? safeJson(payload) : null);
        }
        return payload;
      },
    ];
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? '(unmatched)';
    if (req.url.startsWith('/api/')) {
      const ctx = req.ctx;
      usage.record({
        at: clock.now(),
        actorType: ctx.actor.type,
        actorId: actorId(ctx.actor),
        teamId: ctx.teamId,
        method: req.method,
        route: req.is404 ? '(unmatched)' : route,
        status: reply.statusCode,
        durationMs: reply.elapsedTime,
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        requestId: req.id,
      });
    }
    // The route template only: URLs and query strings may carry personal data.
    req.log.info({ reqId: req.id, method: req.method, route: req.is404 ? '(unmatched)' : route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

/** The console's built files at `/`, with client-side routes falling back to index.html. */
async function serveConsole(app: FastifyInstance, deps: HttpDeps) {
  const hasConsole = fs.existsSync(path.join(consoleDist, 'index.html'));
  if (hasConsole) {
    await app.register(fastifyStatic, {
      root: consoleDist,
      wildcard: false,
      setHeaders: (reply, file) => {
        reply.header('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  app.setNotFoundHandler((req, reply) => {
    const wantsPage = req.method === 'GET' && !req.url.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html');
    if (hasConsole && wantsPage) return reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html');
    return reply.code(404).send(errorBody(req.id, deps.clock.now(), 'NOT_FOUND', `No route for ${req.method} ${req.url.split('?')[0]}.`));
  });
}
