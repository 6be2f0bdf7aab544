import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, paginatedEnvelope, PaginationQuerySchema } from '../../http/envelope.ts';
import type { Clock } from '../../shared/clock.ts';
import type { SshKeysService, SshKeyView } from './ssh-keys.service.ts';
import { SshKeyCreateSchema, SshKeyIdParamsSchema, SshKeyResponseSchema, SshKeyUpdateSchema } from './computes.schemas.ts';

const security = [{ BearerAuth: [] }];
const tags = ['SSH keys'];
const present = (k: SshKeyView) => ({ ...k, createdAt: k.createdAt.toISOString() });

/** SSH keys of the team, chosen when creating computes (not in the Strettch contract). */
export function sshKeysRoutes(app: FastifyInstance, deps: { clock: Clock; sshKeys: SshKeysService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  r.get('/api/v1/ssh-keys', {
    schema: {
      summary: 'List SSH keys',
      description: 'The team\'s SSH keys, newest first, with their fingerprints. Any member (`ssh_key.read`).',
      tags, security,
      querystring: PaginationQuerySchema,
      response: { 200: paginatedEnvelope(SshKeyResponseSchema), ...errorResponses(400, 401, 403, 429, 500) },
    },
  }, async (req) => {
    const { rows, total } = await deps.sshKeys.list(req.ctx, { limit: req.query.limit, offset: (req.query.page - 1) * req.query.limit });
    return page(req.id, now(), rows.map(present), { total, page: req.query.page, limit: req.query.limit });
  });

  r.post('/api/v1/ssh-keys', {
    config: { idempotency: true },
    schema: {
      summary: 'Add an SSH key',
      description:
        'Adds a public key to the team, to choose by id or fingerprint when creating computes (`sshKeys`). A key the team already has is `CONFLICT`. ' +
        'Owner and Admin (`ssh_key.write`). Requires an `Idempotency-Key` header (UUID v4).',
      tags, security,
      body: SshKeyCreateSchema,
      response: { 201: envelope(SshKeyResponseSchema, 'Created'), ...errorResponses(400, 401, 403, 409, [422, ['IDEMPOTENCY_KEY_REUSED']], 429, 500) },
    },
  }, async (req, reply) => reply.code(201).send(ok(req.id, now(), present(await deps.sshKeys.create(req.ctx, req.body)), 'SSH key added')));

  r.get('/api/v1/ssh-keys/:sshKeyId', {
    schema: {
      summary: 'Get an SSH key',
      description: 'One SSH key of the team. Any member (`ssh_key.read`).',
      tags, security,
      params: SshKeyIdParamsSchema,
      response: { 200: envelope(SshKeyResponseSchema), ...errorResponses(401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), present(await deps.sshKeys.get(req.ctx, req.params.sshKeyId))));

  r.patch('/api/v1/ssh-keys/:sshKeyId', {
    schema: {
      summary: 'Rename an SSH key',
      description: 'Changes the key\'s name. Owner and Admin (`ssh_key.write`).',
      tags, security,
      params: SshKeyIdParamsSchema,
      body: SshKeyUpdateSchema,
      response: { 200: envelope(SshKeyResponseSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), present(await deps.sshKeys.rename(req.ctx, req.params.sshKeyId, req.body.name)), 'SSH key renamed'));

  r.delete('/api/v1/ssh-keys/:sshKeyId', {
    schema: {
      summary: 'Delete an SSH key',
      description: 'Removes the key from the team. Computes made with it keep it in their `authorized_keys`. Owner and Admin (`ssh_key.write`).',
      tags, security,
      params: SshKeyIdParamsSchema,
      response: { 200: envelope(SshKeyResponseSchema), ...errorResponses(401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), present(await deps.sshKeys.delete(req.ctx, req.params.sshKeyId)), 'SSH key deleted'));
}
