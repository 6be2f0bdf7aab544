import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { failpoint } from '../../../shared/failpoints.ts';
import { buildNoCloudSeed, guestNics, type GuestNic } from './qemu.seed.ts';
import { qmp } from './qemu.qmp.ts';
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
 * The qemu driver: virtual machines on this host, QEMU started directly and controlled over QMP.
 * For tests, CI and single hosts; production sites use Proxmox VE.
 *
 * Every machine is a directory `<dataDir>/vm-<12 hex>/` holding
 *   - `label` (our compute id: how `observe` tells our machines from strangers) and `machine.json`
 *     (host name, image, size),
 *   - `disk.qcow2`, a qcow2 overlay on the image's base (`qemu-img create -b`), grown by `qemu-img resize`,
 *   - `seed.iso`, the NoCloud seed (host name, SSH keys, sshd on port 222, the team's user data),
 *   - while it runs: `qemu.pid`, `qmp.sock` (QMP), `console.sock` (the serial console) and
 *     `serial.log` (everything the guest printed since its start),
 *   - `lock`, the id of the operation that holds it.
 * Operations are records in `<dataDir>/.ops/` named after their key, so a process restarted after
 * a crash answers `poll` and re-runs the unfinished step (every step is idempotent). QEMU runs
 * daemonised and outlives the API process. One process owns a data folder at a time.
 *
 * Images: `images` maps catalogue slugs to base qcow2 files (Ubuntu 24.04 cloud images in
 * production). An image without a base boots the tiny test guest (`scripts/build-tiny-guest.sh`)
 * with -kernel/-initrd over an empty overlay disk, with a warning in the log. A create or start
 * succeeds when the tiny guest prints its ready line on the serial console; a real image counts as
 * booted as soon as QMP reports it running (the driver cannot see inside it).
 */
export interface QemuDriverOptions {
  /** Root folder of the machines (QEMU_DATA_DIR). */
  dataDir: string;
  qemuBinary?: string;
  qemuImgBinary?: string;
  /** Catalogue slug → base qcow2 image (QEMU_IMAGES). */
  images?: Record<string, string>;
  /** Folder with the tiny guest's `vmlinuz` and `initrd.img` (QEMU_TINY_GUEST_DIR); null: none. */
  tinyGuestDir?: string | null;
  /** kvm, tcg, or auto: KVM when a boot probe with a timeout succeeds, else TCG (QEMU_ACCEL). */
  accel?: 'auto' | 'kvm' | 'tcg';
  /** How long a create, start or reboot waits for the guest before failing. */
  bootTimeoutMs?: number;
  pollIntervalMs?: number;
  logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

type Command = 'create' | 'start' | 'stop' | 'reboot' | 'resize' | 'destroy';

interface OpRecord {
  id: string;
  key: string;
  command: Command;
  request: string;
  ref: MachineRef;
  startedAt: number;
  progress: number;
  /** Step data that must survive a restart. */
  spec?: MachineSpec;
  size?: MachineSize;
  gracefulTimeoutMs?: number;
  powerdownAt?: number;
  resetSent?: boolean;
  /** Where in serial.log to look for the ready line. */
  serialOffset?: number;
  result?: OpStatus;
}

interface MachineConfig {
  computeId: string;
  hostName: string;
  image: string;
  size: MachineSize;
  /** `tiny`: the tiny guest's kernel and initrd; `image`: boots from the disk. */
  boot: 'tiny' | 'image';
  /** Its network interfaces, as its seed's network-config names them (none on machines made before they existed). */
  nics?: GuestNic[];
}

const READY_LINE = 'STRETTCH-GUEST READY';
const MACHINE_DIR = /^vm-[0-9a-f]{12}$/;
const ACCEL_PROBE_TIMEOUT_MS = 10_000;
/** One probe per QEMU binary and process: a hanging /dev/kvm costs the probe timeout each time. */
const accelProbes = new Map<string, Promise<'kvm' | 'tcg'>>();

export class QemuHypervisorDriver implements HypervisorDriver {
  readonly kind = 'qemu' as const;
  readonly simulated = false;
  readonly pollIntervalMs: number;
  private readonly dataDir: string;
  private readonly opsDir: string;
  private readonly qemu: string;
  private readonly qemuImg: string;
  private readonly images: Record<string, string>;
  private readonly tinyGuestDir: string | null;
  private readonly accelSetting: 'auto' | 'kvm' | 'tcg';
  private readonly bootTimeoutMs: number;
  private readonly log: NonNullable<QemuDriverOptions['logger']>;
  private readonly runners = new Map<string, Promise<void>>();
  private readonly machineLocks = new Map<string, Promise<unknown>>();
  private beginChain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(opts: QemuDriverOptions) {
    this.dataDir = path.resolve(opts.dataDir);
    this.opsDir = path.join(this.dataDir, '.ops');
    this.qemu = opts.qemuBinary ?? 'qemu-system-x86_64';
    this.qemuImg = opts.qemuImgBinary ?? 'qemu-img';
    this.images = opts.images ?? {};
    this.tinyGuestDir = opts.tinyGuestDir ?? null;
    this.accelSetting = opts.accel ?? 'auto';
    this.bootTimeoutMs = opts.bootTimeoutMs ?? 300_000;
    this.pollIntervalMs = opts.pollIntervalMs ?? 250;
    this.log = opts.logger ?? { info: () => {}, warn: (o, m) => console.warn(m, o) };
  }

  capabilities(): DriverCapabilities {
    return { liveResize: false, consoles: ['serial'], userData: 'nocloud-iso', maxUserDataBytes: 64 * 1024 };
  }

  /** The accelerator machines run with: KVM only when a tiny boot under KVM ends within the timeout. */
  acceleration(): Promise<'kvm' | 'tcg'> {
    if (this.accelSetting !== 'auto') return Promise.resolve(this.accelSetting);
    let probe = accelProbes.get(this.qemu);
    if (!probe) {
      probe = this.probeAccel();
      accelProbes.set(this.qemu, probe);
    }
    return probe;
  }

  async create(spec: MachineSpec, key: OpKey): Promise<OpHandle> {
    if (!(spec.vcpus > 0 && spec.memoryMb > 0 && spec.diskGb > 0)) throw new HypervisorError('invalid_spec', 'A machine needs CPUs, memory and a disk.');
    return this.begin(key, 'create', `create ${spec.computeId}`, undefined, async () => {
      const ref = { id: `vm-${crypto.randomBytes(6).toString('hex')}` };
      return { ref, spec };
    });
  }

  async start(ref: MachineRef, key: OpKey): Promise<OpHandle> {
    return this.begin(key, 'start', `start ${ref.id}`, ref, async () => ({ ref }));
  }

  async stop(ref: MachineRef, key: OpKey, opts: StopOptions): Promise<OpHandle> {
    return this.begin(key, 'stop', `stop ${ref.id}`, ref, async () => ({ ref, gracefulTimeoutMs: Math.max(0, opts.gracefulTimeoutMs) }));
  }

  async reboot(ref: MachineRef, key: OpKey): Promise<OpHandle> {
    return this.begin(key, 'reboot', `reboot ${ref.id}`, ref, async () => {
      if ((await this.pid(ref.id)) === null) throw new HypervisorError('not_running', 'Only a running machine can be rebooted.');
      return { ref, serialOffset: await this.serialSize(ref.id) };
    });
  }

  async resize(ref: MachineRef, to: MachineSize, key: OpKey): Promise<OpHandle> {
    return this.begin(key, 'resize', `resize ${ref.id} ${to.vcpus}/${to.memoryMb}/${to.diskGb}`, ref, async () => {
      const m = await this.readConfig(ref.id);
      if ((await this.pid(ref.id)) !== null) throw new HypervisorError('machine_running', 'Stop the machine before resizing it.');
      if (m && to.diskGb < m.size.diskGb) throw new HypervisorError('disk_shrink', 'A disk can only grow.');
      if (!(to.vcpus > 0 && to.memoryMb > 0 && to.diskGb > 0)) throw new HypervisorError('invalid_spec', 'A machine needs CPUs, memory and a disk.');
      return { ref, size: { ...to } };
    });
  }

  async destroy(ref: MachineRef, key: OpKey): Promise<OpHandle> {
    return this.begin(key, 'destroy', `destroy ${ref.id}`, ref, async () => ({ ref }));
  }

  async poll(handle: OpHandle): Promise<OpStatus> {
    const op = await this.readOp(handle.id);
    if (!op) throw new HypervisorError('unknown_operation', `No operation ${handle.id}.`);
    if (op.result) return op.result;
    this.kick(op); // after a restart, nobody runs it yet
    return { state: 'running', progress: Math.min(99, Math.max(0, op.progress)) };
  }

  async observe(): Promise<ObservedMachine[]> {
    const entries = await fs.readdir(this.dataDir, { withFileTypes: true }).catch(() => []);
    const seen = await Promise.all(entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => this.inspect({ id: e.name })));
    return seen.filter((m): m is ObservedMachine => m !== null);
  }

  async inspect(ref: MachineRef): Promise<ObservedMachine | null> {
    if (!isSafeId(ref.id)) return null;
    const dir = this.dir(ref.id);
    if (!existsSync(dir)) return null;
    const label = await fs.readFile(path.join(dir, 'label'), 'utf8').then((s) => s.trim() || null, () => null);
    const config = await this.readConfig(ref.id);
    const lockedBy = await this.lockOf(ref.id);
    return {
      ref: { id: ref.id },
      computeId: label,
      power: await this.power(ref.id),
      size: config ? { ...config.size } : { vcpus: 0, memoryMb: 0, diskGb: 0 },
      ...(lockedBy ? { lockedBy } : {}),
    };
  }

  /**
   * The serial console: the last 16 KiB the guest printed (from serial.log), then the live socket.
   * QEMU serves one console client at a time; a second one waits until the first closes.
   */
  async openConsole(ref: MachineRef): Promise<Duplex> {
    if (!isSafeId(ref.id) || !existsSync(this.dir(ref.id))) throw new HypervisorError('not_found', `No machine ${ref.id}.`);
    const running = (await this.pid(ref.id)) !== null;
    const socket = running ? await connectUnix(path.join(this.dir(ref.id), 'console.sock'), 5_000).catch(() => null) : null;
    socket?.pause();
    const tail = await readTail(path.join(this.dir(ref.id), 'serial.log'), 16 * 1024);
    const stream = new Duplex({
      read() {
        socket?.resume();
      },
      write(chunk: Buffer, _enc, cb) {
        if (socket) socket.write(chunk, cb);
        else cb();
      },
      final(cb) {
        socket?.end();
        cb();
      },
      destroy(err, cb) {
        socket?.destroy();
        cb(err);
      },
    });
    stream.push(tail);
    if (socket) {
      socket.on('data', (d: Buffer) => {
        if (!stream.push(d)) socket.pause();
      });
      socket.on('close', () => stream.push(null));
      socket.on('error', () => stream.push(null));
    } else {
      stream.push('\r\n[Strettch Cloud: the machine is powered off]\r\n');
      stream.push(null);
    }
    return stream;
  }

  /**
   * The QEMU process's CPU time (utime + stime of /proc/<pid>/stat, in clock ticks) and the guest's
   * block devices as QMP `query-blockstats` counts them. QMP has no per-NIC counters for user-mode
   * networks, so there is no network reading (the agent gives it). A new QEMU process is a new
   * epoch (its pid and start time).
   */
  async sample(ref: MachineRef): Promise<HostSample | null> {
    if (!isSafeId(ref.id)) return null;
    const pid = await this.pid(ref.id);
    const config = pid === null ? null : await this.readConfig(ref.id);
    const stat = pid === null ? null : await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (pid === null || !config || !stat) return null;
    const at = performance.timeOrigin + performance.now();
    // Fields after the command name, which may hold spaces: index 0 is field 3 (state) of proc(5).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (!Number.isFinite(ticks)) return null;
    const disk = await this.withQmp(ref.id, (x) => x('query-blockstats'), 3_000).then(
      (r) => {
        const total = { readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 };
        for (const d of r as Array<{ stats?: { rd_bytes?: number; wr_bytes?: number; rd_operations?: number; wr_operations?: number } }>) {
          total.readBytes += d.stats?.rd_bytes ?? 0;
          total.writeBytes += d.stats?.wr_bytes ?? 0;
          total.readOps += d.stats?.rd_operations ?? 0;
          total.writeOps += d.stats?.wr_operations ?? 0;
        }
        return total;
      },
      () => null,
    );
    return { at, epoch: `${pid}:${fields[19] ?? ''}`, vcpus: config.size.vcpus, cpuSeconds: ticks / (await clockTicks()), disk, network: null };
  }

  /** Releases nothing that matters: machines keep running, unfinished operations resume on the next poll. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.runners.values()]);
  }

  // ---- operations ----

  private begin(
    key: OpKey,
    command: Command,
    request: string,
    ref: MachineRef | undefined,
    prepare: () => Promise<Pick<OpRecord, 'ref'> & Partial<OpRecord>>,
  ): Promise<OpHandle> {
    const run = async (): Promise<OpHandle> => {
      const id = opId(key);
      const existing = await this.readOp(id);
      if (existing) {
        if (existing.command !== command || existing.request !== request) {
          throw new HypervisorError('key_reused', `Operation key ${key} was already used for another change.`);
        }
        if (!existing.result) this.kick(existing);
        return { id, ref: { ...existing.ref } };
      }
      if (ref) {
        if (!isSafeId(ref.id)) throw new HypervisorError('not_found', `No machine ${ref.id}.`);
        if (!existsSync(this.dir(ref.id))) {
          if (command !== 'destroy') throw new HypervisorError('not_found', `No machine ${ref.id}.`);
        } else {
          const busy = await this.lockOf(ref.id);
          if (busy) throw new HypervisorError('locked', `Machine ${ref.id} is busy with operation ${busy}.`, true);
        }
      }
      const prepared = await prepare();
      const op: OpRecord = { id, key, command, request, startedAt: Date.now(), progress: 0, ...prepared };
      await this.writeOp(op); // first, so a crash from here on is recovered by poll
      if (command === 'create') await this.writeMachineFiles(op);
      if (existsSync(this.dir(op.ref.id))) await fs.writeFile(path.join(this.dir(op.ref.id), 'lock'), id);
      this.kick(op);
      return { id, ref: { ...op.ref } };
    };
    const result = this.beginChain.then(run, run);
    this.beginChain = result.catch(() => undefined);
    return result;
  }

  private kick(op: OpRecord): void {
    if (this.closed || op.result || this.runners.has(op.id)) return;
    const runner = this.execute(op)
      .then(
        (status) => this.finish(op, status),
        (e: unknown) => {
          if (e instanceof HypervisorError && e.transient) {
            // Left unfinished: the next poll runs it again.
            this.log.warn({ op: op.id, command: op.command, machine: op.ref.id, err: e.message }, 'qemu driver: operation step failed, will retry on the next poll');
            return;
          }
          const error = e instanceof HypervisorError ? { code: e.code, message: e.message } : { code: 'qemu_error', message: e instanceof Error ? e.message : String(e) };
          return this.finish(op, { state: 'failed', error });
        },
      )
      .catch((e: unknown) => this.log.warn({ op: op.id, err: String(e) }, 'qemu driver: could not record an operation result'))
      .finally(() => this.runners.delete(op.id));
    this.runners.set(op.id, runner);
  }

  private async finish(op: OpRecord, status: OpStatus): Promise<void> {
    op.result = status;
    if (status.state === 'succeeded') op.progress = 100;
    await this.writeOp(op);
    const lock = path.join(this.dir(op.ref.id), 'lock');
    const holder = await fs.readFile(lock, 'utf8').catch(() => null);
    if (holder === op.id) await fs.rm(lock, { force: true });
  }

  private async progress(op: OpRecord, p: number): Promise<void> {
    if (p <= op.progress) return;
    op.progress = Math.min(99, p);
    await this.writeOp(op);
  }

  private async execute(op: OpRecord): Promise<OpStatus> {
    const id = op.ref.id;
    switch (op.command) {
      case 'create': {
        await this.writeMachineFiles(op);
        await this.progress(op, 5);
        const config = await this.requireConfig(id);
        const disk = path.join(this.dir(id), 'disk.qcow2');
        if (!existsSync(disk)) {
          const base = await this.baseImage(config);
          const tmp = `${disk}.tmp`;
          await run(this.qemuImg, ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, tmp, `${config.size.diskGb}G`], 60_000);
          await fs.rename(tmp, disk);
        }
        failpoint('qemu.create.after-disk');
        await this.progress(op, 15);
        const seed = path.join(this.dir(id), 'seed.iso');
        if (!existsSync(seed) && op.spec) {
          await fs.writeFile(`${seed}.tmp`, buildNoCloudSeed(op.spec), { mode: 0o600 });
          await fs.rename(`${seed}.tmp`, seed);
        }
        // The seed now holds the user data; the operation record no longer needs it.
        if (op.spec?.userData) {
          op.spec = { ...op.spec, userData: null };
          await this.writeOp(op);
        }
        await this.progress(op, 20);
        return this.bootAndWait(op, config);
      }
      case 'start': {
        const config = await this.requireConfig(id);
        if ((await this.pid(id)) !== null && op.serialOffset === undefined) {
          const status = await this.qmpStatus(id);
          if (status === 'paused') await this.withQmp(id, (x) => x('cont'));
          return done('already running');
        }
        return this.bootAndWait(op, config);
      }
      case 'stop':
        return this.stopMachine(op);
      case 'reboot': {
        const config = await this.requireConfig(id);
        if (!op.resetSent) {
          await this.withQmp(id, (x) => x('system_reset'));
          op.resetSent = true;
          await this.writeOp(op);
        }
        await this.progress(op, 20);
        return this.waitBooted(op, config);
      }
      case 'resize': {
        const config = await this.requireConfig(id);
        const to = op.size!;
        if (to.diskGb > config.size.diskGb) {
          await run(this.qemuImg, ['resize', '-q', path.join(this.dir(id), 'disk.qcow2'), `${to.diskGb}G`], 60_000);
        }
        await this.writeConfig(id, { ...config, size: { ...to } });
        return done();
      }
      case 'destroy': {
        if (existsSync(this.dir(id))) {
          await this.kill(id);
          await fs.rm(this.dir(id), { recursive: true, force: true });
        }
        return done();
      }
    }
  }

  /** Launches QEMU (unless it already runs for this operation) and waits for the guest. */
  private async bootAndWait(op: OpRecord, config: MachineConfig): Promise<OpStatus> {
    if ((await this.pid(op.ref.id)) === null) {
      await this.launch(op.ref.id, config);
      op.serialOffset = 0; // QEMU truncates serial.log when it starts
      await this.writeOp(op);
    } else if (op.serialOffset === undefined) {
      // Launched by this operation before a restart, or by a start racing it: wait from the top.
      op.serialOffset = 0;
      await this.writeOp(op);
    }
    await this.progress(op, 30);
    return this.waitBooted(op, config);
  }

  private async waitBooted(op: OpRecord, config: MachineConfig): Promise<OpStatus> {
    const id = op.ref.id;
    const deadline = op.startedAt + this.bootTimeoutMs;
    for (;;) {
      if (this.closed) throw new HypervisorError('driver_closed', 'The driver closed; the operation resumes on the next poll.', true);
      if ((await this.pid(id)) === null) {
        const tail = (await readTail(path.join(this.dir(id), 'serial.log'), 400)).toString('utf8').trim();
        return fail('guest_exited', `The machine stopped while booting.${tail ? ` Last console output: ${tail.slice(-200)}` : ''}`);
      }
      if (config.boot === 'tiny') {
        const log = await fs.readFile(path.join(this.dir(id), 'serial.log')).catch(() => Buffer.alloc(0));
        if (log.subarray(op.serialOffset ?? 0).includes(READY_LINE)) return done('the guest printed its ready line');
      } else if ((await this.qmpStatus(id)) === 'running') {
        return done('QEMU reports the machine running');
      }
      if (Date.now() > deadline) return fail('boot_timeout', `The guest did not come up within ${Math.round(this.bootTimeoutMs / 1000)} s.`);
      // Progress creeps from 30 towards 95 over the expected boot time (a TCG boot is ~5–15 s).
      const elapsed = Date.now() - op.startedAt;
      await this.progress(op, 30 + Math.floor(65 * (1 - Math.exp(-elapsed / 15_000))));
      await sleep(200);
    }
  }

  private async stopMachine(op: OpRecord): Promise<OpStatus> {
    const id = op.ref.id;
    if ((await this.pid(id)) === null) return done('already powered off');
    if (op.powerdownAt === undefined) {
      await this.withQmp(id, (x) => x('system_powerdown')).catch(() => undefined);
      op.powerdownAt = Date.now();
      await this.writeOp(op);
    }
    const graceful = op.gracefulTimeoutMs ?? 60_000;
    while (Date.now() < op.powerdownAt + graceful) {
      if ((await this.pid(id)) === null) return done('graceful shutdown');
      await this.progress(op, Math.floor((90 * (Date.now() - op.powerdownAt)) / Math.max(1, graceful)));
      await sleep(200);
    }
    await this.kill(id);
    return done('forced power-off: the guest did not shut down within the graceful wait');
  }

  /** Ends QEMU: QMP `quit`, then SIGKILL if it is still there. */
  private async kill(id: string): Promise<void> {
    const pid = await this.pid(id);
    if (pid === null) return;
    await this.withQmp(id, (x) => x('quit'), 3_000).catch(() => undefined);
    for (let i = 0; i < 25 && (await this.pid(id)) !== null; i++) await sleep(100);
    if ((await this.pid(id)) !== null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      for (let i = 0; i < 50 && (await this.pid(id)) !== null; i++) await sleep(100);
    }
    await fs.rm(path.join(this.dir(id), 'qemu.pid'), { force: true });
  }

  private async launch(id: string, config: MachineConfig): Promise<void> {
    const dir = this.dir(id);
    const sock = (name: string) => {
      const p = path.join(dir, name);
      // sun_path holds 108 bytes (Linux unix(7)).
      if (Buffer.byteLength(p) > 107) throw new HypervisorError('path_too_long', `The socket path ${p} is too long for a UNIX socket: use a shorter QEMU_DATA_DIR.`);
      return p;
    };
    await Promise.all(['qmp.sock', 'console.sock', 'qemu.pid'].map((f) => fs.rm(path.join(dir, f), { force: true })));
    const accel = await this.acceleration();
    const args = [
      '-name', `strettch-${id}`,
      // The SMBIOS system UUID is the compute id: the metrics agent reads it (dmidecode) as its vm_id.
      '-uuid', config.computeId,
      '-machine', `q35,accel=${accel}`,
      ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
      '-smp', String(config.size.vcpus),
      '-m', String(config.size.memoryMb),
      '-nodefaults', '-no-user-config', '-display', 'none',
      '-daemonize', '-pidfile', path.join(dir, 'qemu.pid'),
      '-qmp', `unix:${sock('qmp.sock')},server=on,wait=off`,
      '-chardev', `socket,id=serial0,path=${sock('console.sock')},server=on,wait=off,logfile=${path.join(dir, 'serial.log')}`,
      '-serial', 'chardev:serial0',
      '-drive', `file=${path.join(dir, 'disk.qcow2')},if=virtio,format=qcow2`,
      '-drive', `file=${path.join(dir, 'seed.iso')},if=virtio,format=raw,readonly=on`,
      ...(config.nics ?? []).flatMap(nicArgs),
    ];
    if (config.boot === 'tiny') {
      const tiny = this.tinyGuest();
      args.push('-kernel', tiny.kernel, '-initrd', tiny.initrd, '-append', 'console=ttyS0 quiet panic=-1');
    }
    await run(this.qemu, args, 30_000).catch((e: unknown) => {
      throw new HypervisorError('qemu_start_failed', `QEMU did not start: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  // ---- machine files ----

  private async writeMachineFiles(op: OpRecord): Promise<void> {
    const spec = op.spec!;
    const dir = this.dir(op.ref.id);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    if (!existsSync(path.join(dir, 'label'))) await fs.writeFile(path.join(dir, 'label'), `${spec.computeId}\n`);
    if (!existsSync(path.join(dir, 'machine.json'))) {
      const boot = this.images[spec.image] ? 'image' : 'tiny';
      if (boot === 'tiny') {
        this.log.warn({ image: spec.image, machine: op.ref.id }, `qemu driver: no base image configured for ${spec.image} (QEMU_IMAGES); the machine boots the tiny test guest instead`);
      }
      await this.writeConfig(op.ref.id, {
        computeId: spec.computeId,
        hostName: spec.hostName,
        image: spec.image,
        size: { vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskGb: spec.diskGb },
        boot,
        nics: guestNics(spec.computeId, spec.network),
      });
    }
  }

  private async baseImage(config: MachineConfig): Promise<string> {
    const configured = this.images[config.image];
    if (configured) {
      if (!existsSync(configured)) throw new HypervisorError('image_unavailable', `The base image of ${config.image} (${configured}) does not exist.`);
      return path.resolve(configured);
    }
    this.tinyGuest(); // fails early when the tiny guest is missing
    // The tiny guest boots from -kernel/-initrd, so its base is an empty qcow2 made once.
    const base = path.join(this.dataDir, '.base', 'empty.qcow2');
    if (!existsSync(base)) {
      await fs.mkdir(path.dirname(base), { recursive: true });
      await run(this.qemuImg, ['create', '-q', '-f', 'qcow2', `${base}.tmp`, '1G'], 60_000);
      await fs.rename(`${base}.tmp`, base);
    }
    return base;
  }

  private tinyGuest(): { kernel: string; initrd: string } {
    const dir = this.tinyGuestDir;
    const kernel = dir ? path.join(dir, 'vmlinuz') : '';
    const initrd = dir ? path.join(dir, 'initrd.img') : '';
    if (!dir || !existsSync(kernel) || !existsSync(initrd)) {
      throw new HypervisorError('image_unavailable', `No base image is configured for this image (QEMU_IMAGES) and the tiny test guest is not built${dir ? ` in ${dir}` : ''}: run scripts/build-tiny-guest.sh.`);
    }
    return { kernel, initrd };
  }

  private dir(id: string): string {
    return path.join(this.dataDir, id);
  }

  private async readConfig(id: string): Promise<MachineConfig | null> {
    return fs.readFile(path.join(this.dir(id), 'machine.json'), 'utf8').then((s) => JSON.parse(s) as MachineConfig, () => null);
  }

  private async requireConfig(id: string): Promise<MachineConfig> {
    const c = await this.readConfig(id);
    if (!c) throw new HypervisorError('not_found', `No machine ${id}.`);
    return c;
  }

  private async writeConfig(id: string, c: MachineConfig): Promise<void> {
    await writeAtomic(path.join(this.dir(id), 'machine.json'), JSON.stringify(c, null, 2));
  }

  private async serialSize(id: string): Promise<number> {
    return fs.stat(path.join(this.dir(id), 'serial.log')).then((s) => s.size, () => 0);
  }

  /** The id of the unfinished operation holding the machine; a lock left by a finished one is stale. */
  private async lockOf(id: string): Promise<string | undefined> {
    const holder = await fs.readFile(path.join(this.dir(id), 'lock'), 'utf8').catch(() => null);
    if (!holder) return undefined;
    const op = await this.readOp(holder.trim());
    return op && !op.result ? op.id : undefined;
  }

  // ---- processes and QMP ----

  /** QEMU's pid when it runs for this machine (the pid file, a live process whose command line names the machine). */
  private async pid(id: string): Promise<number | null> {
    const text = await fs.readFile(path.join(this.dir(id), 'qemu.pid'), 'utf8').catch(() => null);
    const pid = text ? Number.parseInt(text.trim(), 10) : NaN;
    if (!Number.isInteger(pid) || pid <= 0) return null;
    try {
      process.kill(pid, 0);
    } catch {
      return null;
    }
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
    if (cmdline !== null && !cmdline.includes(`strettch-${id}`)) return null; // the pid was reused
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (/\) Z /.test(stat)) return null; // a zombie: exited, not yet reaped
    return pid;
  }

  private async power(id: string): Promise<PowerState> {
    if ((await this.pid(id)) === null) return 'off';
    const status = await this.qmpStatus(id);
    return status ?? 'unknown';
  }

  private async qmpStatus(id: string): Promise<'running' | 'paused' | 'off' | null> {
    try {
      const r = (await this.withQmp(id, (x) => x('query-status'), 3_000)) as { status: string; running: boolean };
      if (r.running) return 'running';
      if (r.status === 'shutdown') return 'off';
      return 'paused';
    } catch {
      return null;
    }
  }

  /** One QMP exchange; a machine's monitor serves one client, so exchanges queue per machine. */
  private withQmp<T>(id: string, fn: (x: (command: string, args?: object) => Promise<unknown>) => Promise<T>, timeoutMs = 5_000): Promise<T> {
    const prev = this.machineLocks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => qmp(path.join(this.dir(id), 'qmp.sock'), timeoutMs, fn));
    const tail = next.catch(() => undefined);
    this.machineLocks.set(id, tail);
    void tail.then(() => {
      if (this.machineLocks.get(id) === tail) this.machineLocks.delete(id);
    });
    return next;
  }

  private async probeAccel(): Promise<'kvm' | 'tcg'> {
    if (!existsSync('/dev/kvm')) return 'tcg';
    // A boot sector that writes to the isa-debug-exit port: QEMU exits with status 3 once the guest
    // has run. /dev/kvm can exist and hang (nested virtualisation missing), hence the timeout. The
    // probe uses the machine type and CPU model real machines get: KVM can run a plain `pc` guest
    // yet fail on `-cpu host` (a host MSR the nested hypervisor refuses), as seen on CI machines.
    const img = path.join(os.tmpdir(), `strettch-kvm-probe-${process.pid}-${crypto.randomBytes(4).toString('hex')}.img`);
    const sector = Buffer.alloc(512);
    Buffer.from([0xb0, 0x01, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd]).copy(sector); // mov al,1; out 0xf4,al; hlt; jmp $-1
    sector[510] = 0x55;
    sector[511] = 0xaa;
    await fs.writeFile(img, sector);
    const ok = await new Promise<boolean>((resolve) => {
      const child = spawn(this.qemu, ['-machine', 'q35,accel=kvm', '-cpu', 'host', '-nodefaults', '-no-user-config', '-display', 'none', '-m', '32', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-drive', `file=${img},format=raw,if=ide`], { stdio: 'ignore' });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(false);
      }, ACCEL_PROBE_TIMEOUT_MS);
      child.on('error', () => (clearTimeout(timer), resolve(false)));
      child.on('exit', (code) => (clearTimeout(timer), resolve(code === 3)));
    });
    await fs.rm(img, { force: true });
    const accel = ok ? 'kvm' : 'tcg';
    this.log.info({ accel }, ok ? 'qemu driver: KVM works, machines use it' : 'qemu driver: KVM is missing or does not run a guest within the probe timeout; machines run under TCG (emulation, much slower)');
    return accel;
  }

  // ---- operation records ----

  private async readOp(id: string): Promise<OpRecord | null> {
    if (!/^op-[0-9a-f]{32}$/.test(id)) return null;
    return fs.readFile(path.join(this.opsDir, `${id}.json`), 'utf8').then((s) => JSON.parse(s) as OpRecord, () => null);
  }

  private async writeOp(op: OpRecord): Promise<void> {
    await fs.mkdir(this.opsDir, { recursive: true, mode: 0o700 });
    await writeAtomic(path.join(this.opsDir, `${op.id}.json`), JSON.stringify(op));
  }
}

/** The operation id is derived from the key, so the same key always names the same record. */
function opId(key: OpKey): string {
  return `op-${crypto.createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

let ticksPerSecond: Promise<number> | undefined;
/** USER_HZ, the unit of /proc CPU times: 100 on every common Linux, asked once of getconf. */
function clockTicks(): Promise<number> {
  ticksPerSecond ??= run('getconf', ['CLK_TCK'], 5_000).then(
    (out) => Number.parseInt(out.trim(), 10) || 100,
    () => 100,
  );
  return ticksPerSecond;
}

/**
 * A virtio NIC on a QEMU user-mode network shaped like the address's block (gateway = the block's
 * first host), so the static configuration of the seed works without root or a bridge. Each
 * machine has its own user-mode networks: machines on one host do not reach each other. The
 * private one is isolated (restrict=on); the public one reaches the outside through the host.
 */
function nicArgs(n: GuestNic, i: number): string[] {
  const shape = n.block && n.gateway && n.dns ? `,net=${n.block},host=${n.gateway},dns=${n.dns}` : '';
  return ['-netdev', `user,id=nic${i}${shape},restrict=${n.role === 'private' ? 'on' : 'off'}`, '-device', `virtio-net-pci,netdev=nic${i},mac=${n.mac}`];
}

function isSafeId(id: string): boolean {
  return MACHINE_DIR.test(id);
}

const done = (detail?: string): OpStatus => (detail ? { state: 'succeeded', progress: 100, detail } : { state: 'succeeded', progress: 100 });
const fail = (code: string, message: string): OpStatus => ({ state: 'failed', error: { code, message } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, text, { mode: 0o600 });
  await fs.rename(tmp, file);
}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} ${args[0] ?? ''}: ${(stderr || err.message).trim().slice(0, 500)}`));
      else resolve(stdout);
    });
  });
}

async function readTail(file: string, bytes: number): Promise<Buffer> {
  const h = await fs.open(file, 'r').catch(() => null);
  if (!h) return Buffer.alloc(0);
  try {
    const { size } = await h.stat();
    const len = Math.min(size, bytes);
    const buf = Buffer.alloc(len);
    await h.read(buf, 0, len, size - len);
    return buf;
  } finally {
    await h.close();
  }
}

function connectUnix(socketPath: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(socketPath);
    const timer = setTimeout(() => (s.destroy(), reject(new Error('console connect timeout'))), timeoutMs);
    s.once('connect', () => (clearTimeout(timer), resolve(s)));
    s.once('error', (e) => (clearTimeout(timer), reject(e)));
  });
}

/** True when the tiny guest's files are in `dir`. */
export function tinyGuestPresent(dir: string | null | undefined): boolean {
  return !!dir && existsSync(path.join(dir, 'vmlinuz')) && existsSync(path.join(dir, 'initrd.img'));
}

/** The manifest of a tiny guest build (package versions), for logs. */
export function tinyGuestManifest(dir: string): string {
  try {
    return readFileSync(path.join(dir, 'manifest.txt'), 'utf8').trim();
  } catch {
    return '';
  }
}
