import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HypervisorError, type HypervisorDriver, type MachineRef, type MachineSpec, type OpHandle, type OpStatus } from './port.ts';

export interface DriverHarness {
  driver: HypervisorDriver;
  /** Makes the guest ignore ACPI shutdown, where the harness can (the fake; a qemu guest built for it). */
  ignoreAcpi?: (ref: MachineRef) => Promise<void>;
  /** Upper bound of one operation here, in ms (a TCG boot is seconds, the fake milliseconds). */
  timeoutMs: number;
  /** A graceful-stop wait short enough for tests, in ms. */
  gracefulTimeoutMs: number;
  cleanup(): Promise<void>;
}

/** An Ed25519 key the machines are made with; drivers with a console show its fingerprint. */
export const CONTRACT_SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl contract@test';

/**
 * What every hypervisor driver must do (STYLE.md §3), run against `fake` now and against `qemu`
 * and `proxmox` as they land. The control plane relies on exactly these promises: operations are
 * idempotent per key, a busy machine refuses a second change, a stop always ends powered off,
 * disks only grow, a destroyed machine is gone from the inventory, and every machine carries our
 * compute id.
 */
export function hypervisorDriverContract(name: string, makeHarness: () => Promise<DriverHarness>): void {
  describe(`HypervisorDriver contract: ${name}`, () => {
    let h: DriverHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    const key = () => crypto.randomUUID();
    const spec = (overrides: Partial<MachineSpec> = {}): MachineSpec => ({
      computeId: crypto.randomUUID(),
      hostName: `contract-${crypto.randomBytes(3).toString('hex')}`,
      image: 'UBUNTU-24.04',
      vcpus: 1,
      memoryMb: 512,
      diskGb: 10,
      sshPublicKeys: [CONTRACT_SSH_KEY],
      userData: null,
      network: { privateIpv4: '10.0.0.2', publicIpv4: null },
      ...overrides,
    });

    async function settle(handle: OpHandle): Promise<OpStatus> {
      const deadline = Date.now() + h.timeoutMs;
      let last = -1;
      for (;;) {
        const s = await h.driver.poll(handle);
        if (s.state !== 'running') return s;
        expect(s.progress, 'progress stays within 0–100 and never goes back').toBeGreaterThanOrEqual(Math.max(0, last));
        expect(s.progress).toBeLessThanOrEqual(100);
        last = s.progress;
        if (Date.now() > deadline) throw new Error(`operation ${handle.id} still running after ${h.timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, h.driver.pollIntervalMs));
      }
    }
    async function succeed(handle: OpHandle): Promise<void> {
      const s = await settle(handle);
      expect(s, JSON.stringify(s)).toMatchObject({ state: 'succeeded', progress: 100 });
    }
    async function created(overrides: Partial<MachineSpec> = {}): Promise<{ ref: MachineRef; spec: MachineSpec }> {
      const s = spec(overrides);
      const handle = await h.driver.create(s, key());
      await succeed(handle);
      return { ref: handle.ref, spec: s };
    }
    const power = async (ref: MachineRef) => (await h.driver.inspect(ref))?.power;
    const rejection = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

    it('creates and boots a machine labelled with our compute id, seen by inspect and observe', async () => {
      const { ref, spec: s } = await created({ vcpus: 2, memoryMb: 1024, diskGb: 20 });
      const seen = await h.driver.inspect(ref);
      expect(seen).toMatchObject({ computeId: s.computeId, power: 'running', size: { vcpus: 2, memoryMb: 1024, diskGb: 20 } });
      expect(seen?.lockedBy).toBeUndefined();
      const all = await h.driver.observe();
      expect(all.filter((m) => m.computeId === s.computeId)).toHaveLength(1);
    });

    it('answers a repeated change with the same key with the same operation, and makes one machine', async () => {
      const s = spec();
      const k = key();
      const first = await h.driver.create(s, k);
      const again = await h.driver.create(s, k);
      expect(again).toEqual(first);
      await succeed(first);
      expect(await h.driver.create(s, k)).toEqual(first);
      expect((await h.driver.observe()).filter((m) => m.computeId === s.computeId)).toHaveLength(1);
    });

    it('refuses a key reused for another change', async () => {
      const { ref } = await created();
      const k = key();
      await succeed(await h.driver.reboot(ref, k));
      const err = await rejection(h.driver.stop(ref, k, { gracefulTimeoutMs: h.gracefulTimeoutMs }));
      expect(err).toBeInstanceOf(HypervisorError);
      expect(err).toMatchObject({ code: 'key_reused' });
    });

    it('refuses a second change while an operation holds the machine, as a transient error', async () => {
      const s = spec();
      const handle = await h.driver.create(s, key());
      expect((await h.driver.poll(handle)).state, 'the harness must make operations slow enough to overlap').toBe('running');
      expect((await h.driver.inspect(handle.ref))?.lockedBy).toBeTruthy();
      const err = await rejection(h.driver.stop(handle.ref, key(), { gracefulTimeoutMs: h.gracefulTimeoutMs }));
      expect(err).toMatchObject({ code: 'locked', transient: true });
      await succeed(handle);
    });

    it('stops gracefully, starts and reboots; power changes that are already done succeed', async () => {
      const { ref } = await created();
      await succeed(await h.driver.stop(ref, key(), { gracefulTimeoutMs: h.gracefulTimeoutMs }));
      expect(await power(ref)).toBe('off');
      await succeed(await h.driver.stop(ref, key(), { gracefulTimeoutMs: h.gracefulTimeoutMs }));
      expect(await power(ref)).toBe('off');
      await succeed(await h.driver.start(ref, key()));
      expect(await power(ref)).toBe('running');
      await succeed(await h.driver.start(ref, key()));
      await succeed(await h.driver.reboot(ref, key()));
      expect(await power(ref)).toBe('running');
    });

    it('powers a guest off hard when it ignores the ACPI shutdown', async ({ skip }) => {
      if (!h.ignoreAcpi) return skip('this harness cannot make a guest ignore ACPI');
      const { ref } = await created();
      await h.ignoreAcpi(ref);
      const status = await settle(await h.driver.stop(ref, key(), { gracefulTimeoutMs: h.gracefulTimeoutMs }));
      expect(status.state).toBe('succeeded');
      expect(await power(ref)).toBe('off');
    });

    it('resizes a stopped machine, refuses a running one, and never shrinks a disk', async () => {
      const { ref } = await created({ vcpus: 1, memoryMb: 512, diskGb: 10 });
      const running = await rejection(h.driver.resize(ref, { vcpus: 2, memoryMb: 1024, diskGb: 20 }, key()));
      expect(running).toMatchObject({ code: 'machine_running' });
      await succeed(await h.driver.stop(ref, key(), { gracefulTimeoutMs: h.gracefulTimeoutMs }));
      await succeed(await h.driver.resize(ref, { vcpus: 2, memoryMb: 2048, diskGb: 40 }, key()));
      expect((await h.driver.inspect(ref))?.size).toEqual({ vcpus: 2, memoryMb: 2048, diskGb: 40 });
      const shrink = await rejection(h.driver.resize(ref, { vcpus: 2, memoryMb: 2048, diskGb: 20 }, key()));
      expect(shrink).toMatchObject({ code: 'disk_shrink' });
      expect((await h.driver.inspect(ref))?.size.diskGb).toBe(40);
    });

    it('destroys a machine (running or not) and forgets it; destroying it again succeeds', async () => {
      const { ref, spec: s } = await created();
      await succeed(await h.driver.destroy(ref, key()));
      expect(await h.driver.inspect(ref)).toBeNull();
      expect((await h.driver.observe()).some((m) => m.computeId === s.computeId)).toBe(false);
      await succeed(await h.driver.destroy(ref, key()));
    });

    it('answers not_found for a power change of a machine it does not have', async () => {
      const { ref } = await created();
      await succeed(await h.driver.destroy(ref, key()));
      expect(await rejection(h.driver.start(ref, key()))).toMatchObject({ code: 'not_found' });
      expect(await rejection(h.driver.reboot(ref, key()))).toMatchObject({ code: 'not_found' });
    });

    it('opens the serial console of a running machine, which shows its host name', async ({ skip }) => {
      if (!h.driver.capabilities().consoles.includes('serial')) return skip('this driver offers no serial console (capabilities().consoles)');
      const { ref, spec: s } = await created();
      const stream = await h.driver.openConsole(ref);
      const seen = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`no host name on the console in ${h.timeoutMs} ms: ${JSON.stringify(text)}`)), h.timeoutMs);
        stream.on('data', (chunk: Buffer | string) => {
          text += chunk.toString();
          if (text.includes(s.hostName)) {
            clearTimeout(timer);
            resolve(text);
          }
        });
      });
      expect(seen).toContain(s.hostName);
      stream.destroy();
    });
  });
}
