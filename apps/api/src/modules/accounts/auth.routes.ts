import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config.ts';
import type { Clock } from '../../shared/clock.ts';
import { envelope, errorResponses, ok } from '../../http/envelope.ts';
import { cookieOptions, cookies } from '../privacy/cookies.ts';
import { SignInProviderResponseSchema } from './accounts.schemas.ts';
import type { SessionsService } from './sessions.service.ts';
import { ATTEMPT_TTL_MS, type SignInOutcome, type SignInService } from './sign-in.service.ts';

export interface AuthRouteDeps {
  config: Config;
  clock: Clock;
  signIn: SignInService;
  sessions: SessionsService;
}

const ProviderParams = z.object({ provider: z.string().max(40) });

/** The cookies a request brought, parsed on demand (the cookie plugin does not parse every request). */
export function requestCookies(app: FastifyInstance, req: FastifyRequest): Record<string, string | undefined> {
  return req.headers.cookie ? app.parseCookie(req.headers.cookie) : {};
}

/** Where a failed sign-in lands: the console's sign-in page, or the settings page a link started from. */
function failureLocation(outcome: Extract<SignInOutcome, { ok: false }>): string {
  const to = new URL(outcome.linking ? outcome.returnTo : '/sign-in', 'http://x');
  to.searchParams.set('error', outcome.reason);
  return `${to.pathname}${to.search}${to.hash}`;
}

/**
 * Browser sign-in: `/auth/{provider}/start` → the provider → `/auth/{provider}/callback` → the
 * console, and `/auth/logout`. These answer redirects, not JSON, and stay out of the OpenAPI
 * document; the console finds them through `GET /api/v1/auth/providers`.
 */
export function authRoutes(app: FastifyInstance, deps: AuthRouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { config, signIn, sessions } = deps;
  const publicUrl = config.PUBLIC_URL;
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  r.get('/api/v1/auth/providers', {
    config: { auth: 'public' },
    schema: {
      summary: 'List sign-in providers',
      description:
        'The ways to sign in to the console on this installation: Google and GitHub when configured, or the built-in development ' +
        'sign-in while the sandboxes are on and neither is. Registration and sign-in happen only through these providers.',
      tags: ['Account'],
      response: { 200: envelope(z.array(SignInProviderResponseSchema)), ...errorResponses(429, 500) },
    },
  }, async (req) => ok(req.id, deps.clock.now(), signIn.providers().map((p) => ({ id: p.id, name: p.label, startUrl: `/auth/${p.id}/start` }))));

  r.get('/auth/:provider/start', {
    config: { auth: 'public' },
    schema: { hide: true, params: ProviderParams, querystring: z.object({ returnTo: z.unknown().optional() }) },
  }, async (req, reply) => {
    const started = await signIn.start(req.ctx, req.params.provider, { returnTo: req.query.returnTo });
    reply.setCookie(cookies.sc_signin.name, started.attemptId, cookieOptions('sc_signin', publicUrl, ATTEMPT_TTL_MS / 1000));
    return noStore(reply).redirect(started.authorizationUrl, 302);
  });

  r.get('/auth/:provider/callback', {
    config: { auth: 'public' },
    schema: { hide: true, params: ProviderParams },
  }, async (req, reply) => {
    const jar = requestCookies(app, req);
    const outcome = await signIn.callback(req.ctx, req.params.provider, {
      attemptId: jar[cookies.sc_signin.name],
      callbackUrl: new URL(`${publicUrl}${req.url}`),
      previousSessionToken: jar[cookies.sc_session.name],
    });
    reply.clearCookie(cookies.sc_signin.name, cookieOptions('sc_signin', publicUrl, 0));
    noStore(reply);
    if (!outcome.ok) {
      req.log.warn({ reqId: req.id, provider: req.params.provider, reason: outcome.reason, err: outcome.error }, 'sign-in refused');
      return reply.redirect(failureLocation(outcome), 302);
    }
    if (outcome.session) reply.setCookie(cookies.sc_session.name, outcome.session.token, cookieOptions('sc_session', publicUrl, sessions.maxAgeSeconds));
    return reply.redirect(outcome.returnTo, 302);
  });

  // A POST (with the CSRF check of every cookie-authenticated change), so no other site can sign a person out.
  r.post('/auth/logout', { config: { auth: 'public' }, schema: { hide: true } }, async (req, reply) => {
    await sessions.end(req.ctx, requestCookies(app, req)[cookies.sc_session.name]);
    reply.clearCookie(cookies.sc_session.name, cookieOptions('sc_session', publicUrl, 0));
    return noStore(reply).code(204).send();
  });
}
