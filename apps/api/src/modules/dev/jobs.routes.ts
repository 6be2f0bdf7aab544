import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import type { JobQueue, JobRow } from '../../jobs/index.ts';

/** What an operator sees of a job: never its payload, which may hold personal data. */
export function presentJob(j: JobRow) {
  return {
    id: j.id, name: j.name, status: j.status, attempts: j.attempts, maxAttempts: j.maxAttempts,
    runAt: j.runAt.toISOString(), lastError: j.lastError, createdAt: j.createdAt.toISOString(),
    finishedAt: j.finishedAt?.toISOString() ?? null,
  };
}

/**
 * Job queue views of the embedded default (`strettch jobs` does the same against a configured
 * database): list jobs by status, for example the dead ones, and put a dead job back in the queue.
 */
export function devJobRoutes(app: FastifyInstance, deps: { config: Config; jobs: JobQueue; database: Database }) {
  if (!deps.config.sandboxesEnabled) return;
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/dev/jobs', {
    config: { auth: 'public' },
    schema: {
      hide: true,
      querystring: z.object({
        status: z.enum(['queued', 'running', 'succeeded', 'dead']).optional(),
        name: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
    },
  }, async (req) => ({ data: (await deps.jobs.listJobs(deps.database.db, req.query)).map(presentJob) }));

  r.post('/api/dev/jobs/:id/retry', {
    config: { auth: 'public' },
    schema: { hide: true, params: z.object({ id: z.coerce.number().int().positive() }) },
  }, async (req) => ({ data: presentJob(await deps.jobs.retryDeadJob(deps.database.db, req.params.id)) }));
}
