import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok } from '../../http/envelope.ts';
import type { Clock } from '../../shared/clock.ts';
import { isAppError } from '../../shared/errors.ts';
import type { PhoneService } from './phone.service.ts';
import { PhoneCodeSentResponseSchema, PhoneStartSchema, PhoneStatusResponseSchema, PhoneVerifiedResponseSchema, PhoneVerifySchema } from './phone.schemas.ts';

// A console session or an API key: either acts for the person (an API key for the person who created it).
const security: Record<string, string[]>[] = [{ SessionCookie: [] }, { BearerAuth: [] }];
const tags = ['Phone verification'];

export function phoneRoutes(app: FastifyInstance, deps: { phone: PhoneService; clock: Clock }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/me/phone', {
    schema: {
      summary: 'Show your phone number',
      description: 'Your verified phone number (masked), and the code waiting to be confirmed, if any. A verified number is required before the first top-up or compute.',
      tags,
      security,
      response: { 200: envelope(PhoneStatusResponseSchema), ...errorResponses(401, 403, 429, 500) },
    },
  }, async (req) => ok(req.id, deps.clock.now(), await deps.phone.status(req.ctx)));

  r.post('/api/v1/me/phone', {
    schema: {
      summary: 'Send a verification code to a phone number',
      description:
        'Sends a 6-digit code by SMS to the number; confirm it with `POST /me/phone/verify` within 10 minutes. ' +
        'One code per minute; a limited number of codes per day for each number, account and network ' +
        '(`429` with `Retry-After` beyond that). Numbers that cannot receive SMS, and numbers of countries ' +
        'this installation does not send to, are refused before anything is sent. Your verified number, if any, ' +
        'stays in place until the new one is confirmed.',
      tags,
      security,
      body: PhoneStartSchema,
      response: { 202: envelope(PhoneCodeSentResponseSchema, 'The code is on its way.'), ...errorResponses(400, 401, 403, [409, ['CONFLICT']], [429, ['TOO_MANY_REQUESTS']], 500) },
    },
  }, async (req, reply) => {
    const sent = await withRetryAfter(reply, () => deps.phone.start(req.ctx, req.body));
    return reply.code(202).send(ok(req.id, deps.clock.now(), sent, 'Verification code sent'));
  });

  r.post('/api/v1/me/phone/verify', {
    schema: {
      summary: 'Confirm a phone number with the code received by SMS',
      description:
        'Checks the code of the last SMS sent. A code works for 10 minutes and 5 tries: the sixth try is refused, ' +
        'even with the right code, and a new code must be requested. On success the number becomes your verified number.',
      tags,
      security,
      body: PhoneVerifySchema,
      response: {
        200: envelope(PhoneVerifiedResponseSchema, 'The number is verified.'),
        ...errorResponses([400, ['VALIDATION_ERROR', 'INVALID_VERIFICATION_CODE', 'VERIFICATION_CODE_EXPIRED']], 401, 403, 429, 500),
      },
    },
  }, async (req) => ok(req.id, deps.clock.now(), await deps.phone.confirm(req.ctx, req.body), 'Phone number verified'));
}

/** Turns a service's "retry in n seconds" into the Retry-After header. */
async function withRetryAfter<T>(reply: FastifyReply, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const seconds = isAppError(err) && err.code === 'TOO_MANY_REQUESTS' ? (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds : undefined;
    if (seconds) reply.header('retry-after', seconds);
    throw err;
  }
}
