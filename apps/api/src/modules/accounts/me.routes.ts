import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config.ts';
import type { Clock } from '../../shared/clock.ts';
import { envelope, errorResponses, ok, page, paginatedEnvelope, PaginationQuerySchema } from '../../http/envelope.ts';
import { cookieOptions, cookies } from '../privacy/cookies.ts';
import { AccountClosureResponseSchema, AccountReactivationResponseSchema, LinkStartBodySchema, LinkStartResponseSchema, MeResponseSchema, MeUpdateSchema, SessionResponseSchema, SignInProviderIdSchema } from './accounts.schemas.ts';
import type { AccountClosureService } from './account-closure.service.ts';
import type { IdentitiesService } from './identities.service.ts';
import type { Me, MeService } from './me.service.ts';
import type { SessionsService } from './sessions.service.ts';
import { ATTEMPT_TTL_MS, type SignInService } from './sign-in.service.ts';

export interface MeRouteDeps {
  config: Config;
  clock: Clock;
  me: MeService;
  identities: IdentitiesService;
  signIn: SignInService;
  sessions: SessionsService;
  closure: AccountClosureService;
}

const security = [{ SessionCookie: [] }];
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The signed-in person's own account, linked providers and sessions (console API, session cookie only). */
export function meRoutes(app: FastifyInstance, deps: MeRouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  const presentMe = (requestId: string, me: Me, message?: string) =>
    ok(requestId, now(), {
      ...me,
      closedAt: iso(me.closedAt),
      reactivationDeadline: iso(me.reactivationDeadline),
      identities: me.identities.map((i) => ({ provider: i.provider, linkedAt: i.linkedAt.toISOString(), lastUsedAt: iso(i.lastUsedAt) })),
      teams: me.teams.map((t) => ({ id: t.teamId, name: t.name, role: t.role })),
    }, message);

  r.get('/api/v1/me', {
    schema: {
      summary: 'Who am I',
      description:
        'The signed-in person: profile from the sign-in provider, linked providers, teams with roles, and the CSRF token this ' +
        'session must send as `X-CSRF-Token` with every change. Console sessions only; an API key gets 403.',
      tags: ['Account'],
      security,
      response: { 200: envelope(MeResponseSchema), ...errorResponses(401, 403, 429, 500) },
    },
  }, async (req) => presentMe(req.id, await deps.me.me(req.ctx)));

  r.patch('/api/v1/me', {
    schema: {
      summary: 'Correct my profile',
      description:
        'Rectification of your name, language and picture (privacy notice §6). Your e-mail address is the one your sign-in provider ' +
        'verified and is not edited here. Answers the same object as `GET /me`.',
      tags: ['Account'],
      security,
      body: MeUpdateSchema,
      response: { 200: envelope(MeResponseSchema), ...errorResponses(400, 401, 403, 429, 500) },
    },
  }, async (req) => presentMe(req.id, await deps.me.update(req.ctx, req.body), 'Profile updated'));

  r.post('/api/v1/me/close', {
    schema: {
      summary: 'Close my account',
      description:
        'Closes your account (privacy notice §5). Refused (409) while you are the Owner of a team with other members: transfer ' +
        'ownership first. Teams you own alone are deleted, which is refused (409) while they still have resources or money ' +
        'owed: destroy or settle those first. You leave every other team, and every API key you created and every session you ' +
        'have (this one included) is revoked. Your data is kept six months, until `reactivationDeadline`: signing in again ' +
        'before then lets you reactivate the account (`POST /me/reactivate`); after it, sign-in is refused and the data is destroyed.',
      tags: ['Account'],
      security,
      response: { 200: envelope(AccountClosureResponseSchema), ...errorResponses(401, 403, 409, 429, 500) },
    },
  }, async (req, reply) => {
    const closed = await deps.closure.close(req.ctx);
    reply.clearCookie(cookies.sc_session.name, cookieOptions('sc_session', deps.config.PUBLIC_URL, 0));
    return ok(req.id, now(), { closedAt: closed.closedAt.toISOString(), reactivationDeadline: closed.reactivationDeadline.toISOString() }, 'Account closed');
  });

  r.post('/api/v1/me/reactivate', {
    schema: {
      summary: 'Reactivate my closed account',
      description:
        'Reopens your closed account before its `reactivationDeadline`; it is the only change a closed account may make. ' +
        'Teams deleted and API keys revoked at closure do not come back. 409 when the account is not closed.',
      tags: ['Account'],
      security,
      response: { 200: envelope(AccountReactivationResponseSchema), ...errorResponses(401, 403, 409, 429, 500) },
    },
  }, async (req) => {
    const done = await deps.closure.reactivate(req.ctx);
    return ok(req.id, now(), { reactivatedAt: done.reactivatedAt.toISOString() }, 'Account reactivated');
  });

  r.post('/api/v1/me/identities/:provider', {
    schema: {
      summary: 'Link a sign-in provider',
      description:
        'Starts linking another provider to your account: send the browser to `authorizationUrl`; after you confirm there, the ' +
        "provider returns to the console's `returnTo` (with `?error=…` when the link was refused, e.g. `already_linked` when that " +
        'provider account belongs to another Strettch Cloud account).',
      tags: ['Account'],
      security,
      params: z.object({ provider: SignInProviderIdSchema }),
      body: LinkStartBodySchema.nullish(),
      response: { 200: envelope(LinkStartResponseSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req, reply) => {
    const started = await deps.signIn.startLink(req.ctx, req.params.provider, req.body?.returnTo);
    reply.setCookie(cookies.sc_signin.name, started.attemptId, cookieOptions('sc_signin', deps.config.PUBLIC_URL, ATTEMPT_TTL_MS / 1000));
    return ok(req.id, now(), { authorizationUrl: started.authorizationUrl });
  });

  r.delete('/api/v1/me/identities/:provider', {
    schema: {
      summary: 'Unlink a sign-in provider',
      description: 'Removes a provider from your account. The last one cannot be removed (409): the account would have no way to sign in.',
      tags: ['Account'],
      security,
      params: z.object({ provider: SignInProviderIdSchema }),
      response: { 200: envelope(z.object({ provider: SignInProviderIdSchema })), ...errorResponses(401, 403, 404, 409, 429, 500) },
    },
  }, async (req) => {
    await deps.identities.unlink(req.ctx, req.params.provider);
    return ok(req.id, now(), { provider: req.params.provider }, 'Provider unlinked');
  });

  r.get('/api/v1/sessions', {
    schema: {
      summary: 'List my sessions',
      description: 'Where you are signed in: every live console session with browser, operating system, IP address and last use, most recent first.',
      tags: ['Sessions'],
      security,
      querystring: PaginationQuerySchema,
      response: { 200: paginatedEnvelope(SessionResponseSchema), ...errorResponses(400, 401, 403, 429, 500) },
    },
  }, async (req) => {
    const { page: p, limit } = req.query;
    const { rows, total } = await deps.sessions.list(req.ctx, { limit, offset: (p - 1) * limit });
    const data = rows.map((s) => ({ ...s, createdAt: s.createdAt.toISOString(), lastUsedAt: s.lastUsedAt.toISOString(), expiresAt: s.expiresAt.toISOString() }));
    return page(req.id, now(), data, { total, page: p, limit });
  });

  r.delete('/api/v1/sessions/:id', {
    schema: {
      summary: 'Sign a session out',
      description: 'Ends one of your sessions, this one included. Another person’s session id answers 404.',
      tags: ['Sessions'],
      security,
      params: z.object({ id: z.uuid() }),
      response: { 200: envelope(z.object({ id: z.uuid(), current: z.boolean() })), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req, reply) => {
    const revoked = await deps.sessions.revoke(req.ctx, req.params.id);
    if (revoked.current) reply.clearCookie(cookies.sc_session.name, cookieOptions('sc_session', deps.config.PUBLIC_URL, 0));
    return ok(req.id, now(), revoked, 'Session ended');
  });

  r.post('/api/v1/sessions/revoke-all', {
    schema: {
      summary: 'Sign out everywhere else',
      description: 'Ends every session of yours except the one making this request (sign out of this one with `POST /auth/logout`).',
      tags: ['Sessions'],
      security,
      response: { 200: envelope(z.object({ revoked: z.number().int().describe('How many sessions were ended.') })), ...errorResponses(401, 403, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), { revoked: await deps.sessions.revokeOthers(req.ctx) }, 'Other sessions ended'));
}
