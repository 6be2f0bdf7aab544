import type { Duplex } from 'node:stream';

/**
 * The hypervisor port: everything the control plane asks of the engine that runs virtual
 * machines (STYLE.md §3). Drivers: `fake` (in memory, for demos and fast tests only), and, to
 * come, `qemu` (QEMU started directly, controlled over QMP; tests and single hosts) and `proxmox`
 * (a Proxmox VE cluster per site). One contract suite, `driver.contract.ts`, runs against each.
 *
 * Principles (reference cloud-anchors §4, "Driver interface"):
 * - The control plane owns the desired state (the database); the driver reports what it observes.
 * - Every change is an operation named by an idempotency key (our action id). Calling the same
 *   change again with the same key returns the same operation and changes nothing more, so a job
 *   retried after a crash never makes a second machine or a second reboot.
 * - Changes return quickly with a handle; `poll` follows them. Drivers never block on the guest.
 * - `observe` lists the whole inventory cheaply enough for a periodic reconciler; every machine is
 *   labelled with our compute id so strangers and ghosts can be told apart.
 */

/** The idempotency key of one change: the id of the action that asked for it. */
export type OpKey = string;

export type DriverKind = 'fake' | 'qemu' | 'proxmox';

/** The driver's name for a machine: a VMID on Proxmox, a directory on the qemu driver, an id in the fake. */
export interface MachineRef {
  id: string;
  /** Host or cluster node the machine is on, when the engine has several. */
  host?: string;
}

/** What a new machine is made of. */
export interface MachineSpec {
  /** Our compute id; drivers label the machine with it (reconciler, orphans). */
  computeId: string;
  hostName: string;
  /** Catalogue image slug (e.g. `UBUNTU-24.04`); drivers map it to a base image or template. */
  image: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  /** OpenSSH public keys for the default user's `authorized_keys`. */
  sshPublicKeys: string[];
  /** cloud-init user data; it may hold secrets: drivers must not log it. */
  userData: string | null;
  network: MachineNetwork;
  /** The host (Proxmox node) placement chose for the machine; drivers with one host ignore it. */
  host?: string;
}

/**
 * The machine's addresses. `privateNet` and `publicNet` give the prefix length and gateway of the
 * block each address is in, so drivers can configure the guest statically (no DHCP on our networks).
 */
export interface MachineNetwork {
  privateIpv4: string;
  publicIpv4: string | null;
  privateNet?: { prefix: number; gateway: string };
  publicNet?: { prefix: number; gateway: string } | null;
}

export interface MachineSize {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

export interface OpHandle {
  /** The driver's operation id (a Proxmox UPID, a local job id). */
  id: string;
  /** The machine the operation acts on; for a create, the new machine. */
  ref: MachineRef;
}

export type OpStatus =
  | { state: 'running'; progress: number }
  | { state: 'succeeded'; progress: 100; detail?: string }
  | { state: 'failed'; error: { code: string; message: string } };

export type PowerState = 'running' | 'off' | 'paused' | 'unknown';

export interface ObservedMachine {
  ref: MachineRef;
  /** Our compute id from the machine's label; null for a machine we did not make. */
  computeId: string | null;
  power: PowerState;
  size: MachineSize;
  /** Set while an operation holds the machine (Proxmox's config lock, the fake's running operation). */
  lockedBy?: string;
}

/** One reading of a running machine by its hypervisor: totals since `epoch`, never rates. */
export interface HostSample {
  /** The driver's time of the reading, ms (monotonic within an epoch): rates are counted between two readings. */
  at: number;
  /** Changes when the counters start again from zero, e.g. a new QEMU process. */
  epoch: string;
  vcpus: number;
  /** CPU time the machine has used, in seconds. */
  cpuSeconds: number;
  disk: { readBytes: number; writeBytes: number; readOps: number; writeOps: number } | null;
  network: { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number } | null;
}

export interface DriverCapabilities {
  /** Resize while running; no driver offers it yet, so the control plane resizes stopped machines only. */
  liveResize: boolean;
  consoles: ReadonlyArray<'serial'>;
  userData: 'nocloud-iso' | 'snippet' | 'none';
  maxUserDataBytes: number;
}

export interface StopOptions {
  /** How long to wait for the guest to power off after an ACPI shutdown before pulling the plug. */
  gracefulTimeoutMs: number;
}

export interface HypervisorDriver {
  readonly kind: DriverKind;
  /** True for drivers that run no machine at all (the fake): shown as such to users and operators. */
  readonly simulated: boolean;
  /** A sensible wait between two polls of one operation. */
  readonly pollIntervalMs: number;
  capabilities(): DriverCapabilities;

  /** Makes and boots a machine. */
  create(spec: MachineSpec, key: OpKey): Promise<OpHandle>;
  start(ref: MachineRef, key: OpKey): Promise<OpHandle>;
  /** ACPI shutdown, then a hard power-off when the guest has not stopped within `gracefulTimeoutMs`. */
  stop(ref: MachineRef, key: OpKey, opts: StopOptions): Promise<OpHandle>;
  reboot(ref: MachineRef, key: OpKey): Promise<OpHandle>;
  /** Changes CPU, memory and disk of a stopped machine; disks only grow. */
  resize(ref: MachineRef, to: MachineSize, key: OpKey): Promise<OpHandle>;
  /** Removes the machine and its disks. Destroying a machine that is already gone succeeds. */
  destroy(ref: MachineRef, key: OpKey): Promise<OpHandle>;

  poll(handle: OpHandle): Promise<OpStatus>;
  /** Every machine the engine holds, ours or not. */
  observe(): Promise<ObservedMachine[]>;
  /** One machine, or null when the engine does not have it. */
  inspect(ref: MachineRef): Promise<ObservedMachine | null>;
  /**
   * The machine's serial console as a byte stream both ways: the guest's output to read, keys to
   * write. The caller (the web console) checks permissions, audits and closes it.
   */
  openConsole(ref: MachineRef): Promise<Duplex>;
  /**
   * What the engine sees of a running machine from outside, as cumulative counters (the metrics
   * job turns two readings into rates), so graphs work without the agent in the guest. Null when
   * the machine does not run. Optional: drivers that cannot see it leave it out.
   */
  sample?(ref: MachineRef): Promise<HostSample | null>;

  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * A driver call failed. `transient` failures (the engine unreachable, busy, timing out) are
 * retried by the job with backoff; others end the action with the driver's message.
 */
export class HypervisorError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly transient = false,
  ) {
    super(message);
    this.name = 'HypervisorError';
  }
}
