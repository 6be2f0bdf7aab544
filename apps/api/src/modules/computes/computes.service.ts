import crypto from 'node:crypto';
import type { Executor } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/index.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import { inTransaction, systemContext, type Context } from '../../shared/context.ts';
import { AppError, type FieldError } from '../../shared/errors.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { SpecificationResponse } from '../catalog/catalog.schemas.ts';
import type { SubjectCrypto } from '../privacy/subject-crypto.ts';
import { authorize, type Permission } from '../teams/permissions.ts';
import type { AddressAllocator } from './addresses.ts';
import { beginAction, type ActionCommand, type ComputeState } from './compute-actions.ts';
import { computeActionsRepository, computesRepository, type ComputeActionRow, type ComputeRow } from './computes.repository.ts';
import type { HypervisorDriver } from './hypervisor/port.ts';
import type { Placement } from './placement.ts';
import type { SpendingGuard } from './spending-guard.ts';
import { sshKeysRepository } from './ssh-keys.repository.ts';
import { parseSshPublicKey, SshKeyFormatError } from './ssh-public-key.ts';

/** Field of `SubjectCrypto` under which user data is sealed (the subject is the compute). */
export const USER_DATA_FIELD = 'compute.user_data';
/** cloud-init user data is limited like DigitalOcean's: 64 KiB. */
export const MAX_USER_DATA_BYTES = 64 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ComputesDeps {
  clock: Clock;
  audit: Audit;
  jobs: JobQueue;
  catalog: CatalogService;
  subjects: SubjectCrypto;
  addresses: AddressAllocator;
  driver: Pick<HypervisorDriver, 'kind'>;
  /** Billing's guard on changes that cost money (an allow-all stand-in until billing provides it). */
  spending: SpendingGuard;
  /** Chooses the host of each new machine and checks upsizes against it; without it, computes get no host. */
  placement?: Pick<Placement, 'place' | 'assertRoomForUpsize'>;
  logger?: Pick<Logger, 'info'>;
}

export interface ComputeCreateInput {
  hostName: string;
  image: string;
  region: string;
  specification: string;
  /** OpenSSH public keys given in the request. */
  publicKeys?: string[];
  /** Team SSH keys, by id or fingerprint. */
  sshKeys?: string[];
  tags?: string[];
  withPublicIp?: boolean;
  userData?: string;
}

export interface ComputeView {
  id: string;
  hostName: string;
  state: ComputeState;
  image: string;
  specification: string;
  region: string;
  ipv4: string | null;
  privateIpv4: string;
  tags: string[];
  withPublicIp: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A compute as a change left it, with the action that carries the change out. */
export type ComputeChange = ComputeView & { actionId: string };

export interface ActionView {
  id: string;
  computeId: string;
  command: ActionCommand;
  status: ComputeActionRow['status'];
  progress: number;
  specification: string | null;
  reason: ComputeActionRow['reason'];
  error: string | null;
  requestedBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface Page {
  limit: number;
  offset: number;
}

export const computeView = (c: ComputeRow): ComputeView => ({
  id: c.id,
  hostName: c.hostName,
  state: c.state,
  image: c.image,
  specification: c.specification,
  region: c.region,
  ipv4: c.ipv4,
  privateIpv4: c.privateIpv4,
  tags: c.tags,
  withPublicIp: c.withPublicIp,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export const actionView = (a: ComputeActionRow): ActionView => ({
  id: a.id,
  computeId: a.computeId,
  command: a.command,
  status: a.status,
  progress: a.progress,
  specification: a.specification,
  reason: a.reason,
  error: a.error,
  requestedBy: a.requestedBy,
  createdAt: a.createdAt,
  startedAt: a.startedAt,
  finishedAt: a.finishedAt,
});

const permissionOf: Record<Exclude<ActionCommand, 'create'>, Permission> = {
  start: 'compute.power',
  stop: 'compute.power',
  reboot: 'compute.power',
  upsize: 'compute.write',
  destroy: 'compute.delete',
};

/**
 * Computes of a team (reference §1.1): create, power actions, upsize, destroy. Every change is
 * an action: the request locks the compute, checks the rules, opens the action and enqueues its
 * job in one transaction and answers at once (202); the job (`ComputeActionRunner`) drives the
 * hypervisor. One action at a time per compute: a second one is `CONFLICT` until the first ends.
 * Addresses are chosen at creation, in the same transaction, and released when the machine is
 * gone. Money: billing's `SpendingGuard` is asked before every create, start, reboot and upsize;
 * `billable_from` is set at the first RUNNING and `destroyed_at` when a destroy is accepted.
 */
export class ComputesService {
  constructor(private readonly deps: ComputesDeps) {}

  async create(ctx: Context, input: ComputeCreateInput): Promise<ComputeChange> {
    // Reference data is read before the transaction: the catalogue has its own connection, which
    // an open transaction on the embedded database's single connection would keep waiting.
    const catalog = await this.catalog();
    return inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, 'compute.write');
      const teamId = access.teamId;
      const spec = specificationIn(catalog, input.specification);
      if (!catalog.images.some((i) => i.image === input.image)) throw new AppError('RESOURCE_NOT_FOUND', `No image ${JSON.stringify(input.image)}: see GET /images.`);
      if (!catalog.regions.some((r) => r.region === input.region)) throw new AppError('RESOURCE_NOT_FOUND', `No region ${JSON.stringify(input.region)}: see GET /regions.`);
      const publicKeys = await this.resolveKeys(ctx.tx, teamId, input.publicKeys ?? [], input.sshKeys ?? []);
      if (input.userData !== undefined && Buffer.byteLength(input.userData, 'utf8') > MAX_USER_DATA_BYTES) {
        throw new AppError('VALIDATION_ERROR', undefined, [{ field: 'userData', message: `must be at most ${MAX_USER_DATA_BYTES} bytes` }]);
      }
      await this.deps.spending.assertCanSpend(ctx.tx, teamId, { command: 'create', specification: spec.specification, userId: access.userId });

      const now = this.deps.clock.now();
      const id = crypto.randomUUID();
      const withPublicIp = input.withPublicIp ?? false;
      const addresses = await this.deps.addresses.choose(ctx.tx, { teamId, region: input.region, withPublicIp, now });
      const compute = await computesRepository.insert(ctx.tx, {
        id,
        teamId,
        hostName: input.hostName,
        state: 'CREATING',
        image: input.image,
        region: input.region,
        specification: spec.specification,
        ipv4: addresses.publicIpv4,
        privateIpv4: addresses.privateIpv4,
        tags: [...new Set(input.tags ?? [])],
        withPublicIp,
        publicKeys,
        // Sealed under the compute's own data key, which is shredded when the compute is destroyed.
        userDataEnc: input.userData ? await this.deps.subjects.encrypt(ctx.tx, id, USER_DATA_FIELD, input.userData) : null,
        driver: this.deps.driver.kind,
        createdBy: access.userId,
        createdAt: now,
        updatedAt: now,
      });
      await this.deps.addresses.hold(ctx.tx, addresses, { teamId, region: input.region, computeId: id, now });
      const { action } = await beginAction(ctx, this.deps, compute, { command: 'create', requestedBy: access.userId, specification: spec.specification });
      // Placement last: the region's hosts stay locked from here to the commit, which every other
      // create waits for, so as little as possible happens in between.
      if (this.deps.placement) {
        const host = await this.deps.placement.place(ctx.tx, input.region, { vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskGb: spec.storageGb }, spec.specification);
        await computesRepository.update(ctx.tx, id, { host });
      }
      return { ...computeView(compute), actionId: action.id };
    });
  }

  /** The team's computes that are not destroyed, newest first. */
  async list(ctx: Context, page: Page & { tag?: string }): Promise<{ rows: ComputeView[]; total: number }> {
    const access = await authorize(ctx, 'compute.read');
    const { rows, total } = await computesRepository.list(ctx.tx, access.teamId, page);
    return { rows: rows.map(computeView), total };
  }

  /** One compute of the team, destroyed ones included (so a client polling a destroy sees DESTROYED). */
  async get(ctx: Context, id: string): Promise<ComputeView> {
    const access = await authorize(ctx, 'compute.read');
    return computeView(await this.findInTeam(ctx.tx, access.teamId, id));
  }

  async start(ctx: Context, id: string): Promise<ComputeChange> {
    return this.change(ctx, id, 'start', async (ctx, c) => {
      this.assertState(c, 'start', ['STOPPED'], { RUNNING: 'The compute is already running.' });
      await this.deps.spending.assertCanSpend(ctx.tx, c.teamId, { command: 'start', specification: c.specification });
      // A person starting it takes it out of a billing suspension's hands.
      return { patch: { suspendedAt: null } };
    });
  }

  /** Graceful shutdown; the driver powers the machine off hard when the guest does not stop in time. */
  async stop(ctx: Context, id: string): Promise<ComputeChange> {
    return this.change(ctx, id, 'stop', async (_ctx, c) => {
      this.assertState(c, 'stop', ['RUNNING'], { STOPPED: 'The compute is already stopped.' });
      return {};
    });
  }

  async reboot(ctx: Context, id: string): Promise<ComputeChange> {
    return this.change(ctx, id, 'reboot', async (ctx, c) => {
      this.assertState(c, 'reboot', ['RUNNING'], { STOPPED: 'The compute is stopped: start it instead.' });
      await this.deps.spending.assertCanSpend(ctx.tx, c.teamId, { command: 'reboot', specification: c.specification });
      return {};
    });
  }

  /** Moves a stopped compute to a larger specification (reference §1.1: upsize only; disks never shrink). */
  async upsize(ctx: Context, id: string, newSpecification: string): Promise<ComputeChange> {
    const { specifications } = await this.catalog();
    return this.change(ctx, id, 'upsize', async (ctx, c) => {
      const target = specificationIn({ specifications }, newSpecification);
      if (c.state === 'RUNNING') throw new AppError('COMPUTE_RUNNING', 'Stop the compute before upsizing it (POST /computes/{id}/stop), then start it again.');
      this.assertState(c, 'upsize', ['STOPPED'], {});
      const current = specificationIn({ specifications }, c.specification);
      if (!isLarger(target, current)) {
        throw new AppError(
          'BAD_REQUEST',
          `${target.specification} is not larger than ${current.specification}: a compute can only be upsized (more CPUs, memory or disk, and none of them less).`,
        );
      }
      await this.deps.spending.assertCanSpend(ctx.tx, c.teamId, { command: 'upsize', specification: target.specification });
      const size = (s: SpecificationResponse) => ({ vcpus: s.vcpus, memoryMb: s.memoryMb, diskGb: s.storageGb });
      await this.deps.placement?.assertRoomForUpsize(ctx.tx, c, size(current), size(target), target.specification);
      return { specification: target.specification };
    });
  }

  /** Destroys the compute; billing stops now, addresses are released once the machine is gone. */
  async destroy(ctx: Context, id: string): Promise<ComputeChange> {
    return this.change(ctx, id, 'destroy', async (_ctx, c) => {
      if (c.state === 'DESTROYED' || c.state === 'DESTROYING') throw new AppError('CONFLICT', 'The compute is already destroyed.');
      return { patch: { destroyedAt: c.destroyedAt ?? this.deps.clock.now(), suspendedAt: null } };
    });
  }

  async getAction(ctx: Context, actionId: string): Promise<ActionView> {
    const access = await authorize(ctx, 'compute.read');
    const action = UUID.test(actionId) ? await computeActionsRepository.findInTeam(ctx.tx, access.teamId, actionId) : undefined;
    if (!action) throw new AppError('RESOURCE_NOT_FOUND', 'No such action in this team.');
    return actionView(action);
  }

  /** A compute's actions, newest first. */
  async listActions(ctx: Context, computeId: string, page: Page): Promise<{ rows: ActionView[]; total: number }> {
    const access = await authorize(ctx, 'compute.read');
    const compute = await this.findInTeam(ctx.tx, access.teamId, computeId);
    const { rows, total } = await computeActionsRepository.listForCompute(ctx.tx, compute.id, page.limit, page.offset);
    return { rows: rows.map(actionView), total };
  }

  /** Computes of the team that still exist or are being destroyed (team deletion waits for none). */
  async countLive(ex: Executor, teamId: string): Promise<number> {
    return computesRepository.countLive(ex, teamId);
  }

  /**
   * Billing suspension: stops the team's running computes through stop actions and marks them
   * `suspended_at`, so lifting the suspension starts exactly these again. A compute that is being
   * created, started or rebooted is marked too and is stopped as soon as that action ends.
   * Computes already stopped (or stopping on a person's request) are left alone.
   */
  async stopForSuspension(ex: Executor, teamId: string): Promise<void> {
    await inTransaction({ ...systemContext(ex, 'billing.suspension'), teamId }, async (ctx) => {
      const now = this.deps.clock.now();
      let marked = 0;
      for (const c of await computesRepository.lockActiveOfTeam(ctx.tx, teamId)) {
        if (c.suspendedAt) continue;
        const open = await computeActionsRepository.openFor(ctx.tx, c.id);
        if (!open && c.state === 'RUNNING') {
          await beginAction(ctx, this.deps, c, { command: 'stop', requestedBy: null, reason: 'billing-suspension', patch: { suspendedAt: now } });
          marked++;
        } else if (open && (open.command === 'create' || open.command === 'start' || open.command === 'reboot')) {
          await computesRepository.update(ctx.tx, c.id, { suspendedAt: now, updatedAt: now });
          marked++;
        }
      }
      if (marked) this.deps.logger?.info({ teamId, computes: marked }, 'computes stopped for a billing suspension');
    });
  }

  /**
   * Termination approved by staff (billing): destroys every compute of the team. One with an action
   * still open is left for the next call (billing's dunning run repeats it for terminated teams).
   * Answers how many are left.
   */
  async destroyForTermination(ex: Executor, teamId: string): Promise<number> {
    return inTransaction({ ...systemContext(ex, 'billing.termination'), teamId }, async (ctx) => {
      const now = this.deps.clock.now();
      let waiting = 0;
      for (const c of await computesRepository.lockActiveOfTeam(ctx.tx, teamId)) {
        if (await computeActionsRepository.openFor(ctx.tx, c.id)) {
          waiting++;
          continue;
        }
        await beginAction(ctx, this.deps, c, { command: 'destroy', requestedBy: null, reason: 'billing-termination', patch: { destroyedAt: c.destroyedAt ?? now, suspendedAt: null } });
      }
      return waiting;
    });
  }

  /**
   * Lifting a suspension: starts the computes `stopForSuspension` stopped, and clears the mark. One
   * whose suspension stop is still running is started when it ends.
   */
  async resumeAfterSuspension(ex: Executor, teamId: string): Promise<void> {
    await inTransaction({ ...systemContext(ex, 'billing.resume'), teamId }, async (ctx) => {
      let cleared = 0;
      for (const c of await computesRepository.lockSuspended(ctx.tx, teamId)) {
        const open = await computeActionsRepository.openFor(ctx.tx, c.id);
        if (!open && c.state === 'STOPPED') {
          await beginAction(ctx, this.deps, c, { command: 'start', requestedBy: null, reason: 'billing-resume', patch: { suspendedAt: null } });
        } else {
          await computesRepository.update(ctx.tx, c.id, { suspendedAt: null, updatedAt: this.deps.clock.now() });
        }
        cleared++;
      }
      if (cleared) this.deps.logger?.info({ teamId, computes: cleared }, 'computes resumed after a billing suspension');
    });
  }

  /**
   * The common path of every change: permission, the compute locked, no other action open, the
   * change's own checks (which may return the upsize target and row changes), then the action.
   */
  private async change(
    ctx: Context,
    id: string,
    command: Exclude<ActionCommand, 'create'>,
    check: (ctx: Context, c: ComputeRow) => Promise<{ specification?: string; patch?: Partial<ComputeRow> }>,
  ): Promise<ComputeChange> {
    return inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, permissionOf[command]);
      const locked = UUID.test(id) ? await computesRepository.lock(ctx.tx, id, access.teamId) : undefined;
      if (!locked) throw new AppError('RESOURCE_NOT_FOUND', 'No such compute in this team.');
      const open = await computeActionsRepository.openFor(ctx.tx, locked.id);
      if (open) {
        throw new AppError('CONFLICT', `The compute is busy: its ${open.command} action is still ${open.status}. Try again when it has finished (GET /actions/${open.id}).`, {
          actionId: open.id,
          command: open.command,
        });
      }
      const { specification, patch } = await check(ctx, locked);
      const { compute, action } = await beginAction(ctx, this.deps, locked, { command, requestedBy: access.userId, specification, patch });
      return { ...computeView(compute), actionId: action.id };
    });
  }

  private assertState(c: ComputeRow, command: ActionCommand, allowed: ComputeState[], messages: Partial<Record<ComputeState, string>>): void {
    if (allowed.includes(c.state)) return;
    const why =
      messages[c.state] ??
      (c.state === 'DESTROYED' || c.state === 'DESTROYING'
        ? 'The compute is destroyed.'
        : c.state === 'ERROR'
          ? 'The compute is in ERROR: destroy it and create a new one, or contact support.'
          : `A compute that is ${c.state} cannot ${command}.`);
    throw new AppError('CONFLICT', why);
  }

  private async findInTeam(ex: Executor, teamId: string, id: string): Promise<ComputeRow> {
    const compute = UUID.test(id) ? await computesRepository.findInTeam(ex, teamId, id) : undefined;
    if (!compute) throw new AppError('RESOURCE_NOT_FOUND', 'No such compute in this team.');
    return compute;
  }

  private async catalog() {
    const [specifications, images, regions] = await Promise.all([this.deps.catalog.specifications(), this.deps.catalog.images(), this.deps.catalog.regions()]);
    return { specifications, images, regions };
  }

  /** The keys to write to the machine: those given, then the team keys chosen, without duplicates or comments. */
  private async resolveKeys(ex: Executor, teamId: string, given: string[], chosen: string[]): Promise<string[]> {
    const problems: FieldError[] = [];
    const keys = new Map<string, string>();
    given.forEach((line, i) => {
      try {
        const k = parseSshPublicKey(line);
        keys.set(k.fingerprint, k.key);
      } catch (err) {
        if (!(err instanceof SshKeyFormatError)) throw err;
        problems.push({ field: `publicKeys.${i}`, message: err.message });
      }
    });
    if (problems.length) throw new AppError('VALIDATION_ERROR', undefined, problems);
    for (const ref of chosen) {
      const row = await sshKeysRepository.findByIdOrFingerprint(ex, teamId, ref);
      if (!row) throw new AppError('RESOURCE_NOT_FOUND', `No SSH key ${JSON.stringify(ref)} in this team: see GET /ssh-keys.`);
      keys.set(row.fingerprint, row.publicKey);
    }
    if (keys.size === 0) {
      throw new AppError('VALIDATION_ERROR', 'A compute needs at least one SSH key: give `publicKeys` or choose team keys in `sshKeys`.', [
        { field: 'publicKeys', message: 'give at least one public key, or choose one in sshKeys' },
      ]);
    }
    return [...keys.values()];
  }
}

function specificationIn(catalog: { specifications: SpecificationResponse[] }, slug: string): SpecificationResponse {
  const spec = catalog.specifications.find((s) => s.specification === slug);
  if (!spec) throw new AppError('RESOURCE_NOT_FOUND', `No specification ${JSON.stringify(slug)}: see GET /computes/specifications.`);
  return spec;
}

/** `to` has no less of anything than `from`, and more of something. */
export function isLarger(to: SpecificationResponse, from: SpecificationResponse): boolean {
  const noLess = to.vcpus >= from.vcpus && to.memoryMb >= from.memoryMb && to.storageGb >= from.storageGb;
  const more = to.vcpus > from.vcpus || to.memoryMb > from.memoryMb || to.storageGb > from.storageGb;
  return noLess && more;
}
