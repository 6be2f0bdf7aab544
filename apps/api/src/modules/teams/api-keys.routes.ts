import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, paginatedEnvelope, PaginationQuerySchema } from '../../http/envelope.ts';
import type { Clock } from '../../shared/clock.ts';
import type { ApiKeysService, ApiKeyView } from './api-keys.service.ts';
import { ApiKeyCreatedResponseSchema, ApiKeyCreateSchema, ApiKeyIdParamsSchema, ApiKeyResponseSchema } from './teams.schemas.ts';

const security = [{ BearerAuth: [] }];
const tags = ['API keys'];

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const present = (k: ApiKeyView) => ({ ...k, createdAt: k.createdAt.toISOString(), expiresAt: iso(k.expiresAt), lastUsedAt: iso(k.lastUsedAt) });

/** API keys of the caller's team (the key's team, or the team the console has selected). */
export function apiKeysRoutes(app: FastifyInstance, deps: { clock: Clock; apiKeys: ApiKeysService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  r.get('/api/v1/api-keys', {
    schema: {
      summary: 'List API keys',
      description:
        'Keys of the team that are not revoked, newest first, with when and from which IP address each was last used. ' +
        'Members see the keys they created; Owners and Admins (`api_key.manage`) see every key. The secret is never shown again.',
      tags, security,
      querystring: PaginationQuerySchema,
      response: { 200: paginatedEnvelope(ApiKeyResponseSchema), ...errorResponses(400, 401, 403, 429, 500) },
    },
  }, async (req) => {
    const { rows, total } = await deps.apiKeys.list(req.ctx, { limit: req.query.limit, offset: (req.query.page - 1) * req.query.limit });
    return page(req.id, now(), rows.map(present), { total, page: req.query.page, limit: req.query.limit });
  });

  r.post('/api/v1/api-keys', {
    config: { idempotency: true },
    schema: {
      summary: 'Create an API key',
      description:
        'Creates a key for the team; the response holds the secret `sc_…`, shown this once. The key acts with your role in the team ' +
        'at each request (a role change applies at once; if you leave the team, the key stops working), narrowed to `scopes` when given, until `expiresAt`. ' +
        'A key cannot hold a permission you lack. Requires an `Idempotency-Key` header (UUID v4).',
      tags, security,
      body: ApiKeyCreateSchema,
      response: {
        201: envelope(ApiKeyCreatedResponseSchema, 'Created'),
        ...errorResponses(400, 401, 403, [422, ['IDEMPOTENCY_KEY_REUSED']], 429, 500),
      },
    },
  }, async (req, reply) => {
    const key = await deps.apiKeys.issue(req.ctx, {
      name: req.body.name,
      scopes: req.body.scopes ?? null,
      expiresAt: req.body.expiresAt ? new Date(req.body.expiresAt) : null,
    });
    return reply.code(201).send(ok(req.id, now(), { ...present(key), secret: key.secret }, 'API key created: store the secret now, it is not shown again'));
  });

  r.delete('/api/v1/api-keys/:apiKeyId', {
    schema: {
      summary: 'Revoke an API key',
      description: 'The key stops working at once. Your own keys with `api_key.write`; anyone\'s with `api_key.manage` (Owner and Admin).',
      tags, security,
      params: ApiKeyIdParamsSchema,
      response: { 200: envelope(ApiKeyResponseSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), present(await deps.apiKeys.revoke(req.ctx, req.params.apiKeyId)), 'API key revoked'));
}
