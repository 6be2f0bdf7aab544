import type { Db, Tx } from '../../db/database.ts';
import type { JobQueue, JobRow } from '../../jobs/index.ts';
import type { Clock } from '../../shared/clock.ts';
import { systemContext } from '../../shared/context.ts';
import { failpoint } from '../../shared/failpoints.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { SubjectCrypto } from '../privacy/subject-crypto.ts';
import type { AddressAllocator } from './addresses.ts';
import { beginAction, type ComputeState } from './compute-actions.ts';
import { computeActionsRepository, computesRepository, type ComputeActionRow, type ComputeRow } from './computes.repository.ts';
import { USER_DATA_FIELD } from './computes.service.ts';
import { HypervisorError, type HypervisorDriver, type MachineRef, type OpHandle, type OpStatus } from './hypervisor/port.ts';

export interface ComputeActionRunnerDeps {
  db: Db;
  clock: Clock;
  audit: Audit;
  jobs: JobQueue;
  catalog: CatalogService;
  subjects: SubjectCrypto;
  addresses: AddressAllocator;
  driver: HypervisorDriver;
  logger: Logger;
  /** How long a stop waits for the guest to shut down before a hard power-off. */
  gracefulStopMs: number;
  /** Longest an operation may run before the action fails (a create boots; the rest are quick). */
  timeoutMs?: { create: number; other: number };
  /** "Compute ready" and "compute failed" e-mails to the person who asked (issue 6, item 8). */
  notifyOutcome?: (tx: Tx, compute: ComputeRow, outcome: 'ready' | 'failed', requestedBy: string | null) => Promise<void>;
}

const MAX_ERROR = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Carries out one compute action (job `computes.run-action`): asks the driver for the change with
 * the action id as its idempotency key, follows the operation while recording its progress, then
 * writes the outcome and the compute's new state in one transaction.
 *
 * Jobs run at least once, so every step may repeat: an action that already ended is left alone,
 * and a change asked again with the same key is the same operation to the driver. A transient
 * driver failure (engine unreachable, machine busy) throws, so the job is retried with backoff;
 * a definite failure, or a transient one on the last attempt, ends the action as failed.
 */
export class ComputeActionRunner {
  private readonly timeouts: { create: number; other: number };

  constructor(private readonly deps: ComputeActionRunnerDeps) {
    this.timeouts = deps.timeoutMs ?? { create: 30 * 60_000, other: 15 * 60_000 };
  }

  async run(actionId: unknown, job: Pick<JobRow, 'attempts' | 'maxAttempts'>): Promise<void> {
    const { db, clock } = this.deps;
    if (typeof actionId !== 'string' || !UUID.test(actionId)) {
      this.deps.logger.error({ job: 'computes.run-action' }, 'compute action job without a valid action id; nothing to do');
      return;
    }
    const action = await computeActionsRepository.find(db, actionId);
    if (!action || action.status === 'succeeded' || action.status === 'failed') return;
    const compute = await computesRepository.find(db, action.computeId);
    if (!compute) return;
    await computeActionsRepository.markRunning(db, action.id, clock.now());
    try {
      if (action.command === 'create') failpoint('compute.create.before-driver');
      const handle = await this.submit(action, compute);
      const status: OpStatus = handle ? await this.follow(handle, action) : { state: 'succeeded', progress: 100 };
      if (status.state === 'failed') await this.fail(action, `${status.error.message} (${status.error.code})`);
      else {
        if (action.command === 'create') failpoint('compute.create.before-commit');
        await this.succeed(action);
      }
    } catch (err) {
      const transient = !(err instanceof HypervisorError) || err.transient;
      if (transient && job.attempts < job.maxAttempts) throw err;
      await this.fail(action, err instanceof Error ? err.message : 'the hypervisor failed');
    }
  }

  /** Asks the driver for the change; null when there is nothing to do (destroying a compute that never got a machine). */
  private async submit(action: ComputeActionRow, compute: ComputeRow): Promise<OpHandle | null> {
    const { driver, db } = this.deps;
    const key = action.id;
    if (action.command === 'create') {
      const spec = await this.size(compute.specification);
      const userData = compute.userDataEnc ? await this.deps.subjects.decrypt(db, compute.id, USER_DATA_FIELD, compute.userDataEnc) : null;
      const handle = await driver.create(
        {
          computeId: compute.id,
          hostName: compute.hostName,
          image: compute.image,
          ...spec,
          sshPublicKeys: compute.publicKeys,
          userData,
          network: { privateIpv4: compute.privateIpv4, publicIpv4: compute.ipv4, ...this.deps.addresses.guestNetwork(compute.privateIpv4, compute.ipv4) },
          ...(compute.host ? { host: compute.host } : {}),
        },
        key,
      );
      failpoint('compute.create.after-driver');
      if (compute.driverRef !== handle.ref.id) await computesRepository.update(db, compute.id, { driverRef: handle.ref.id });
      return handle;
    }
    const ref: MachineRef | null = compute.driverRef ? { id: compute.driverRef, ...(compute.host ? { host: compute.host } : {}) } : null;
    if (!ref) {
      if (action.command === 'destroy') return null;
      throw new HypervisorError('no_machine', 'The compute has no machine: its creation never reached the hypervisor.');
    }
    switch (action.command) {
      case 'start':
        return driver.start(ref, key);
      case 'stop':
        return driver.stop(ref, key, { gracefulTimeoutMs: this.deps.gracefulStopMs });
      case 'reboot':
        return driver.reboot(ref, key);
      case 'upsize':
        return driver.resize(ref, await this.size(action.specification ?? compute.specification), key);
      case 'destroy':
        return driver.destroy(ref, key);
    }
  }

  /** Polls until the operation ends, recording progress as it moves. */
  private async follow(handle: OpHandle, action: ComputeActionRow): Promise<OpStatus> {
    const { driver } = this.deps;
    const deadline = Date.now() + (action.command === 'create' ? this.timeouts.create : this.timeouts.other);
    let recorded = action.progress;
    for (;;) {
      const status = await driver.poll(handle);
      if (status.state !== 'running') return status;
      if (status.progress > recorded) {
        recorded = status.progress;
        await computeActionsRepository.setProgress(this.deps.db, action.id, recorded);
      }
      if (Date.now() > deadline) throw new HypervisorError('timeout', `The hypervisor did not finish the ${action.command} in time.`);
      await new Promise((r) => setTimeout(r, driver.pollIntervalMs));
    }
  }

  private async succeed(action: ComputeActionRow): Promise<void> {
    const { db, clock } = this.deps;
    await db.transaction(async (tx) => {
      const compute = await computesRepository.lock(tx, action.computeId);
      if (!compute) return;
      const now = clock.now();
      if (!(await computeActionsRepository.finish(tx, action.id, { status: 'succeeded', at: now }))) return;
      const patch: Partial<ComputeRow> = { updatedAt: now };
      switch (action.command) {
        case 'create':
        case 'start':
        case 'reboot':
          patch.state = 'RUNNING';
          // Billing starts at the first RUNNING and never restarts (stopped hours are charged too).
          patch.billableFrom = compute.billableFrom ?? now;
          break;
        case 'stop':
          patch.state = 'STOPPED';
          break;
        case 'upsize':
          patch.state = 'STOPPED';
          patch.specification = action.specification ?? compute.specification;
          break;
        case 'destroy':
          patch.state = 'DESTROYED';
          patch.userDataEnc = null;
          await this.deps.addresses.release(tx, compute.id, now);
          // The user data key goes with the machine: every copy of the ciphertext becomes unreadable.
          await this.deps.subjects.shred(tx, compute.id);
          break;
      }
      const updated = await computesRepository.update(tx, compute.id, patch);
      await this.followUp(tx, updated, action);
      if (action.command === 'create') await this.deps.notifyOutcome?.(tx, updated, 'ready', action.requestedBy);
    });
    this.deps.logger.info({ actionId: action.id, computeId: action.computeId, command: action.command }, 'compute action succeeded');
  }

  /**
   * A billing suspension that arrived while an action ran is honoured when it ends: a compute
   * that came up RUNNING while marked suspended is stopped; a suspension stop that finished after
   * the suspension was lifted is undone.
   */
  private async followUp(tx: Tx, compute: ComputeRow, action: ComputeActionRow): Promise<void> {
    const ctx = { ...systemContext(tx, 'computes.run-action'), teamId: compute.teamId };
    if (compute.state === 'RUNNING' && compute.suspendedAt) {
      await beginAction(ctx, this.deps, compute, { command: 'stop', requestedBy: null, reason: 'billing-suspension' });
    } else if (compute.state === 'STOPPED' && action.command === 'stop' && action.reason === 'billing-suspension' && !compute.suspendedAt) {
      await beginAction(ctx, this.deps, compute, { command: 'start', requestedBy: null, reason: 'billing-resume' });
    }
  }

  private async fail(action: ComputeActionRow, message: string): Promise<void> {
    const { db, clock } = this.deps;
    const observed = await this.observedState(action);
    await db.transaction(async (tx) => {
      const compute = await computesRepository.lock(tx, action.computeId);
      if (!compute) return;
      const now = clock.now();
      if (!(await computeActionsRepository.finish(tx, action.id, { status: 'failed', error: message.slice(0, MAX_ERROR), at: now }))) return;
      const updated = await computesRepository.update(tx, compute.id, { state: observed, updatedAt: now });
      if (action.command === 'create') await this.deps.notifyOutcome?.(tx, updated, 'failed', action.requestedBy);
    });
    // The driver's message only: it names operations and machines, never user data.
    this.deps.logger.warn({ actionId: action.id, computeId: action.computeId, command: action.command, error: message.slice(0, MAX_ERROR) }, 'compute action failed');
  }

  /** What the compute is after a failed action: a failed create is ERROR; otherwise what the driver sees. */
  private async observedState(action: ComputeActionRow): Promise<ComputeState> {
    if (action.command === 'create') return 'ERROR';
    const compute = await computesRepository.find(this.deps.db, action.computeId);
    if (!compute?.driverRef) return 'ERROR';
    try {
      const seen = await this.deps.driver.inspect({ id: compute.driverRef });
      return seen?.power === 'running' ? 'RUNNING' : seen?.power === 'off' ? 'STOPPED' : 'ERROR';
    } catch {
      return 'ERROR';
    }
  }

  private async size(slug: string): Promise<{ vcpus: number; memoryMb: number; diskGb: number }> {
    const spec = (await this.deps.catalog.specifications()).find((s) => s.specification === slug);
    if (!spec) throw new HypervisorError('unknown_specification', `Specification ${slug} is not in the catalogue.`);
    return { vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskGb: spec.storageGb };
  }
}
