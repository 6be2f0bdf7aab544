import type { Context } from '../../shared/context.ts';
import { actorId } from '../../shared/context.ts';
import type { Clock } from '../../shared/clock.ts';
import { AppError } from '../../shared/errors.ts';
import { authorize } from '../teams/index.ts';
import { auditRepository, type AuditEventRow, type AuditFilter } from './audit.repository.ts';
import { toCsv } from './csv.ts';
import { summariseUserAgent } from './user-agent.ts';

export type { AuditFilter } from './audit.repository.ts';

/** One entry of the team audit log. `action` is `resource.verb`, e.g. `api_key.create`. */
export interface AuditEvent {
  action: string;
  targetType?: string;
  targetId?: string;
  /** Non-personal facts about the change (names of fields changed, not their values). */
  data?: Record<string, unknown>;
  /** Overrides the context's team (e.g. when a team is created). */
  teamId?: string;
}

/** An audit-log entry as a team reads it. Network fields are null for readers without `audit.export`. */
export interface AuditEntryView {
  id: number;
  at: Date;
  action: string;
  actorType: string;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
  data: Record<string, unknown>;
  ip: string | null;
  browser: string | null;
  os: string | null;
  requestId: string | null;
}

/** An export refuses more rows than this: narrow the time range instead of getting a partial file. */
export const MAX_EXPORT_ROWS = 100_000;
const EXPORT_BATCH = 1000;

const present = (r: AuditEventRow, withNetwork: boolean): AuditEntryView => ({
  id: r.id,
  at: r.at,
  action: r.action,
  actorType: r.actorType,
  actorId: r.actorId,
  targetType: r.targetType,
  targetId: r.targetId,
  data: r.data,
  ip: withNetwork ? r.ip : null,
  browser: withNetwork ? r.browser : null,
  os: withNetwork ? r.os : null,
  requestId: r.requestId,
});

/**
 * The team audit log. `record` writes the event in the caller's transaction, so the log never
 * disagrees with the change; `list` and `exportCsv` read one team's log, newest first.
 */
export function createAudit(clock: Clock) {
  return {
    async record(ctx: Context, event: AuditEvent): Promise<void> {
      const { browser, os } = summariseUserAgent(ctx.userAgent);
      await auditRepository.insert(ctx.tx, {
        teamId: event.teamId ?? ctx.teamId,
        actorType: ctx.actor.type,
        actorId: actorId(ctx.actor),
        action: event.action,
        targetType: event.targetType ?? null,
        targetId: event.targetId ?? null,
        data: event.data ?? {},
        ip: ctx.ip,
        browser,
        os,
        requestId: ctx.requestId,
        at: clock.now(),
      });
    },

    /**
     * The context team's log for any member (`audit.read`). IP address, browser and OS say where a
     * colleague was; only Owners and Admins (`audit.export`) see them (data minimisation).
     */
    async list(ctx: Context, filter: AuditFilter, page: { limit: number; offset: number }): Promise<{ rows: AuditEntryView[]; total: number }> {
      const access = await authorize(ctx, 'audit.read');
      const withNetwork = access.permissions.has('audit.export');
      const { rows, total } = await auditRepository.listForTeam(ctx.tx, access.teamId, filter, page.limit, page.offset);
      return { rows: rows.map((r) => present(r, withNetwork)), total };
    },

    /** The context team's log as CSV, every matching entry with all fields (`audit.export`). */
    async exportCsv(ctx: Context, filter: AuditFilter): Promise<{ csv: string; rows: number }> {
      const access = await authorize(ctx, 'audit.export');
      // Pages are read with a fixed upper bound of time, so entries written meanwhile do not shift them.
      const bounded: AuditFilter = { ...filter, to: filter.to && filter.to < clock.now() ? filter.to : new Date(clock.now().getTime() + 1) };
      const first = await auditRepository.listForTeam(ctx.tx, access.teamId, bounded, EXPORT_BATCH, 0);
      if (first.total > MAX_EXPORT_ROWS) {
        throw new AppError('UNPROCESSABLE_ENTITY', `The export would hold ${first.total} entries, more than ${MAX_EXPORT_ROWS}: narrow it with from and to.`);
      }
      const rows = [...first.rows];
      while (rows.length < first.total) {
        const next = await auditRepository.listForTeam(ctx.tx, access.teamId, bounded, EXPORT_BATCH, rows.length);
        if (next.rows.length === 0) break;
        rows.push(...next.rows);
      }
      const header = ['time', 'action', 'actor_type', 'actor_id', 'target_type', 'target_id', 'ip', 'browser', 'os', 'request_id', 'details'];
      const body = rows.map((r) => [
        r.at.toISOString(), r.action, r.actorType, r.actorId, r.targetType, r.targetId, r.ip, r.browser, r.os, r.requestId,
        Object.keys(r.data).length ? JSON.stringify(r.data) : '',
      ]);
      return { csv: toCsv([header, ...body]), rows: rows.length };
    },
  };
}
export type Audit = ReturnType<typeof createAudit>;
