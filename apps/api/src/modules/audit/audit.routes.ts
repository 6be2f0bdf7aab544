import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses, page, paginatedEnvelope, PaginationQuerySchema } from '../../http/envelope.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Audit, AuditEntryView, AuditFilter } from './audit.service.ts';

const security = [{ BearerAuth: [] }];
const tags = ['Audit logs'];

const AuditFilterSchema = z.object({
  action: z
    .string()
    .regex(/^[a-z_.]+\*?$/, 'must be an action such as team.member.remove, or a prefix ending in * such as team.member.*')
    .max(100)
    .optional()
    .describe('Only this action, e.g. `api_key.create`; a prefix ending in `*` matches a group, e.g. `team.member.*`.'),
  actorId: z.string().min(1).max(100).optional().describe('Only entries by this actor: a user id, or an API key id.'),
  targetType: z.string().min(1).max(50).optional().describe('Only entries about this kind of target, e.g. `user`, `api_key`, `invitation`, `team`.'),
  targetId: z.string().min(1).max(100).optional().describe('Only entries about this target id.'),
  from: z.iso.datetime({ offset: true }).optional().describe('Only entries at or after this time, ISO 8601.'),
  to: z.iso.datetime({ offset: true }).optional().describe('Only entries before this time, ISO 8601.'),
});

export const AuditLogEntrySchema = z
  .object({
    id: z.number().int().describe('Entry id; larger is newer.'),
    at: z.string().describe('When it happened, ISO 8601 UTC.'),
    action: z.string().describe('What happened, `resource.verb`, e.g. `team.member.role_change`.'),
    actorType: z.string().describe('Who did it: `user`, `api_key` or `system`.'),
    actorId: z.string().nullable().describe('User id or API key id of the actor.'),
    targetType: z.string().nullable().describe('Kind of thing acted on: `team`, `user`, `invitation`, `api_key`, …'),
    targetId: z.string().nullable().describe('Id of the thing acted on.'),
    data: z.record(z.string(), z.unknown()).describe('Details of the change: roles, field names, ids. Never secrets or changed personal values.'),
    ip: z.string().nullable().describe('IP address of the request; shown to Owners and Admins only.'),
    browser: z.string().nullable().describe('Browser of the request, e.g. "Chrome 131"; Owners and Admins only.'),
    os: z.string().nullable().describe('Operating system of the request, e.g. "Windows 10"; Owners and Admins only.'),
    requestId: z.string().nullable().describe('Request id, to quote to support.'),
  })
  .meta({ id: 'AuditLogEntry' });

const filterOf = (q: z.output<typeof AuditFilterSchema>): AuditFilter => ({
  action: q.action,
  actorId: q.actorId,
  targetType: q.targetType,
  targetId: q.targetId,
  from: q.from ? new Date(q.from) : undefined,
  to: q.to ? new Date(q.to) : undefined,
});
const present = (e: AuditEntryView) => ({ ...e, at: e.at.toISOString() });

/** The team audit log: newest first, filterable, and exportable as CSV by Owners and Admins. */
export function auditRoutes(app: FastifyInstance, deps: { clock: Clock; audit: Audit }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/audit-logs', {
    schema: {
      summary: 'List audit log entries',
      description:
        'Every change to the team\'s membership, roles, invitations, ownership, API keys and settings (and, as they come, its resources), ' +
        'with who did it, when and to what; newest first. Any member may read it; the IP address, browser and OS are filled in only for ' +
        'Owners and Admins.',
      tags, security,
      querystring: PaginationQuerySchema.extend(AuditFilterSchema.shape),
      response: { 200: paginatedEnvelope(AuditLogEntrySchema), ...errorResponses(400, 401, 403, 429, 500) },
    },
  }, async (req) => {
    const { rows, total } = await deps.audit.list(req.ctx, filterOf(req.query), { limit: req.query.limit, offset: (req.query.page - 1) * req.query.limit });
    return page(req.id, deps.clock.now(), rows.map(present), { total, page: req.query.page, limit: req.query.limit });
  });

  r.get('/api/v1/audit-logs.csv', {
    schema: {
      summary: 'Export the audit log as CSV',
      description:
        'Every entry matching the filters, newest first, as CSV (RFC 4180, UTF-8, header row) with IP address, browser and OS. ' +
        'Cells that a spreadsheet would run as a formula are prefixed with `\'`. Owner and Admin (`audit.export`). ' +
        'At most 100 000 entries: narrow a larger export with `from` and `to`.',
      tags, security,
      querystring: AuditFilterSchema,
      response: {
        200: { description: 'The audit log as CSV.', content: { 'text/csv': { schema: z.string().describe('CSV with a header row.') } } },
        ...errorResponses(400, 401, 403, 422, 429, 500),
      },
    },
  }, async (req, reply) => {
    const { csv } = await deps.audit.exportCsv(req.ctx, filterOf(req.query));
    const day = deps.clock.now().toISOString().slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-log-${day}.csv"`)
      .header('cache-control', 'no-store')
      .send(csv);
  });
}
