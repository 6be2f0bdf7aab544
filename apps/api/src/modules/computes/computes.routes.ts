import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, paginatedEnvelope, PaginationQuerySchema } from '../../http/envelope.ts';
import type { Clock } from '../../shared/clock.ts';
import { IdempotencyService } from '../idempotency/idempotency.service.ts';
import type { ActionView, ComputeChange, ComputesService, ComputeView } from './computes.service.ts';
import {
  ActionIdParamsSchema,
  ActionResponseSchema,
  ComputeCreateSchema,
  ComputeIdParamsSchema,
  ComputeListQuerySchema,
  ComputeResponseSchema,
  ComputeUpsizeSchema,
  IdempotencyHeadersSchema,
} from './computes.schemas.ts';

const security = [{ BearerAuth: [] }];
const tags = ['Computes'];
const iso = (d: Date | null) => (d ? d.toISOString() : null);

const present = (c: ComputeView | ComputeChange) => {
  const { ipv4, createdAt, updatedAt, ...rest } = c;
  // The contract types ipv4 as a string: a compute without a public IP leaves it out.
  return { ...rest, ...(ipv4 ? { ipv4 } : {}), createdAt: createdAt.toISOString(), updatedAt: updatedAt.toISOString() };
};
const presentAction = (a: ActionView) => ({ ...a, createdAt: a.createdAt.toISOString(), startedAt: iso(a.startedAt), finishedAt: iso(a.finishedAt) });

const accepted = envelope(
  ComputeResponseSchema,
  'Accepted: the change runs as an action (`actionId`), the compute in its transitional state until it ends: poll GET /computes/{id} or GET /actions/{actionId}. ' +
    'Refused with `CONFLICT` while another action of the compute is pending or running.',
);
/** Errors of a change; `costs` when billing's guard is asked first (start, reboot, upsize; never stop or destroy). */
const changeErrors = (costs: boolean, ...extra: Parameters<typeof errorResponses>) =>
  errorResponses(
    400, 401,
    [403, costs ? ['FORBIDDEN', 'INSUFFICIENT_BALANCE', 'TEAM_SUSPENDED', 'TEAM_PAST_DUE', 'TEAM_TERMINATED'] : ['FORBIDDEN']],
    404, [409, ['CONFLICT']], 429, 500, ...extra,
  );

/**
 * Computes and their actions (Strettch Cloud public API, wire-compatible; reference §2). Every
 * change answers 202 and runs as an action; the team is the API key's (or the console's selected team).
 */
export function computesRoutes(app: FastifyInstance, deps: { clock: Clock; computes: ComputesService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();
  const offset = (q: { page: number; limit: number }) => ({ limit: q.limit, offset: (q.page - 1) * q.limit });

  r.get('/api/v1/computes', {
    schema: {
      summary: 'List compute instances',
      description: 'The team\'s computes that are not destroyed, newest first. `tag` keeps those carrying that tag. Any member (`compute.read`).',
      tags, security,
      querystring: ComputeListQuerySchema,
      response: { 200: paginatedEnvelope(ComputeResponseSchema), ...errorResponses(400, 401, 403, 429, 500) },
    },
  }, async (req) => {
    const { rows, total } = await deps.computes.list(req.ctx, { ...offset(req.query), tag: req.query.tag });
    return page(req.id, now(), rows.map(present), { total, page: req.query.page, limit: req.query.limit });
  });

  r.post('/api/v1/computes', {
    config: { idempotency: true },
    // The key is checked before the body, so a request without one is INVALID_IDEMPOTENCY_KEY whatever else is wrong.
    preValidation: async (req) => void IdempotencyService.validateKey(headerOf(req.headers['idempotency-key'])),
    schema: {
      summary: 'Create a compute instance',
      description:
        'Creates a compute in the team: it is `CREATING` at once and `RUNNING` when the machine has booted (follow `actionId`). ' +
        'A private IPv4 in the team\'s network always; a public one with `withPublicIp`, within the team\'s limit (`PUBLIC_IP_LIMIT_REACHED`). ' +
        'Needs enough balance (`INSUFFICIENT_BALANCE`), a team in good standing and a host with room (`CAPACITY_EXHAUSTED`). Owner and Admin (`compute.write`). ' +
        'Requires an `Idempotency-Key` header (UUID v4, else `INVALID_IDEMPOTENCY_KEY`); repeating the request with the same key answers the first response and creates nothing.',
      tags, security,
      headers: IdempotencyHeadersSchema,
      body: ComputeCreateSchema,
      response: {
        202: accepted,
        ...errorResponses(
          [400, ['BAD_REQUEST', 'VALIDATION_ERROR', 'MALFORMED_JSON', 'INVALID_IDEMPOTENCY_KEY']],
          401,
          [403, ['FORBIDDEN', 'INSUFFICIENT_BALANCE', 'TEAM_SUSPENDED', 'TEAM_PAST_DUE', 'TEAM_TERMINATED', 'PUBLIC_IP_LIMIT_REACHED']],
          [404, ['RESOURCE_NOT_FOUND']],
          [409, ['CONFLICT']],
          [422, ['IDEMPOTENCY_KEY_REUSED']],
          429, 500, [503, ['SERVICE_UNAVAILABLE', 'CAPACITY_EXHAUSTED']],
        ),
      },
    },
  }, async (req, reply) => reply.code(202).send(ok(req.id, now(), present(await deps.computes.create(req.ctx, req.body)), 'Compute is being created')));

  r.get('/api/v1/computes/:id', {
    schema: {
      summary: 'Get a compute instance',
      description: 'One compute of the team, destroyed ones included (state `DESTROYED`). Another team\'s compute is `RESOURCE_NOT_FOUND`. Any member (`compute.read`).',
      tags, security,
      params: ComputeIdParamsSchema,
      response: { 200: envelope(ComputeResponseSchema), ...errorResponses(401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), present(await deps.computes.get(req.ctx, req.params.id))));

  r.delete('/api/v1/computes/:id', {
    schema: {
      summary: 'Delete a compute instance',
      description:
        'Destroys the compute and its disk: `DESTROYING`, then `DESTROYED`. Billing stops at once; its addresses are released when the machine is gone. ' +
        `Owner and Admin (\`compute.delete\`).`,
      tags, security,
      params: ComputeIdParamsSchema,
      response: { 202: accepted, ...changeErrors(false) },
    },
  }, async (req, reply) => reply.code(202).send(ok(req.id, now(), present(await deps.computes.destroy(req.ctx, req.params.id)), 'Compute is being destroyed')));

  r.post('/api/v1/computes/:id/reboot', {
    schema: {
      summary: 'Reboot a compute instance',
      description: `Reboots a RUNNING compute: \`REBOOTING\`, then \`RUNNING\`. Owner and Admin (\`compute.power\`).`,
      tags, security,
      params: ComputeIdParamsSchema,
      response: { 202: accepted, ...changeErrors(true) },
    },
  }, async (req, reply) => reply.code(202).send(ok(req.id, now(), present(await deps.computes.reboot(req.ctx, req.params.id)), 'Compute is rebooting')));

  r.post('/api/v1/computes/:id/start', {
    schema: {
      summary: 'Start a compute instance',
      description: `Powers on a STOPPED compute: \`STARTING\`, then \`RUNNING\`. Owner and Admin (\`compute.power\`).`,
      tags, security,
      params: ComputeIdParamsSchema,
      response: { 202: accepted, ...changeErrors(true) },
    },
  }, async (req, reply) => reply.code(202).send(ok(req.id, now(), present(await deps.computes.start(req.ctx, req.params.id)), 'Compute is starting')));

  r.post('/api/v1/computes/:id/stop', {
    schema: {
      summary: 'Stop a compute instance',
      description:
        'Graceful shutdown of a RUNNING compute (ACPI), powered off hard if the guest has not stopped in time: `STOPPING`, then `STOPPED`. ' +
        `A stopped compute is still billed (its resources stay reserved); only deleting it stops billing. Owner and Admin (\`compute.power\`).`,
      tags, security,
      params: ComputeIdParamsSchema,
      response: { 202: accepted, ...changeErrors(false) },
    },
  }, async (req, reply) => reply.code(202).send(ok(req.id, now(), present(await deps.computes.stop(req.ctx, req.params.id)), 'Compute is stopping')));

  r.patch('/api/v1/computes/:id/upsize', {
    schema: {
      summary: 'Upsize a compute instance',
      description:
        'Moves a STOPPED compute to a larger specification (no less CPU, memory or disk, and more of something): `RESIZING`, then `STOPPED`; start it afterwards. ' +
        'A running compute is refused with `COMPUTE_RUNNING`, a smaller or equal specification with `BAD_REQUEST`. ' +
        `Owner and Admin (\`compute.write\`).`,
      tags, security,
      params: ComputeIdParamsSchema,
      body: ComputeUpsizeSchema,
      response: { 202: accepted, ...changeErrors(true, [400, ['BAD_REQUEST', 'VALIDATION_ERROR', 'COMPUTE_RUNNING']], [503, ['CAPACITY_EXHAUSTED']]) },
    },
  }, async (req, reply) => reply.code(202).send(ok(req.id, now(), present(await deps.computes.upsize(req.ctx, req.params.id, req.body.newSpecification)), 'Compute is being upsized')));

  r.get('/api/v1/computes/:id/actions', {
    schema: {
      summary: 'List a compute\'s actions',
      description: 'Every change of the compute, newest first, with its status, progress and error. Not in the Strettch contract. Any member (`compute.read`).',
      tags, security,
      params: ComputeIdParamsSchema,
      querystring: PaginationQuerySchema,
      response: { 200: paginatedEnvelope(ActionResponseSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => {
    const { rows, total } = await deps.computes.listActions(req.ctx, req.params.id, offset(req.query));
    return page(req.id, now(), rows.map(presentAction), { total, page: req.query.page, limit: req.query.limit });
  });

  r.get('/api/v1/actions/:actionId', {
    schema: {
      summary: 'Get an action',
      description: 'One change of a compute: `pending`, `running` (with `progress` 0–100), `succeeded` or `failed` (with `error`). Not in the Strettch contract. Any member (`compute.read`).',
      tags: ['Actions'], security,
      params: ActionIdParamsSchema,
      response: { 200: envelope(ActionResponseSchema), ...errorResponses(401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), presentAction(await deps.computes.getAction(req.ctx, req.params.actionId))));
}

function headerOf(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
