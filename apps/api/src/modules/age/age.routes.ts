import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok } from '../../http/envelope.ts';
import type { Clock } from '../../shared/clock.ts';
import type { AgeService } from './age.service.ts';
import { AgeStatusResponseSchema, DateOfBirthConfirmSchema, ParentalConsentRequestedResponseSchema, ParentalConsentRequestSchema } from './age.schemas.ts';
import { consentPageStatus, renderConsentPage } from './consent.page.ts';

// A console session or an API key: either acts for the person (an API key for the person who created it).
const security: Record<string, string[]>[] = [{ SessionCookie: [] }, { BearerAuth: [] }];
const tags = ['Age and parental consent'];

export function ageRoutes(app: FastifyInstance, deps: { age: AgeService; clock: Clock }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/me/date-of-birth', {
    schema: {
      summary: 'Show your age status',
      description: 'Your confirmed date of birth, whether the account is limited, and where the parental consent stands for a person under 16.',
      tags,
      security,
      response: { 200: envelope(AgeStatusResponseSchema), ...errorResponses(401, 403, 429, 500) },
    },
  }, async (req) => ok(req.id, deps.clock.now(), await deps.age.status(req.ctx)));

  r.post('/api/v1/me/date-of-birth', {
    schema: {
      summary: 'Confirm your date of birth',
      description:
        'Done once, at the first sign-in; until then the account cannot create resources or make payments. ' +
        'Under 16 (counted in Kigali time) the account stays limited until a parent or guardian consents ' +
        '(privacy notice §7): ask for it with `POST /me/parental-consent`. The date is stored encrypted and ' +
        'used for nothing else; to correct it later, contact support.',
      tags,
      security,
      body: DateOfBirthConfirmSchema,
      response: { 200: envelope(AgeStatusResponseSchema), ...errorResponses(400, 401, 403, [409, ['CONFLICT']], 429, 500) },
    },
  }, async (req) => ok(req.id, deps.clock.now(), await deps.age.confirmDateOfBirth(req.ctx, req.body), 'Date of birth confirmed'));

  r.post('/api/v1/me/parental-consent', {
    schema: {
      summary: 'Ask a parent or guardian for consent',
      description:
        'For an account holder under 16: e-mails your parent or guardian a link to give consent, valid 7 days and usable once. ' +
        'A new request replaces the previous link. Your own e-mail address is refused. Once consent is given, the account is no longer limited.',
      tags,
      security,
      body: ParentalConsentRequestSchema,
      response: {
        202: envelope(ParentalConsentRequestedResponseSchema, 'The e-mail is on its way.'),
        ...errorResponses(400, 401, [403, ['FORBIDDEN', 'DATE_OF_BIRTH_REQUIRED']], [409, ['CONFLICT']], [429, ['TOO_MANY_REQUESTS']], 500),
      },
    },
  }, async (req, reply) => reply.code(202).send(ok(req.id, deps.clock.now(), await deps.age.requestParentalConsent(req.ctx, req.body), 'Consent request sent')));

  // The parent's page: HTML outside the API, authenticated by the token in the link only.
  app.register(async (scope) => {
    if (!scope.hasContentTypeParser('application/x-www-form-urlencoded')) {
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      });
    }
    const s = scope.withTypeProvider<ZodTypeProvider>();
    const params = z.object({ token: z.string().max(128) });
    const noStore = { 'cache-control': 'no-store', 'content-type': 'text/html; charset=utf-8' };

    s.get('/consent/parental/:token', { config: { auth: 'public' }, schema: { hide: true, params } }, async (req, reply) => {
      const view = await deps.age.consentLink(req.ctx.tx, req.params.token);
      return reply.code(consentPageStatus(view)).headers(noStore).send(renderConsentPage(view));
    });

    s.post('/consent/parental/:token', { config: { auth: 'public' }, schema: { hide: true, params } }, async (req, reply) => {
      const ticked = (req.body as Record<string, unknown> | undefined)?.consent === 'yes';
      if (!ticked) {
        const view = await deps.age.consentLink(req.ctx.tx, req.params.token);
        const error = view.state === 'valid';
        return reply.code(consentPageStatus(view, { error })).headers(noStore).send(renderConsentPage(view, { error }));
      }
      const view = await deps.age.giveConsent(req.ctx, req.params.token);
      return reply.code(consentPageStatus(view)).headers(noStore).send(renderConsentPage(view));
    });
  });
}
