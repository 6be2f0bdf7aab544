import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorBody, ok, ErrorResponseSchema } from '../../http/envelope.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';

export const VERSION = '0.1.0';

const HealthResponseSchema = z
  .object({
    service: z.string().meta({ example: 'public-api' }),
    status: z.string().describe('`ok` when the service and its database answer.').meta({ example: 'ok' }),
    version: z.string().describe('Version of this installation.'),
    sandboxes: z.boolean().describe('True when built-in provider sandboxes stand in for payments, e-mail, SMS and sign-in.'),
    hypervisor: z.enum(['fake', 'qemu', 'proxmox']).describe('What computes run on: `fake` simulates them in memory (demos and tests only).'),
  })
  .meta({ id: 'HealthResponse' });

export function systemRoutes(app: FastifyInstance, deps: { clock: Clock; database: Database; config: Config; hypervisor: { kind: 'fake' | 'qemu' | 'proxmox' } }) {
  app.withTypeProvider<ZodTypeProvider>().get('/api/v1/health', {
    config: { auth: 'public' },
    schema: {
      summary: 'Service health check',
      description: 'Health of the service and its database. Needs no authentication.',
      tags: ['System'],
      response: { 200: envelope(HealthResponseSchema), 503: ErrorResponseSchema },
    },
  }, async (req, reply) => {
    try {
      await deps.database.db.execute(sql`select 1`);
    } catch {
      return reply.code(503).send(errorBody(req.id, deps.clock.now(), 'SERVICE_UNAVAILABLE', 'The database does not answer.'));
    }
    return ok(req.id, deps.clock.now(), { service: 'public-api', status: 'ok', version: VERSION, sandboxes: deps.config.sandboxesEnabled, hypervisor: deps.hypervisor.kind });
  });
}
