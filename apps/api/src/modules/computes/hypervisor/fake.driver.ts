import crypto from 'node:crypto';
import { Duplex } from 'node:stream';
import { parseSshPublicKey } from '../ssh-public-key.ts';
import {
  HypervisorError,
  type DriverCapabilities,
  type HostSample,
  type HypervisorDriver,
  type MachineRef,
  type MachineSize,
  type MachineSpec,
  type ObservedMachine,
  type OpHandle,
  type OpKey,
  type OpStatus,
  type PowerState,
  type StopOptions,
} from './port.ts';

/**
 * THE FAKE HYPERVISOR: FOR DEMOS AND FAST TESTS ONLY. It runs no virtual machine: machines are
 * rows in memory that change state after a short, configurable delay, and vanish when the
 * process stops. Use it to try the API and the console without QEMU, and in tests that are about
 * the control plane rather than the engine. It keeps the port's promises (idempotent operations,
 * a lock per machine, graceful stop with a hard fallback, disks that only grow), so the driver
 * contract suite runs against it like against the real drivers.
 */
export interface FakeDriverOptions {
  /**
   * Base duration of an operation, in ms: a create takes three times as long (it "boots"), every
   * other change once. 0 finishes each operation at its first poll.
   */
  delayMs?: number;
  /** Monotonic milliseconds; tests may drive it. */
  now?: () => number;
}

interface FakeMachine {
  ref: MachineRef;
  computeId: string | null;
  hostName: string;
  power: PowerState;
  size: MachineSize;
  sshPublicKeys: string[];
  /** A guest that ignores ACPI shutdown (to exercise the hard power-off fallback). */
  ignoresAcpi: boolean;
  destroyed: boolean;
}

type Command = 'create' | 'start' | 'stop' | 'reboot' | 'resize' | 'destroy';

interface FakeOp {
  handle: OpHandle;
  command: Command;
  /** What was asked, so a reused key with another request is caught. */
  request: string;
  startedAt: number;
  durationMs: number;
  /** Applies the change when the operation completes; returns the final status. */
  complete: () => OpStatus;
  result?: OpStatus;
}

export class FakeHypervisorDriver implements HypervisorDriver {
  readonly kind = 'fake' as const;
  readonly simulated = true;
  readonly pollIntervalMs: number;
  private readonly delayMs: number;
  private readonly now: () => number;
  private readonly machines = new Map<string, FakeMachine>();
  private readonly ops = new Map<OpKey, FakeOp>();
  private readonly failures = new Map<Command, string>();
  /** Readings taken per machine: each one is 30 simulated seconds after the last. */
  private readonly readings = new Map<string, number>();

  constructor(opts: FakeDriverOptions = {}) {
    this.delayMs = Math.max(0, opts.delayMs ?? 500);
    this.now = opts.now ?? (() => performance.now());
    this.pollIntervalMs = Math.min(250, Math.max(10, Math.round(this.delayMs / 5)));
  }

  capabilities(): DriverCapabilities {
    return { liveResize: false, consoles: ['serial'], userData: 'nocloud-iso', maxUserDataBytes: 64 * 1024 };
  }

  /** Test hook: the next `command` operation fails with `message` when it completes. */
  failNext(command: Command, message: string): void {
    this.failures.set(command, message);
  }

  /** Test hook: the guest ignores ACPI shutdown, so a stop ends with a hard power-off. */
  ignoreAcpi(ref: MachineRef, ignores = true): void {
    this.machine(ref).ignoresAcpi = ignores;
  }

  /** Test hook: the guest powers itself off (`shutdown` inside the machine), no operation involved. */
  powerOffInside(ref: MachineRef): void {
    this.machine(ref).power = 'off';
  }

  /** Test hook: the machine disappears from the engine (deleted by hand, a lost host). */
  vanish(ref: MachineRef): void {
    this.machines.delete(ref.id);
  }

  /** Test hook: a machine someone made on the engine without us; `computeId` labels it as if it were ours. */
  addStranger(computeId: string | null, hostName = 'stranger'): MachineRef {
    const ref = { id: `fake-${crypto.randomUUID()}` };
    this.machines.set(ref.id, { ref, computeId, hostName, power: 'running', size: { vcpus: 1, memoryMb: 512, diskGb: 10 }, sshPublicKeys: [], ignoresAcpi: false, destroyed: false });
    return ref;
  }

  async create(spec: MachineSpec, key: OpKey): Promise<OpHandle> {
    if (!(spec.vcpus > 0 && spec.memoryMb > 0 && spec.diskGb > 0)) throw new HypervisorError('invalid_spec', 'A machine needs CPUs, memory and a disk.');
    return this.begin(key, 'create', `create ${spec.computeId}`, undefined, 3 * this.delayMs, () => {
      // The simulated host placement chose, so staff views and the reconciler see where it "runs".
      const ref: MachineRef = { id: `fake-${crypto.randomUUID()}`, ...(spec.host ? { host: spec.host } : {}) };
      this.machines.set(ref.id, {
        ref,
        computeId: spec.computeId,
        hostName: spec.hostName,
        power: 'off',
        size: { vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskGb: spec.diskGb },
        sshPublicKeys: [...spec.sshPublicKeys],
        ignoresAcpi: false,
        destroyed: false,
      });
      return { ref, complete: () => this.set(ref, { power: 'running' }) };
    });
  }

  async start(ref: MachineRef, key: OpKey): Promise<OpHandle> {
    return this.begin(key, 'start', `start ${ref.id}`, ref, this.delayMs, () => ({ ref, complete: () => this.set(ref, { power: 'running' }) }));
  }

  async stop(ref: MachineRef, key: OpKey, opts: StopOptions): Promise<OpHandle> {
    const m = this.machine(ref);
    // A guest that ignores ACPI is powered off hard once the graceful wait has passed.
    const forced = m.power === 'running' && m.ignoresAcpi;
    const duration = this.delayMs + (forced ? Math.max(0, opts.gracefulTimeoutMs) : 0);
    return this.begin(key, 'stop', `stop ${ref.id}`, ref, duration, () => ({
      ref,
      complete: () => this.set(ref, { power: 'off' }, forced ? 'forced power-off: the guest did not shut down within the graceful wait' : 'graceful shutdown'),
    }));
  }

  async reboot(ref: MachineRef, key: OpKey): Promise<OpHandle> {
    return this.begin(key, 'reboot', `reboot ${ref.id}`, ref, this.delayMs, () => {
      if (this.machine(ref).power !== 'running') throw new HypervisorError('not_running', 'Only a running machine can be rebooted.');
      return { ref, complete: () => this.set(ref, { power: 'running' }) };
    });
  }

  async resize(ref: MachineRef, to: MachineSize, key: OpKey): Promise<OpHandle> {
    return this.begin(key, 'resize', `resize ${ref.id} ${to.vcpus}/${to.memoryMb}/${to.diskGb}`, ref, this.delayMs, () => {
      const m = this.machine(ref);
      if (m.power !== 'off') throw new HypervisorError('machine_running', 'Stop the machine before resizing it.');
      if (to.diskGb < m.size.diskGb) throw new HypervisorError('disk_shrink', 'A disk can only grow.');
      if (!(to.vcpus > 0 && to.memoryMb > 0)) throw new HypervisorError('invalid_spec', 'A machine needs CPUs and memory.');
      return { ref, complete: () => this.set(ref, { size: { ...to } }) };
    });
  }

  async destroy(ref: MachineRef, key: OpKey): Promise<OpHandle> {
    return this.begin(key, 'destroy', `destroy ${ref.id}`, ref, this.delayMs, () => ({
      ref,
      complete: () => {
        const m = this.machines.get(ref.id);
        if (m) {
          m.destroyed = true;
          this.machines.delete(ref.id);
        }
        return { state: 'succeeded', progress: 100 };
      },
    }));
  }

  async poll(handle: OpHandle): Promise<OpStatus> {
    const op = [...this.ops.values()].find((o) => o.handle.id === handle.id);
    if (!op) throw new HypervisorError('unknown_operation', `No operation ${handle.id}.`);
    return this.settle(op);
  }

  async observe(): Promise<ObservedMachine[]> {
    this.settleAll();
    return [...this.machines.values()].map((m) => this.view(m));
  }

  async inspect(ref: MachineRef): Promise<ObservedMachine | null> {
    this.settleAll();
    const m = this.machines.get(ref.id);
    return m ? this.view(m) : null;
  }

  /** A simulated serial console: a banner, the ready line, the key fingerprints, and an echo. */
  async openConsole(ref: MachineRef): Promise<Duplex> {
    this.settleAll();
    const m = this.machine(ref);
    const lines =
      m.power === 'running'
        ? [
            'Strettch Cloud fake hypervisor: simulated serial console, for demos and tests (no real machine runs).',
            `${m.hostName} ready`,
            ...m.sshPublicKeys.map((k) => `ssh key ${safeFingerprint(k)}`),
            `${m.hostName} login: `,
          ]
        : ['Strettch Cloud fake hypervisor: the machine is powered off.'];
    const stream = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        // Echo like a terminal in cooked mode.
        stream.push(chunk.toString('utf8').replace(/\r?\n|\r/g, '\r\n'));
        cb();
      },
      final(cb) {
        stream.push(null);
        cb();
      },
    });
    stream.push(`${lines.join('\r\n')}`);
    return stream;
  }

  /**
   * Plausible, deterministic readings: every call is 30 simulated seconds after the previous one
   * for that machine, and the counters integrate smooth waves (a machine idling around 20 % CPU
   * with some disk and network traffic), so two readings always give the same rates.
   */
  async sample(ref: MachineRef): Promise<HostSample | null> {
    this.settleAll();
    const m = this.machines.get(ref.id);
    if (!m || m.power !== 'running') return null;
    const n = (this.readings.get(ref.id) ?? 0) + 1;
    this.readings.set(ref.id, n);
    const t = n * 30;
    const phase = (crypto.createHash('sha256').update(ref.id).digest().readUInt16BE(0) / 65536) * 2 * Math.PI;
    const wave = (base: number, swing: number, periodMinutes: number, shift = 0) => integral(base, swing, (2 * Math.PI) / (periodMinutes * 60), phase + shift, t);
    const readBytes = wave(150_000, 120_000, 23);
    const writeBytes = wave(400_000, 300_000, 41, 1);
    const rxBytes = wave(60_000, 50_000, 17, 2);
    const txBytes = wave(25_000, 20_000, 29, 3);
    return {
      at: t * 1000,
      epoch: ref.id,
      vcpus: m.size.vcpus,
      cpuSeconds: m.size.vcpus * (wave(0.16, 0.1, 40) + wave(0.06, 0.05, 7, 1)),
      disk: { readBytes, writeBytes, readOps: readBytes / 16_384, writeOps: writeBytes / 8_192 },
      network: { rxBytes, txBytes, rxPackets: rxBytes / 900, txPackets: txBytes / 600 },
    };
  }

  async close(): Promise<void> {
    this.ops.clear();
  }

  private begin(
    key: OpKey,
    command: Command,
    request: string,
    ref: MachineRef | undefined,
    durationMs: number,
    prepare: () => { ref: MachineRef; complete: () => OpStatus },
  ): OpHandle {
    const existing = this.ops.get(key);
    if (existing) {
      if (existing.command !== command || existing.request !== request) {
        throw new HypervisorError('key_reused', `Operation key ${key} was already used for another change.`);
      }
      return existing.handle;
    }
    this.settleAll();
    if (ref) {
      const m = this.machines.get(ref.id);
      if (!m) {
        if (command !== 'destroy') throw new HypervisorError('not_found', `No machine ${ref.id}.`);
      } else {
        const busy = this.lockOf(ref.id);
        if (busy) throw new HypervisorError('locked', `Machine ${ref.id} is busy with operation ${busy}.`, true);
      }
    }
    const prepared = prepare();
    const failure = this.failures.get(command);
    if (failure !== undefined) this.failures.delete(command);
    const handle: OpHandle = { id: `op-${crypto.randomUUID()}`, ref: prepared.ref };
    const op: FakeOp = {
      handle,
      command,
      request,
      startedAt: this.now(),
      durationMs,
      complete: failure === undefined ? prepared.complete : () => ({ state: 'failed', error: { code: 'injected_failure', message: failure } }),
    };
    this.ops.set(key, op);
    return handle;
  }

  private settle(op: FakeOp): OpStatus {
    if (op.result) return op.result;
    const elapsed = this.now() - op.startedAt;
    if (elapsed < op.durationMs) {
      return { state: 'running', progress: Math.min(99, Math.max(0, Math.floor((elapsed / op.durationMs) * 100))) };
    }
    op.result = op.complete();
    return op.result;
  }

  private settleAll(): void {
    for (const op of this.ops.values()) this.settle(op);
  }

  private lockOf(refId: string): string | undefined {
    for (const op of this.ops.values()) {
      if (op.handle.ref.id === refId && !op.result) return op.handle.id;
    }
    return undefined;
  }

  private set(ref: MachineRef, patch: Partial<Pick<FakeMachine, 'power' | 'size'>>, detail?: string): OpStatus {
    const m = this.machines.get(ref.id);
    if (!m) return { state: 'failed', error: { code: 'not_found', message: `Machine ${ref.id} disappeared during the operation.` } };
    Object.assign(m, patch);
    return detail ? { state: 'succeeded', progress: 100, detail } : { state: 'succeeded', progress: 100 };
  }

  private machine(ref: MachineRef): FakeMachine {
    const m = this.machines.get(ref.id);
    if (!m) throw new HypervisorError('not_found', `No machine ${ref.id}.`);
    return m;
  }

  private view(m: FakeMachine): ObservedMachine {
    const lockedBy = this.lockOf(m.ref.id);
    return { ref: { ...m.ref }, computeId: m.computeId, power: m.power, size: { ...m.size }, ...(lockedBy ? { lockedBy } : {}) };
  }
}

/** ∫₀ᵗ base + swing·sin(ωs + φ) ds: never decreasing while swing ≤ base, as a counter must. */
function integral(base: number, swing: number, omega: number, phi: number, t: number): number {
  return base * t - (swing / omega) * (Math.cos(omega * t + phi) - Math.cos(phi));
}

function safeFingerprint(key: string): string {
  try {
    return parseSshPublicKey(key).fingerprint;
  } catch {
    return '(unreadable key)';
  }
}
