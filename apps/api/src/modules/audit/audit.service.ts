import type { Context } from '../../shared/context.ts';
import { actorId } from '../../shared/context.ts';
import type { Clock } from '../../shared/clock.ts';
import { auditRepository } from './audit.repository.ts';

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

/** Writes the audit event in the caller's transaction, so the log never disagrees with the change. */
export function createAudit(clock: Clock) {
  return {
    async record(ctx: Context, event: AuditEvent): Promise<void> {
      await auditRepository.insert(ctx.tx, {
        teamId: event.teamId ?? ctx.teamId,
        actorType: ctx.actor.type,
        actorId: actorId(ctx.actor),
        action: event.action,
        targetType: event.targetType ?? null,
        targetId: event.targetId ?? null,
        data: event.data ?? {},
        ip: ctx.ip,
        requestId: ctx.requestId,
        at: clock.now(),
      });
    },
  };
}
export type Audit = ReturnType<typeof createAudit>;
