import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CONTRACT_SSH_KEY, hypervisorDriverContract } from './driver.contract.ts';
import type { MachineRef, MachineSpec, OpHandle, OpStatus } from './port.ts';
import { QemuHypervisorDriver } from './qemu.driver.ts';
import { qmp } from './qemu.qmp.ts';
import { hostValues } from '../metrics/readings.ts';
import { guestMac } from './qemu.seed.ts';
import { qemuInstalled } from './select.ts';

/**
 * Medium tests of the qemu driver (STYLE.md §7): real QEMU under TCG (KVM when it works) booting
 * the tiny guest built by scripts/build-tiny-guest.sh. Skipped with a notice where QEMU or the
 * tiny guest is missing, except in CI (CI=true), where that is a failure.
 */
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const repoRoot = path.resolve(import.meta.dirname, '../../../../../..');
const CONTRACT_FINGERPRINT = 'SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU';

function prepare(): { tinyGuestDir: string } | { missing: string } {
  if (!qemuInstalled('qemu-system-x86_64')) return { missing: 'qemu-system-x86_64 does not run (apt-get install qemu-system-x86)' };
  if (!qemuInstalled('qemu-img')) return { missing: 'qemu-img does not run (apt-get install qemu-utils)' };
  try {
    const out = execFileSync('bash', [path.join(repoRoot, 'scripts/build-tiny-guest.sh')], { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const dir = out.trim().split('\n').pop() ?? '';
    if (!existsSync(path.join(dir, 'vmlinuz'))) return { missing: `scripts/build-tiny-guest.sh printed no build folder (${dir})` };
    return { tinyGuestDir: dir };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return { missing: `the tiny guest could not be built: ${(err.stderr ?? err.message).trim().split('\n').slice(-3).join(' ')}` };
  }
}

const env = prepare();
const roots = new Set<string>();
const quiet = { info: () => {}, warn: () => {} };

async function makeDriver(tinyGuestDir: string): Promise<{ driver: QemuHypervisorDriver; root: string }> {
  // Short paths: QEMU's UNIX sockets live in the machine folders (sun_path is 108 bytes).
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'sq-'));
  roots.add(root);
  return { root, driver: new QemuHypervisorDriver({ dataDir: root, tinyGuestDir, bootTimeoutMs: 180_000, pollIntervalMs: 200, logger: quiet }) };
}

/** Kills every QEMU started under `root` and removes the folder. */
async function sweep(root: string): Promise<void> {
  for (const name of existsSync(root) ? readdirSync(root) : []) {
    const pidFile = path.join(root, name, 'qemu.pid');
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`strettch-${name}`)) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await fs.rm(root, { recursive: true, force: true });
  roots.delete(root);
}

/** A process that runs (a zombie left for its parent to reap does not). */
function processRuns(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

afterAll(async () => {
  for (const root of [...roots]) await sweep(root);
});

/** Reads the console until `pattern` shows, within `ms`; returns all text seen. */
async function consoleUntil(driver: QemuHypervisorDriver, ref: MachineRef, pattern: RegExp, ms: number, input?: string): Promise<string> {
  const stream = await driver.openConsole(ref);
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = '';
      let from = 0;
      const timer = setTimeout(() => reject(new Error(`console did not show ${pattern} within ${ms} ms: ${JSON.stringify(text.slice(-500))}`)), ms);
      stream.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (pattern.test(text.slice(from))) {
          clearTimeout(timer);
          resolve(text);
        }
      });
      if (input !== undefined) {
        // Only what the guest prints after the command counts.
        setTimeout(() => {
          from = text.length;
          stream.write(input);
        }, 300);
      }
    });
  } finally {
    stream.destroy();
  }
}

if ('missing' in env) {
  if (process.env.CI === 'true') {
    it('runs the qemu driver tests in CI', () => {
      throw new Error(`The qemu driver cannot be tested here: ${env.missing}. CI must install qemu-system-x86, qemu-utils and build the tiny guest.`);
    });
  } else {
    console.warn(`[qemu.driver.test] SKIPPED: ${env.missing}.`);
    it.skip(`qemu driver tests (skipped: ${env.missing})`, () => {});
  }
} else {
  const { tinyGuestDir } = env;

  hypervisorDriverContract('qemu (tiny guest)', async () => {
    const { driver, root } = await makeDriver(tinyGuestDir);
    return {
      driver,
      // The tiny guest stops its acpid when told so on its console.
      ignoreAcpi: async (ref) => {
        await consoleUntil(driver, ref, /STRETTCH-GUEST ACPI ignored/, 30_000, 'strettch-ignore-acpi\n');
      },
      timeoutMs: 180_000,
      gracefulTimeoutMs: 8_000,
      cleanup: async () => {
        await driver.close();
        await sweep(root);
      },
    };
  });

  describe('qemu driver with the tiny guest', () => {
    const spec = (overrides: Partial<MachineSpec> = {}): MachineSpec => ({
      computeId: crypto.randomUUID(),
      hostName: `tiny-${crypto.randomBytes(3).toString('hex')}`,
      image: 'UBUNTU-24.04',
      vcpus: 1,
      memoryMb: 256,
      diskGb: 2,
      sshPublicKeys: [CONTRACT_SSH_KEY],
      userData: '#!/bin/sh\necho secret-token-123\n',
      network: { privateIpv4: '10.0.0.2', publicIpv4: null },
      ...overrides,
    });
    async function settle(driver: QemuHypervisorDriver, handle: OpHandle, ms = 180_000): Promise<OpStatus> {
      const deadline = Date.now() + ms;
      for (;;) {
        const s = await driver.poll(handle);
        if (s.state !== 'running') return s;
        if (Date.now() > deadline) throw new Error(`operation ${handle.id} still running after ${ms} ms`);
        await new Promise((r) => setTimeout(r, driver.pollIntervalMs));
      }
    }
    const memoryKb = (text: string) => [...text.matchAll(/STRETTCH-GUEST MEMORY total_kb=(\d+)/g)].map((m) => Number(m[1])).pop() ?? 0;
    const virtualSize = (file: string) => (JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', file], { encoding: 'utf8' })) as { 'virtual-size': number; 'backing-filename'?: string });

    it('boots a machine whose console shows the requested host name, key fingerprint and addresses; stops by ACPI; grows; is destroyed with its files', async () => {
      const { driver, root } = await makeDriver(tinyGuestDir);
      try {
        const s = spec({ network: { privateIpv4: '10.0.0.2', publicIpv4: '203.0.113.6', privateNet: { prefix: 16, gateway: '10.0.0.1' }, publicNet: { prefix: 29, gateway: '203.0.113.1' } } });
        const t0 = Date.now();
        const created = await driver.create(s, crypto.randomUUID());
        expect(await settle(driver, created)).toMatchObject({ state: 'succeeded', detail: 'the guest printed its ready line' });
        console.info(`[qemu.driver.test] create → ready line: ${((Date.now() - t0) / 1000).toFixed(1)} s (accel ${await driver.acceleration()})`);
        const ref = created.ref;
        const dir = path.join(root, ref.id);

        // The console replays what the guest printed: the request's host name and key fingerprint.
        const boot = await consoleUntil(driver, ref, /READY hostname=/, 10_000);
        expect(boot).toContain(`STRETTCH-GUEST HOSTNAME ${s.hostName}`);
        expect(boot).toContain(`STRETTCH-GUEST SSH-KEY ${CONTRACT_FINGERPRINT} (ssh-ed25519)`);
        expect(boot).toContain(`STRETTCH-GUEST READY hostname=${s.hostName}`);
        // The seed's network-config reached the guest, and QEMU gave it one NIC per address with the MACs it names.
        expect(boot).toContain('STRETTCH-GUEST ADDRESS 10.0.0.2/16');
        expect(boot).toContain('STRETTCH-GUEST ADDRESS 203.0.113.6/29');
        const cmdline = readFileSync(`/proc/${readFileSync(path.join(dir, 'qemu.pid'), 'utf8').trim()}/cmdline`, 'utf8').split('\0');
        expect(cmdline).toContain(`virtio-net-pci,netdev=nic0,mac=${guestMac(s.computeId, 0)}`);
        expect(cmdline).toContain('user,id=nic1,net=203.0.113.0/29,host=203.0.113.1,dns=203.0.113.5,restrict=off');
        const before = memoryKb(boot);
        expect(before).toBeGreaterThan(150_000);

        // The disk is an overlay on a base image; the seed holds the user data, the logs do not.
        expect(virtualSize(path.join(dir, 'disk.qcow2'))).toMatchObject({ 'virtual-size': 2 * 1024 ** 3, 'backing-filename': expect.stringContaining('empty.qcow2') });
        expect(readFileSync(path.join(dir, 'seed.iso')).includes('secret-token-123')).toBe(true);
        expect(readFileSync(path.join(dir, 'serial.log'), 'utf8')).not.toContain('secret-token-123');
        expect(readdirSync(path.join(root, '.ops')).map((f) => readFileSync(path.join(root, '.ops', f), 'utf8')).join('')).not.toContain('secret-token-123');

        // Stop is an ACPI shutdown the guest acts on: it powers off before the graceful wait ends.
        const stopped = await settle(driver, await driver.stop(ref, crypto.randomUUID(), { gracefulTimeoutMs: 60_000 }));
        expect(stopped).toMatchObject({ state: 'succeeded', detail: 'graceful shutdown' });
        expect(readFileSync(path.join(dir, 'serial.log'), 'utf8')).toContain('ACPI power button: powering off');
        expect((await driver.inspect(ref))?.power).toBe('off');

        // Upsize while stopped: the guest sees more memory, the disk grew.
        expect(await settle(driver, await driver.resize(ref, { vcpus: 2, memoryMb: 384, diskGb: 3 }, crypto.randomUUID()))).toMatchObject({ state: 'succeeded' });
        expect(virtualSize(path.join(dir, 'disk.qcow2'))['virtual-size']).toBe(3 * 1024 ** 3);
        expect(await settle(driver, await driver.start(ref, crypto.randomUUID()))).toMatchObject({ state: 'succeeded' });
        const after = await consoleUntil(driver, ref, /READY hostname=/, 10_000);
        expect(memoryKb(after)).toBeGreaterThan(before + 100_000);
        expect(after).toContain('cpus=2');

        // Destroy ends QEMU and removes the folder with its disk files.
        const pid = Number(readFileSync(path.join(dir, 'qemu.pid'), 'utf8'));
        expect(await settle(driver, await driver.destroy(ref, crypto.randomUUID()))).toMatchObject({ state: 'succeeded' });
        expect(existsSync(dir)).toBe(false);
        expect(processRuns(pid), 'QEMU has ended').toBe(false);
        expect(await driver.observe()).toEqual([]);
      } finally {
        await driver.close();
        await sweep(root);
      }
    });

    it('lets a restarted process follow an operation begun before it, from the records on disk', async () => {
      const { driver, root } = await makeDriver(tinyGuestDir);
      try {
        const s = spec();
        const key = crypto.randomUUID();
        const handle = await driver.create(s, key);
        await driver.close(); // the process "dies" while the guest boots
        const again = new QemuHypervisorDriver({ dataDir: root, tinyGuestDir, bootTimeoutMs: 180_000, pollIntervalMs: 200, logger: quiet });
        expect(await again.create(s, key)).toEqual(handle);
        expect(await settle(again, handle)).toMatchObject({ state: 'succeeded' });
        const seen = await again.observe();
        expect(seen).toHaveLength(1);
        expect(seen[0]).toMatchObject({ ref: handle.ref, computeId: s.computeId, power: 'running' });
        await again.close();
      } finally {
        await sweep(root);
      }
    });

    it('tells strangers from our machines: a folder without our label has no compute id', async () => {
      const { driver, root } = await makeDriver(tinyGuestDir);
      try {
        await fs.mkdir(path.join(root, 'vm-0123456789ab'));
        expect(await driver.observe()).toEqual([{ ref: { id: 'vm-0123456789ab' }, computeId: null, power: 'off', size: { vcpus: 0, memoryMb: 0, diskGb: 0 } }]);
      } finally {
        await sweep(root);
      }
    });

    it('reads a running machine from outside for the metrics job: CPU time of QEMU, block I/O over QMP, the compute id as SMBIOS UUID', async () => {
      const { driver, root } = await makeDriver(tinyGuestDir);
      try {
        const s = spec();
        const created = await driver.create(s, crypto.randomUUID());
        expect(await settle(driver, created)).toMatchObject({ state: 'succeeded' });
        const first = await driver.sample(created.ref);
        await new Promise((r) => setTimeout(r, 1_500));
        const second = await driver.sample(created.ref);
        expect(first).toMatchObject({ vcpus: 1, network: null });
        expect(second!.epoch).toBe(first!.epoch);
        expect(second!.at - first!.at).toBeGreaterThanOrEqual(1_400);
        // Booting read the seed volume (host name, keys): the guest's reads are counted.
        expect(first!.disk!.readBytes).toBeGreaterThan(0);
        expect(first!.disk!.readOps).toBeGreaterThan(0);
        // Booting took CPU time; an idle guest may take less than one clock tick (10 ms) in 1.5 s.
        expect(first!.cpuSeconds).toBeGreaterThan(0);
        expect(second!.cpuSeconds).toBeGreaterThanOrEqual(first!.cpuSeconds);
        const values = hostValues(
          { readAt: first!.at, epoch: first!.epoch, counters: { cpu_seconds: first!.cpuSeconds } },
          { readAt: second!.at, epoch: second!.epoch, counters: { cpu_seconds: second!.cpuSeconds }, gauges: {} },
          second!.vcpus,
        );
        expect(values.cpuPercent).toBeGreaterThanOrEqual(0);
        expect(values.cpuPercent).toBeLessThanOrEqual(100);
        // The agent in a guest finds its compute id with dmidecode -s system-uuid.
        const uuid = (await qmp(path.join(root, created.ref.id, 'qmp.sock'), 5_000, (x) => x('query-uuid'))) as { UUID: string };
        expect(uuid.UUID).toBe(s.computeId);

        // Stopped, nothing to read; started again, a new epoch (a new QEMU process, counters from zero).
        expect(await settle(driver, await driver.stop(created.ref, crypto.randomUUID(), { gracefulTimeoutMs: 60_000 }))).toMatchObject({ state: 'succeeded' });
        expect(await driver.sample(created.ref)).toBeNull();
        expect(await settle(driver, await driver.start(created.ref, crypto.randomUUID()))).toMatchObject({ state: 'succeeded' });
        expect((await driver.sample(created.ref))!.epoch).not.toBe(first!.epoch);
        expect(await driver.sample({ id: 'vm-ffffffffffff' })).toBeNull();
      } finally {
        await driver.close();
        await sweep(root);
      }
    });
  });
}
