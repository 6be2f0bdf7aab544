import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { chooseHost, configuredHosts, fits, limitOf, type Resources } from './placement.ts';

const ratios = { cpu: 4, memory: 1, disk: 1 };
const host = (name: string, capacity: Resources, committed: Resources = { vcpus: 0, memoryMb: 0, diskGb: 0 }) => ({ name, limit: limitOf(capacity, ratios), committed });
const S_1C_1G = { vcpus: 1, memoryMb: 1024, diskGb: 20 };

describe('placement rules', () => {
  it('commits capacity × ratio, rounded down: vCPUs overcommitted, memory and disk not', () => {
    expect(limitOf({ vcpus: 8, memoryMb: 16_384, diskGb: 500 }, ratios)).toEqual({ vcpus: 32, memoryMb: 16_384, diskGb: 500 });
    expect(limitOf({ vcpus: 3, memoryMb: 1000, diskGb: 10 }, { cpu: 1.5, memory: 0.9, disk: 1.25 })).toEqual({ vcpus: 4, memoryMb: 900, diskGb: 12 });
  });

  it('fits only when every resource stays within the limit, the last unit included', () => {
    const limit = { vcpus: 4, memoryMb: 4096, diskGb: 80 };
    expect(fits(limit, { vcpus: 3, memoryMb: 3072, diskGb: 60 }, S_1C_1G)).toBe(true);
    expect(fits(limit, { vcpus: 4, memoryMb: 0, diskGb: 0 }, S_1C_1G)).toBe(false);
    expect(fits(limit, { vcpus: 0, memoryMb: 3073, diskGb: 0 }, S_1C_1G)).toBe(false);
    expect(fits(limit, { vcpus: 0, memoryMb: 0, diskGb: 61 }, S_1C_1G)).toBe(false);
  });

  it('spreads: the host whose scarcest resource stays most free wins, ties to the first name', () => {
    const big = { vcpus: 16, memoryMb: 65_536, diskGb: 2000 };
    expect(chooseHost([host('b', big), host('a', big)], S_1C_1G)).toBe('a');
    // a has more CPU left but less memory: memory is its scarcest resource, so b wins.
    const a = host('a', big, { vcpus: 0, memoryMb: 60_000, diskGb: 0 });
    const b = host('b', big, { vcpus: 40, memoryMb: 0, diskGb: 0 });
    expect(chooseHost([a, b], S_1C_1G)).toBe('b');
  });

  it('chooses nothing when no single host has room, even if the hosts together would', () => {
    const small = { vcpus: 1, memoryMb: 3000, diskGb: 100 };
    const half = { vcpus: 0, memoryMb: 1500, diskGb: 0 };
    expect(chooseHost([host('a', small, half), host('b', small, half)], { vcpus: 2, memoryMb: 2048, diskGb: 40 })).toBeNull();
    expect(chooseHost([], S_1C_1G)).toBeNull();
  });
});

describe('configured hosts', () => {
  const base = { fakeHosts: { 'fake-1': { vcpus: 2, memoryMb: 4096, diskGb: 100 } }, proxmoxNodes: ['pve1', 'pve2'], proxmoxCapacity: { pve1: { vcpus: 32, memoryMb: 131_072, diskGb: 2000 }, pve2: { vcpus: 16, memoryMb: 65_536, diskGb: 1000 } }, qemuDataDir: os.tmpdir() };

  it('gives the fake its simulated hosts and proxmox its nodes with their configured capacity', async () => {
    expect(await configuredHosts({ ...base, driver: 'fake' })).toEqual([{ name: 'fake-1', capacity: { vcpus: 2, memoryMb: 4096, diskGb: 100 } }]);
    expect((await configuredHosts({ ...base, driver: 'proxmox' })).map((h) => [h.name, h.capacity.vcpus])).toEqual([
      ['pve1', 32],
      ['pve2', 16],
    ]);
  });

  it('measures this machine for qemu (CPU threads, memory, free disk of the data folder), unless overridden', async () => {
    const [measured] = await configuredHosts({ ...base, driver: 'qemu', qemuDataDir: `${os.tmpdir()}/not/made/yet` });
    expect(measured!.name).toBe(os.hostname());
    expect(measured!.capacity.vcpus).toBe(os.cpus().length);
    expect(measured!.capacity.memoryMb).toBe(Math.floor(os.totalmem() / 1024 / 1024));
    expect(measured!.capacity.diskGb).toBeGreaterThan(0);
    const [set] = await configuredHosts({ ...base, driver: 'qemu', qemuCapacity: { vcpus: 3, memoryMb: 3000, diskGb: 30 } });
    expect(set!.capacity).toEqual({ vcpus: 3, memoryMb: 3000, diskGb: 30 });
  });
});
