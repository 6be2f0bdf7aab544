import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { AppError } from '../../shared/errors.ts';
import { errorBody } from '../../http/envelope.ts';
import { getMailboxMessage, listMailbox, listSmsOutbox, verifyResendWebhook, WebhookSignatureError } from './providers/index.ts';
import type { NotificationsService } from './notifications.service.ts';
import type { MailboxMessage, OutboxSms } from './providers/index.ts';

const presentMail = (m: MailboxMessage) => ({
  id: m.id, from: m.fromAddress, to: m.toAddress, subject: m.subject, html: m.html, text: m.text, tags: m.tags, createdAt: m.createdAt.toISOString(),
});
const presentSms = (m: OutboxSms) => ({ id: m.id, to: m.toNumber, text: m.text, route: m.route, createdAt: m.createdAt.toISOString() });

export interface NotificationRouteDeps {
  config: Config;
  clock: Clock;
  database: Database;
  notifications: NotificationsService;
}

/**
 * Resend's delivery webhooks. The signature is checked over the raw body, with the timestamp
 * inside five minutes of our clock; a forged or stale delivery is refused and changes nothing.
 */
export function notificationWebhookRoutes(app: FastifyInstance, deps: NotificationRouteDeps) {
  app.register(async (scope) => {
    // This scope keeps JSON bodies as the exact bytes that were signed.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));

    scope.post('/webhooks/resend', { config: { auth: 'public' }, schema: { hide: true } }, async (req, reply) => {
      const secret = deps.config.RESEND_WEBHOOK_SECRET;
      if (!secret) return reply.code(404).send(errorBody(req.id, deps.clock.now(), 'NOT_FOUND', 'Resend webhooks are not configured.'));
      let event;
      try {
        event = verifyResendWebhook(
          typeof req.body === 'string' ? req.body : '',
          {
            'svix-id': header(req.headers['svix-id']),
            'svix-timestamp': header(req.headers['svix-timestamp']),
            'svix-signature': header(req.headers['svix-signature']),
          },
          secret,
          deps.clock.now(),
        );
      } catch (err) {
        if (err instanceof WebhookSignatureError) {
          // Correctly signed but unreadable is a bad request; everything else is an unproven sender.
          if (err.reason === 'invalid_payload') throw new AppError('BAD_REQUEST', 'The webhook payload is not valid JSON.');
          throw new AppError('UNAUTHORIZED', 'The webhook signature is not valid.');
        }
        throw err;
      }
      const outcome = await deps.notifications.applyEmailEvent({
        id: event.id,
        type: event.type,
        emailId: event.data.email_id,
        bounceType: event.data.bounce?.type ?? null,
      });
      return { success: true, data: { outcome } };
    });
  });
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The built-in mailbox and SMS outbox, newest first: what Resend, Pindo and SNS would have
 * received. Mounted only while the sandboxes are on; 404 otherwise.
 */
export function devMessageRoutes(app: FastifyInstance, deps: NotificationRouteDeps) {
  if (!deps.config.sandboxesEnabled) return;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const query = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });
  r.get('/api/dev/mail', { config: { auth: 'public' }, schema: { hide: true, querystring: query } }, async (req) => ({
    data: (await listMailbox(deps.database.db, { limit: req.query.limit })).map(presentMail),
  }));
  r.get('/api/dev/mail/:id', { config: { auth: 'public' }, schema: { hide: true, params: z.object({ id: z.uuid() }) } }, async (req) => {
    const message = await getMailboxMessage(deps.database.db, req.params.id);
    if (!message) throw new AppError('RESOURCE_NOT_FOUND', 'No such message in the mailbox.');
    return { data: presentMail(message) };
  });
  r.get('/api/dev/sms', { config: { auth: 'public' }, schema: { hide: true, querystring: query } }, async (req) => ({
    data: (await listSmsOutbox(deps.database.db, { limit: req.query.limit })).map(presentSms),
  }));
}
