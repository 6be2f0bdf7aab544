import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, paginatedEnvelope, PaginationQuerySchema } from '../../http/envelope.ts';
import type { Clock } from '../../shared/clock.ts';
import type { DomainsService, DomainView, RrsetView } from './domains.service.ts';
import type { ReverseDns } from './reverse.ts';
import {
  DomainCreateSchema,
  DomainParamsSchema,
  DomainResponseSchema,
  ImportAcceptSchema,
  ImportResultSchema,
  ImportReviewSchema,
  RrsetParamsSchema,
  RrsetPutSchema,
  RrsetResponseSchema,
  ReverseDnsParamsSchema,
  ReverseDnsSchema,
} from './dns.schemas.ts';

const security = [{ BearerAuth: [] }];
const tags = ['DNS'];
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const domain = (d: DomainView) => ({ ...d, createdAt: d.createdAt.toISOString(), checkedAt: iso(d.checkedAt), statusChangedAt: d.statusChangedAt.toISOString() });
const rrset = (r: RrsetView) => ({ ...r, updatedAt: r.updatedAt.toISOString() });

/** DNS hosting (not in the Strettch public contract, in its style). Reading: any member (`dns.read`); changes: Owner and Admin (`dns.write`). */
export function dnsRoutes(app: FastifyInstance, deps: { clock: Clock; domains: DomainsService; reverseDns: ReverseDns }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();
  const d = deps.domains;

  r.get('/api/v1/domains', {
    schema: { summary: 'List domains', tags, security, querystring: PaginationQuerySchema, response: { 200: paginatedEnvelope(DomainResponseSchema), ...errorResponses(400, 401, 403, 429, 500) } },
  }, async (req) => {
    const { rows, total } = await d.list(req.ctx, { limit: req.query.limit, offset: (req.query.page - 1) * req.query.limit });
    return page(req.id, now(), rows.map(domain), { total, page: req.query.page, limit: req.query.limit });
  });

  r.post('/api/v1/domains', {
    config: { idempotency: true },
    schema: {
      summary: 'Add a domain',
      description: 'Served at once; `ACTIVE` when delegated to `nameservers`, `INACTIVE` after 24 h without. Requires an `Idempotency-Key` (UUID v4).',
      tags, security, body: DomainCreateSchema,
      response: { 201: envelope(DomainResponseSchema, 'Created'), ...errorResponses(400, 401, 403, [409, ['CONFLICT', 'DOMAIN_TAKEN']], [422, ['IDEMPOTENCY_KEY_REUSED']], 429, 500) },
    },
  }, async (req, reply) => reply.code(201).send(ok(req.id, now(), domain(await d.add(req.ctx, req.body)), 'Domain added')));

  r.get('/api/v1/domains/:name', {
    schema: { summary: 'Get a domain', tags, security, params: DomainParamsSchema, response: { 200: envelope(DomainResponseSchema), ...errorResponses(401, 403, 404, 429, 500) } },
  }, async (req) => ok(req.id, now(), domain(await d.get(req.ctx, req.params.name))));

  r.delete('/api/v1/domains/:name', {
    schema: { summary: 'Delete a domain and its records', tags, security, params: DomainParamsSchema, response: { 200: envelope(DomainResponseSchema), ...errorResponses(401, 403, 404, 429, 500) } },
  }, async (req) => ok(req.id, now(), domain(await d.remove(req.ctx, req.params.name)), 'Domain deleted'));

  r.get('/api/v1/domains/:name/rrsets', {
    schema: { summary: 'List record sets', tags, security, params: DomainParamsSchema, response: { 200: envelope(RrsetResponseSchema.array()), ...errorResponses(401, 403, 404, 429, 500) } },
  }, async (req) => ok(req.id, now(), (await d.rrsets(req.ctx, req.params.name)).map(rrset)));

  r.put('/api/v1/domains/:name/rrsets/:recordName/:type', {
    schema: {
      summary: 'Create or replace a record set',
      description: 'Idempotent: the set becomes exactly `records`. Validated as the RFCs require (CNAME alone and never at the apex, host-name targets, CAA, TTL bounds).',
      tags, security, params: RrsetParamsSchema, body: RrsetPutSchema,
      response: { 200: envelope(RrsetResponseSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => {
    const { rrset: saved, created } = await d.putRrset(req.ctx, req.params.name, req.params.recordName, req.params.type, req.body);
    return ok(req.id, now(), rrset(saved), created ? 'Records created' : 'Records replaced');
  });

  r.delete('/api/v1/domains/:name/rrsets/:recordName/:type', {
    schema: { summary: 'Delete a record set', tags, security, params: RrsetParamsSchema, response: { 200: envelope(RrsetResponseSchema), ...errorResponses(400, 401, 403, 404, 429, 500) } },
  }, async (req) => ok(req.id, now(), rrset(await d.deleteRrset(req.ctx, req.params.name, req.params.recordName, req.params.type)), 'Records deleted'));

  r.get('/api/v1/domains/:name/import', {
    schema: {
      summary: 'Review imported records',
      description: 'What the previous DNS host served, found when the domain was added; `data` is null until found.',
      tags, security, params: DomainParamsSchema,
      response: { 200: envelope(ImportReviewSchema.nullable()), ...errorResponses(401, 403, 404, 429, 500) },
    },
  }, async (req) => {
    const review = await d.importReview(req.ctx, req.params.name);
    return ok(req.id, now(), review ? { ...review, foundAt: review.foundAt.toISOString(), rrsets: review.rrsets.map((x) => ({ ...rrset(x), conflict: x.conflict })) } : null);
  });

  r.post('/api/v1/domains/:name/import', {
    schema: {
      summary: 'Save imported records',
      description: 'Saves the chosen record sets (all when `accept` is absent); the rest are dropped.',
      tags, security, params: DomainParamsSchema, body: ImportAcceptSchema,
      response: { 200: envelope(ImportResultSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => {
    const result = await d.acceptImport(req.ctx, req.params.name, req.body.accept);
    return ok(req.id, now(), { saved: result.saved.map(rrset), skipped: result.skipped });
  });

  r.get('/api/v1/computes/:id/reverse-dns', {
    schema: { summary: 'Get reverse DNS', tags: ['Computes'], security, params: ReverseDnsParamsSchema, response: { 200: envelope(ReverseDnsSchema), ...errorResponses(400, 401, 403, 404, 429, 500) } },
  }, async (req) => ok(req.id, now(), await deps.reverseDns.get(req.ctx, req.params.id)));

  r.put('/api/v1/computes/:id/reverse-dns', {
    schema: {
      summary: 'Set reverse DNS',
      description: 'The PTR record of the compute\'s public IPv4 (`null` removes it); it goes with the address when the compute is destroyed.',
      tags: ['Computes'], security, params: ReverseDnsParamsSchema, body: ReverseDnsSchema.pick({ name: true }),
      response: { 200: envelope(ReverseDnsSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), await deps.reverseDns.set(req.ctx, req.params.id, req.body.name), 'Reverse DNS saved'));
}
