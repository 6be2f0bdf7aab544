import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok } from '../../../http/envelope.ts';
import { RateLimiter } from '../../../http/rate-limit.ts';
import type { Clock } from '../../../shared/clock.ts';
import { AppError } from '../../../shared/errors.ts';
import { ComputeIdParamsSchema } from '../computes.schemas.ts';
import { MAX_PUSH_BYTES } from './agent-payload.ts';
import type { MetricsService, MetricsView } from './metrics.service.ts';
import { ComputeMetricsSchema, MetricsQuerySchema } from './metrics.schemas.ts';

export interface MetricsRouteDeps {
  clock: Clock;
  metrics: MetricsService;
  /** Pushes one compute's agent may make per minute (it pushes twice; retries and restarts need room). */
  ingestPerMinute: number;
}

/** Token requests per minute from one address: a relay asks for every machine behind it. */
const METADATA_PER_MINUTE = 600;
/** Refused agent credentials per minute from one address before it is made to wait. */
const FAILED_AUTH_PER_MINUTE = 60;
const AGENT_CONTENT_TYPES = new Set(['application/timeseries-binary-0', 'application/json']);

const present = (m: MetricsView) => ({
  ...m,
  from: m.from.toISOString(),
  to: m.to.toISOString(),
  series: m.series.map((s) => ({ ...s, timestamps: s.timestamps.map((t) => t.toISOString()) })),
  agent: { version: m.agent.version, lastPushAt: m.agent.lastPushAt?.toISOString() ?? null, lastHeartbeatAt: m.agent.lastHeartbeatAt?.toISOString() ?? null },
});

/**
 * Compute metrics: the graphs' data for the API and console, and the three routes the product's
 * metrics agent calls, at the paths it calls them (`<base_url>/metadata/v1/auth-token`,
 * `<cloudAPIUrl>/resource-manager/api/v1/…`). The agent's routes speak its protocol, not our
 * public API, so they are left out of the OpenAPI document.
 */
export function computeMetricsRoutes(app: FastifyInstance, deps: MetricsRouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  r.get('/api/v1/computes/:id/metrics', {
    schema: {
      summary: 'Get a compute\'s metrics',
      description: 'CPU, memory, load, disk, network and filesystem over `range`. Not in the Strettch contract. Any member (`compute.read`).',
      tags: ['Computes'], security: [{ BearerAuth: [] }],
      params: ComputeIdParamsSchema,
      querystring: MetricsQuerySchema,
      response: { 200: envelope(ComputeMetricsSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), present(await deps.metrics.series(req.ctx, req.params.id, req.query.range))));

  const limiter = new RateLimiter(60_000);
  /** 429 with Retry-After once `key` has used its `limit` in the current minute. */
  const limit = (reply: FastifyReply, key: string, max: number) => {
    const t = now().getTime();
    const d = limiter.hit(key, max, t);
    if (!d.allowed) {
      reply.header('retry-after', Math.max(1, Math.ceil((d.resetAt - t) / 1000)));
      throw new AppError('TOO_MANY_REQUESTS');
    }
  };
  // An address that keeps sending wrong tokens is made to wait without a database query.
  const blocked = new Map<string, number>();
  const agentOf = async (req: FastifyRequest, reply: FastifyReply) => {
    const ip = req.ip || 'unknown';
    const t = now().getTime();
    const until = blocked.get(ip);
    if (until !== undefined && until > t) {
      reply.header('retry-after', Math.max(1, Math.ceil((until - t) / 1000)));
      throw new AppError('TOO_MANY_REQUESTS');
    }
    if (until !== undefined) blocked.delete(ip);
    try {
      const agent = await deps.metrics.authenticateAgent(req.headers.authorization);
      limit(reply, `ingest:${agent.computeId}`, deps.ingestPerMinute);
      return agent;
    } catch (err) {
      if (err instanceof AppError && err.code === 'UNAUTHORIZED') {
        const d = limiter.hit(`auth-failures:${ip}`, FAILED_AUTH_PER_MINUTE, t);
        if (!d.allowed) {
          if (blocked.size > 10_000) for (const [k, v] of blocked) if (v <= t) blocked.delete(k);
          blocked.set(ip, d.resetAt);
        }
      }
      throw err;
    }
  };
  const bodyOf = (req: FastifyRequest) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!AGENT_CONTENT_TYPES.has(type)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send application/timeseries-binary-0 (snappy-compressed JSON) or application/json.');
    return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  };
  const encodingOf = (req: FastifyRequest) => (typeof req.headers['content-encoding'] === 'string' ? req.headers['content-encoding'] : undefined);

  // The agent's bodies are snappy-compressed whatever their type says: read raw, decode in the service.
  app.register(async (agentScope) => {
    agentScope.removeAllContentTypeParsers();
    agentScope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_PUSH_BYTES }, (_req, body, done) => done(null, body));

    agentScope.get('/metadata/v1/auth-token', { schema: { hide: true } }, async (req, reply) => {
      // The TCP peer itself, never X-Forwarded-For (TRUST_PROXY): a forwarded address is whatever the client wrote.
      const peer = req.socket.remoteAddress ?? null;
      limit(reply, `metadata:${peer ?? 'unknown'}`, METADATA_PER_MINUTE);
      const resourceId = req.headers['x-resource-id'];
      const answer = await deps.metrics.issueAgentToken({ resourceId: typeof resourceId === 'string' ? resourceId : undefined, sourceIp: peer });
      // The agent reads `token` and `cloudAPIUrl` at the top level, as the product's metadata service answers.
      return reply.header('cache-control', 'no-store').send(answer);
    });

    agentScope.post('/resource-manager/api/v1/metrics/ingest', { schema: { hide: true }, bodyLimit: MAX_PUSH_BYTES }, async (req, reply) => {
      const agent = await agentOf(req, reply);
      const outcome = await deps.metrics.ingest(agent, bodyOf(req), encodingOf(req));
      // Our envelope around the resource manager's `data`; the agent looks only at the status.
      return reply.code(202).send(ok(req.id, now(), { status: 'metrics processed', ...outcome }, 'Metrics queued for processing'));
    });

    agentScope.post('/resource-manager/api/v1/compute/agent/heartbeat', { schema: { hide: true }, bodyLimit: 4096 }, async (req, reply) => {
      const agent = await agentOf(req, reply);
      const beat = await deps.metrics.heartbeat(agent, bodyOf(req), encodingOf(req));
      return reply.code(200).send(ok(req.id, now(), beat, 'Heartbeat received'));
    });
  });
}
