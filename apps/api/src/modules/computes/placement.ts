import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db, Executor } from '../../db/database.ts';
import { AppError } from '../../shared/errors.ts';
import { hostsRepository, type Committed, type HostRow, type HostStatus } from './hosts.repository.ts';
import type { DriverKind } from './hypervisor/port.ts';

/** CPU threads, memory and disk: of a host, or asked by a specification. */
export interface Resources {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/** How much may be committed per unit of a host's capacity (PLACEMENT_*_OVERCOMMIT). */
export interface OvercommitRatios {
  cpu: number;
  memory: number;
  disk: number;
}

export interface ConfiguredHost {
  name: string;
  capacity: Resources;
}

/** A host as staff see it: capacity, the limit the ratios give, what is committed and what is left. */
export interface HostView {
  name: string;
  driver: string;
  region: string;
  status: HostStatus;
  capacity: Resources;
  limit: Resources;
  committed: Committed;
  free: Resources;
}

const NONE: Committed = { vcpus: 0, memoryMb: 0, diskGb: 0, computes: 0 };

/** What placement may commit on a host: capacity × ratio, rounded down to whole units. */
export function limitOf(capacity: Resources, ratios: OvercommitRatios): Resources {
  return {
    vcpus: Math.floor(capacity.vcpus * ratios.cpu + 1e-9),
    memoryMb: Math.floor(capacity.memoryMb * ratios.memory + 1e-9),
    diskGb: Math.floor(capacity.diskGb * ratios.disk + 1e-9),
  };
}

/** True when `need` more stays within the host's limit on every resource. */
export function fits(limit: Resources, committed: Resources, need: Resources): boolean {
  return committed.vcpus + need.vcpus <= limit.vcpus && committed.memoryMb + need.memoryMb <= limit.memoryMb && committed.diskGb + need.diskGb <= limit.diskGb;
}

/**
 * The host a new machine goes on, or null when none has room. Strategy: spread. Among the hosts
 * where it fits, the one whose scarcest resource (as a share of its limit) is most free once the
 * machine is there; ties go to the first name. Spreading rather than bin-packing because a site
 * has a handful of hosts: a host lost takes fewer machines with it, and vCPUs overcommitted four
 * to one contend less. The price is fragmentation: a large machine may find no host with room
 * while the total would hold it — which CAPACITY_EXHAUSTED then says.
 */
export function chooseHost(candidates: ReadonlyArray<{ name: string; limit: Resources; committed: Resources }>, need: Resources): string | null {
  let best: { name: string; score: number } | null = null;
  for (const h of [...candidates].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!fits(h.limit, h.committed, need)) continue;
    const share = (limit: number, used: number) => (limit === 0 ? 0 : (limit - used) / limit);
    const score = Math.min(
      share(h.limit.vcpus, h.committed.vcpus + need.vcpus),
      share(h.limit.memoryMb, h.committed.memoryMb + need.memoryMb),
      share(h.limit.diskGb, h.committed.diskGb + need.diskGb),
    );
    if (!best || score > best.score) best = { name: h.name, score };
  }
  return best?.name ?? null;
}

const capacityOfRow = (h: HostRow): Resources => ({ vcpus: h.vcpus, memoryMb: h.memoryMb, diskGb: h.diskGb });

/**
 * Placement of machines on hosts (issue 6, item 4). The hosts of the running driver come from the
 * configuration (`syncHosts` at start); a create picks one in the creating transaction with the
 * region's host rows locked, counting what every compute that is not DESTROYED commits there,
 * so two creates can never both take the last room; an upsize re-checks the room on its host.
 * Nothing fits: CAPACITY_EXHAUSTED (503), which names neither hosts nor figures.
 */
export class Placement {
  constructor(private readonly opts: { driver: DriverKind; region: string; ratios: OvercommitRatios }) {}

  get ratios(): OvercommitRatios {
    return this.opts.ratios;
  }

  /**
   * Makes the hosts table say what the configuration says: the configured hosts of the running
   * driver exist with their capacity (draining ones stay draining); every other host is retired,
   * keeping its row for the computes that point at it.
   */
  async syncHosts(db: Db, configured: ConfiguredHost[], now: Date): Promise<void> {
    await db.transaction(async (tx) => {
      for (const h of configured) {
        await hostsRepository.upsert(tx, { driver: this.opts.driver, name: h.name, region: this.opts.region, ...h.capacity, updatedAt: now });
      }
      await hostsRepository.retireOthers(
        tx,
        this.opts.driver,
        configured.map((h) => h.name),
        now,
      );
    });
  }

  /** Chooses the host of a new machine; call inside the creating transaction, which keeps the region's hosts locked. */
  async place(ex: Executor, region: string, need: Resources, specification: string): Promise<string> {
    const candidates = await hostsRepository.lockPlaceable(ex, this.opts.driver, region);
    const committed = candidates.length
      ? await hostsRepository.committed(
          ex,
          this.opts.driver,
          candidates.map((h) => h.name),
        )
      : new Map<string, Committed>();
    const chosen = chooseHost(
      candidates.map((h) => ({ name: h.name, limit: limitOf(capacityOfRow(h), this.opts.ratios), committed: committed.get(h.name) ?? NONE })),
      need,
    );
    if (!chosen) throw new AppError('CAPACITY_EXHAUSTED', `No host in ${region} has room for a ${specification} compute right now: choose a smaller specification, or try again later.`);
    return chosen;
  }

  /**
   * An upsize from `from` to `to` must fit on the host the machine is on (machines do not move).
   * Computes made before placement (no host) and those of another driver are not checked.
   */
  async assertRoomForUpsize(ex: Executor, compute: { driver: string; host: string | null }, from: Resources, to: Resources, specification: string): Promise<void> {
    if (!compute.host || compute.driver !== this.opts.driver) return;
    const host = await hostsRepository.lock(ex, compute.driver, compute.host);
    if (!host) return;
    const committed = (await hostsRepository.committed(ex, compute.driver, [host.name])).get(host.name) ?? NONE;
    const more = { vcpus: Math.max(0, to.vcpus - from.vcpus), memoryMb: Math.max(0, to.memoryMb - from.memoryMb), diskGb: Math.max(0, to.diskGb - from.diskGb) };
    if (!fits(limitOf(capacityOfRow(host), this.opts.ratios), committed, more)) {
      throw new AppError(
        'CAPACITY_EXHAUSTED',
        `The host this compute runs on has no room for ${specification} right now: choose a smaller specification, or try again later.`,
      );
    }
  }

  /** Every host with its capacity, limit, committed and free resources (staff: `strettch hosts`). */
  async hosts(ex: Executor): Promise<HostView[]> {
    const rows = await hostsRepository.list(ex);
    const byDriver = new Map<string, Map<string, Committed>>();
    for (const driver of new Set(rows.map((r) => r.driver))) byDriver.set(driver, await hostsRepository.committed(ex, driver));
    return rows.map((h) => {
      const capacity = capacityOfRow(h);
      const limit = limitOf(capacity, this.opts.ratios);
      const committed = byDriver.get(h.driver)?.get(h.name) ?? NONE;
      return {
        name: h.name,
        driver: h.driver,
        region: h.region,
        status: h.status,
        capacity,
        limit,
        committed,
        free: { vcpus: limit.vcpus - committed.vcpus, memoryMb: limit.memoryMb - committed.memoryMb, diskGb: limit.diskGb - committed.diskGb },
      };
    });
  }

  /** Staff: a draining host keeps its machines and takes no new ones; `enabled` takes them again. */
  async setStatus(db: Db, name: string, status: Extract<HostStatus, 'enabled' | 'draining'>, now: Date): Promise<HostView> {
    const row = await hostsRepository.setStatus(db, this.opts.driver, name, status, now);
    if (!row) throw new AppError('RESOURCE_NOT_FOUND', `No ${this.opts.driver} host named ${JSON.stringify(name)}: see strettch hosts.`);
    return (await this.hosts(db)).find((h) => h.driver === row.driver && h.name === row.name)!;
  }
}

/**
 * The hosts the configuration gives the running driver: the simulated hosts of the fake
 * (FAKE_HOSTS); the Proxmox nodes with their configured capacity (PROXMOX_NODES,
 * PROXMOX_NODE_CAPACITY); or, for qemu, this machine: its CPU threads, memory and the free space
 * where the machines' disks go, unless QEMU_HOST_CAPACITY says otherwise.
 */
export async function configuredHosts(s: {
  driver: DriverKind;
  fakeHosts: Record<string, Resources>;
  proxmoxNodes: string[];
  proxmoxCapacity: Record<string, Resources>;
  qemuCapacity?: Resources;
  qemuDataDir: string;
}): Promise<ConfiguredHost[]> {
  switch (s.driver) {
    case 'fake':
      return Object.entries(s.fakeHosts).map(([name, capacity]) => ({ name, capacity }));
    case 'proxmox':
      // config.ts refuses to start when a node has no capacity.
      return s.proxmoxNodes.filter((n) => s.proxmoxCapacity[n]).map((name) => ({ name, capacity: s.proxmoxCapacity[name]! }));
    case 'qemu':
      return [{ name: os.hostname(), capacity: s.qemuCapacity ?? (await thisMachine(s.qemuDataDir)) }];
  }
}

async function thisMachine(dataDir: string): Promise<Resources> {
  const MIB = 1024 * 1024;
  return {
    vcpus: Math.max(1, os.cpus().length),
    memoryMb: Math.max(1, Math.floor(os.totalmem() / MIB)),
    diskGb: Math.max(1, Math.floor((await freeBytes(dataDir)) / (1024 * MIB))),
  };
}

/** Free space for an unprivileged writer on the file system of `dir`, or of its nearest existing parent. */
async function freeBytes(dir: string): Promise<number> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      const s = await fs.statfs(d);
      return s.bavail * s.bsize;
    } catch {
      if (d === path.dirname(d)) return 0;
    }
  }
}
