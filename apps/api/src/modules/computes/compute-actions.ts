import crypto from 'node:crypto';
import type { JobQueue } from '../../jobs/index.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Context } from '../../shared/context.ts';
import type { Audit } from '../audit/audit.service.ts';
import { computeActionsRepository, computesRepository, type ComputeActionRow, type ComputeRow } from './computes.repository.ts';
import type { actionCommands, actionReasons, computeStates } from './computes.schema.ts';

export type ComputeState = (typeof computeStates)[number];
export type ActionCommand = (typeof actionCommands)[number];
export type ActionReason = (typeof actionReasons)[number];

/** The job that carries out one compute action through the hypervisor driver. */
export const RUN_ACTION_JOB = 'computes.run-action';
export interface RunActionPayload {
  actionId: string;
}

/** The state a compute shows while an action of each kind runs. */
export const transitionalState: Record<ActionCommand, ComputeState> = {
  create: 'CREATING',
  start: 'STARTING',
  stop: 'STOPPING',
  reboot: 'REBOOTING',
  upsize: 'RESIZING',
  destroy: 'DESTROYING',
};

export interface ActionDeps {
  clock: Clock;
  audit: Audit;
  jobs: JobQueue;
}

/**
 * Opens an action on a compute the caller has locked: the action row, the compute's transitional
 * state, the job that will carry it out and the audit event, all in the caller's transaction, so
 * either everything happens or nothing does. The partial unique index on open actions is the
 * backstop for "one action at a time"; callers check first to answer CONFLICT with a reason.
 */
export async function beginAction(
  ctx: Context,
  deps: ActionDeps,
  compute: ComputeRow,
  input: {
    command: ActionCommand;
    requestedBy: string | null;
    specification?: string;
    reason?: ActionReason;
    /** Further changes of the compute row made with the state change. */
    patch?: Partial<ComputeRow>;
  },
): Promise<{ compute: ComputeRow; action: ComputeActionRow }> {
  const now = deps.clock.now();
  const action = await computeActionsRepository.insert(ctx.tx, {
    id: crypto.randomUUID(),
    computeId: compute.id,
    teamId: compute.teamId,
    command: input.command,
    status: 'pending',
    progress: 0,
    specification: input.specification ?? null,
    reason: input.reason ?? null,
    requestedBy: input.requestedBy,
    createdAt: now,
  });
  const updated =
    compute.state === transitionalState[input.command] && !input.patch
      ? compute
      : await computesRepository.update(ctx.tx, compute.id, { state: transitionalState[input.command], updatedAt: now, ...input.patch });
  await deps.jobs.enqueue(ctx.tx, RUN_ACTION_JOB, { actionId: action.id } satisfies RunActionPayload);
  await deps.audit.record(
    { ...ctx, teamId: compute.teamId },
    {
      action: `compute.${input.command}`,
      targetType: 'compute',
      targetId: compute.id,
      data: { actionId: action.id, ...(input.specification ? { specification: input.specification } : {}), ...(input.reason ? { reason: input.reason } : {}) },
    },
  );
  return { compute: updated, action };
}
