import crypto from 'node:crypto';
import { and, eq, inArray, isNull, ne, notInArray } from 'drizzle-orm';
import type { Db, Tx } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { systemContext } from '../../shared/context.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Audit } from '../audit/audit.service.ts';
import { computeActionsRepository, computesRepository } from './computes.repository.ts';
import { computeDrift, computes, type driftKinds } from './computes.schema.ts';
import type { HypervisorDriver, ObservedMachine } from './hypervisor/port.ts';

type DriftKind = (typeof driftKinds)[number];
export type DriftRow = typeof computeDrift.$inferSelect;

/**
 * The reconciler (issue 6, item 5): compares what the database says with what the hypervisor
 * observes, and turns every difference into a recorded change or an item for staff — never a
 * silent delete.
 *
 * - A compute that is RUNNING in the database but whose machine is off (the guest shut itself
 *   down), or the reverse, takes the observed power state, with an audit entry; it stays billable.
 * - A compute whose machine is gone becomes ERROR, and a MISSING_MACHINE item asks staff why.
 * - A machine labelled with a compute we destroyed or never had (ORPHAN_MACHINE), or with no label
 *   at all (UNKNOWN_MACHINE), is reported, not destroyed: it may be someone's data.
 * Computes with an action under way are left to their action. Items that no longer hold are closed.
 */
export class ComputeReconciler {
  constructor(
    private readonly db: Db,
    private readonly deps: { clock: Clock; audit: Audit; driver: HypervisorDriver; logger: Logger },
  ) {}

  async run(): Promise<{ powerFixed: number; missing: number; orphans: number; unknown: number }> {
    const observed = await this.deps.driver.observe();
    const byCompute = new Map<string, ObservedMachine>();
    for (const m of observed) if (m.computeId) byCompute.set(m.computeId, m);
    const counts = { powerFixed: 0, missing: 0, orphans: 0, unknown: 0 };
    const seen: { kind: DriftKind; driverRef: string }[] = [];

    const live = await this.db
      .select({ id: computes.id })
      .from(computes)
      .where(and(eq(computes.driver, this.deps.driver.kind), notInArray(computes.state, ['DESTROYED', 'ERROR'])));
    for (const { id } of live) {
      const outcome = await this.reconcileCompute(id, byCompute.get(id));
      if (outcome === 'power') counts.powerFixed++;
      else if (outcome) {
        counts.missing++;
        seen.push(outcome);
      }
    }

    const known = new Map((await this.db.select({ id: computes.id, state: computes.state }).from(computes).where(inArray(computes.id, [...byCompute.keys(), crypto.randomUUID()]))).map((r) => [r.id, r.state]));
    for (const m of observed) {
      if (!m.computeId) {
        counts.unknown++;
        seen.push(await this.flag('UNKNOWN_MACHINE', null, m.ref.id, `A machine without our label (power ${m.power}).`));
      } else if (!known.has(m.computeId) || known.get(m.computeId) === 'DESTROYED') {
        counts.orphans++;
        seen.push(await this.flag('ORPHAN_MACHINE', m.computeId, m.ref.id, `A machine labelled for compute ${m.computeId}, which is ${known.has(m.computeId) ? 'destroyed' : 'not ours'} (power ${m.power}).`));
      }
    }
    await this.closeResolved(seen);
    if (counts.powerFixed + counts.missing + counts.orphans + counts.unknown > 0) this.deps.logger.warn(counts, 'compute drift found');
    return counts;
  }

  /** Open items for staff, oldest first. */
  async openItems(): Promise<DriftRow[]> {
    return this.db.select().from(computeDrift).where(isNull(computeDrift.resolvedAt)).orderBy(computeDrift.firstSeenAt);
  }

  private async reconcileCompute(id: string, machine: ObservedMachine | undefined): Promise<'power' | { kind: DriftKind; driverRef: string } | null> {
    return this.db.transaction(async (tx) => {
      const compute = await computesRepository.lock(tx, id);
      if (!compute || compute.state === 'DESTROYED' || compute.state === 'ERROR') return null;
      // An action under way owns the compute; a compute not yet created has no machine to see.
      if (await computeActionsRepository.openFor(tx, id)) return null;
      if (!compute.driverRef) return null;
      const ctx = { ...systemContext(tx, 'computes.reconcile'), teamId: compute.teamId };
      const now = this.deps.clock.now();
      // The inventory was read before this compute was locked: an action that ended meanwhile may
      // have made its machine. Ask for this one machine again before calling it gone.
      machine ??= (await this.deps.driver.inspect({ id: compute.driverRef })) ?? undefined;
      if (!machine) {
        await computesRepository.update(tx, id, { state: 'ERROR', updatedAt: now });
        await this.deps.audit.record(ctx, { action: 'compute.drift', targetType: 'compute', targetId: id, data: { was: compute.state, observed: 'missing' } });
        return this.flagIn(tx, 'MISSING_MACHINE', id, compute.driverRef, `The machine of a ${compute.state} compute is gone from the hypervisor.`);
      }
      const observed = machine.power === 'running' ? 'RUNNING' : machine.power === 'off' ? 'STOPPED' : null;
      if (observed && observed !== compute.state && (compute.state === 'RUNNING' || compute.state === 'STOPPED')) {
        await computesRepository.update(tx, id, { state: observed, updatedAt: now });
        await this.deps.audit.record(ctx, { action: 'compute.state.observed', targetType: 'compute', targetId: id, data: { was: compute.state, now: observed } });
        return 'power';
      }
      return null;
    });
  }

  private flag(kind: DriftKind, computeId: string | null, driverRef: string, detail: string): Promise<{ kind: DriftKind; driverRef: string }> {
    return this.db.transaction((tx) => this.flagIn(tx, kind, computeId, driverRef, detail));
  }

  private async flagIn(tx: Tx, kind: DriftKind, computeId: string | null, driverRef: string, detail: string) {
    const now = this.deps.clock.now();
    const updated = await tx
      .update(computeDrift)
      .set({ lastSeenAt: now, detail })
      .where(and(eq(computeDrift.kind, kind), eq(computeDrift.driverRef, driverRef), isNull(computeDrift.resolvedAt)))
      .returning({ id: computeDrift.id });
    if (updated.length === 0) {
      await tx.insert(computeDrift).values({ id: crypto.randomUUID(), kind, computeId, driverRef, detail, firstSeenAt: now, lastSeenAt: now }).onConflictDoNothing();
    }
    return { kind, driverRef };
  }

  /** Items not seen in this run no longer hold (the machine came back, was removed by staff, …). */
  private async closeResolved(seen: { kind: DriftKind; driverRef: string }[]): Promise<void> {
    const now = this.deps.clock.now();
    const keep = new Set(seen.map((s) => `${s.kind}|${s.driverRef}`));
    for (const item of await this.openItems()) {
      // A missing machine stays open until staff settle it: the compute is in ERROR meanwhile.
      if (item.kind === 'MISSING_MACHINE' || keep.has(`${item.kind}|${item.driverRef}`)) continue;
      await this.db.update(computeDrift).set({ resolvedAt: now }).where(and(eq(computeDrift.id, item.id), ne(computeDrift.kind, 'MISSING_MACHINE')));
    }
  }
}
