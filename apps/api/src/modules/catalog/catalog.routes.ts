import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, paginatedEnvelope, PaginationQuerySchema } from '../../http/envelope.ts';
import type { Clock } from '../../shared/clock.ts';
import type { CatalogService } from './catalog.service.ts';
import { ImageResponseSchema, RegionResponseSchema, SpecificationResponseSchema } from './catalog.schemas.ts';

const security = [{ BearerAuth: [] }];

export function catalogRoutes(app: FastifyInstance, deps: { catalog: CatalogService; clock: Clock }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/regions', {
    schema: {
      summary: 'List regions',
      description: 'Hosting regions with their slugs. Every region keeps its data in the country it names.',
      tags: ['Regions'],
      security,
      response: { 200: envelope(z.array(RegionResponseSchema)), ...errorResponses(401, 429, 500) },
    },
  }, async (req) => ok(req.id, deps.clock.now(), await deps.catalog.regions()));

  r.get('/api/v1/images', {
    schema: {
      summary: 'List images',
      description: 'Operating-system and one-click application images, with their slugs.',
      tags: ['Images'],
      security,
      response: { 200: envelope(z.array(ImageResponseSchema)), ...errorResponses(401, 429, 500) },
    },
  }, async (req) => ok(req.id, deps.clock.now(), await deps.catalog.images()));

  r.get('/api/v1/computes/specifications', {
    schema: {
      summary: 'List compute specifications',
      description: 'Compute sizes: vCPUs, memory and SSD storage. The slug is what create and upsize take.',
      tags: ['Specifications'],
      security,
      querystring: PaginationQuerySchema,
      response: { 200: paginatedEnvelope(SpecificationResponseSchema), ...errorResponses(400, 401, 429, 500) },
    },
  }, async (req) => {
    const all = await deps.catalog.specifications();
    const { page: p, limit } = req.query;
    return page(req.id, deps.clock.now(), all.slice((p - 1) * limit, p * limit), { total: all.length, page: p, limit });
  });
}
