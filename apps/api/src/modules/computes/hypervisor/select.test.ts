import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../config.ts';
import { MemoryVmidAllocator } from './proxmox.vmids.ts';
import { chooseHypervisor, qemuInstalled } from './select.ts';

describe('choosing the hypervisor driver', () => {
  const settings = { qemuBinary: 'qemu-system-x86_64', fakeDelayMs: 0 };

  it('uses the fake when asked, saying machines are simulated', () => {
    const c = chooseHypervisor({ ...settings, requested: 'fake' }, () => true);
    expect(c.driver.kind).toBe('fake');
    expect(c.driver.simulated).toBe(true);
    expect(c.warning).toMatch(/simulated .*for demos and tests only/);
  });

  it('uses the qemu driver when asked for or, by default, when QEMU runs; the fake with a warning when QEMU is missing', () => {
    const qemu = { dataDir: '/tmp/strettch-select-test', tinyGuestDir: '/nonexistent' };
    const seen: string[] = [];
    for (const requested of ['qemu', undefined] as const) {
      const c = chooseHypervisor({ ...settings, requested, qemu }, (b) => (seen.push(b), true));
      expect(c.driver.kind).toBe('qemu');
      expect(c.driver.simulated).toBe(false);
      expect(c.warning).toMatch(/no base image is configured .* tiny test guest is not built/);
    }
    expect(seen).toEqual(['qemu-system-x86_64', 'qemu-system-x86_64']);
    const withImages = chooseHypervisor({ ...settings, requested: 'qemu', qemu: { ...qemu, images: { 'UBUNTU-24.04': '/var/lib/noble.qcow2' } } }, () => true);
    expect(withImages.warning).toBeNull();
    const unwired = chooseHypervisor({ ...settings, requested: 'qemu' }, () => true);
    expect(unwired.driver.kind).toBe('fake');
    expect(unwired.warning).toMatch(/no qemu driver settings were given/);
    const asked = chooseHypervisor({ ...settings, requested: 'qemu', qemu }, () => false);
    expect(asked.driver.kind).toBe('fake');
    expect(asked.warning).toMatch(/HYPERVISOR_DRIVER=qemu, but QEMU is not installed .*using the fake driver/);
    const without = chooseHypervisor({ ...settings, requested: undefined }, () => false);
    expect(without.driver.kind).toBe('fake');
    expect(without.warning).toMatch(/QEMU is not installed/);
  });

  it('builds the proxmox driver when asked, and refuses to start without its URL and token', () => {
    const proxmox = {
      url: 'https://pve1.example:8006/api2/json', tokenId: 'strettch@pve!cp', tokenSecret: 's3cret', nodes: ['pve1'], storage: 'local-lvm',
      templates: { 'UBUNTU-24.04': 9000 }, vmidRange: { first: 100000, last: 199999 }, tlsInsecure: false, caFile: undefined, nameserver: undefined,
      privateCidr: '10.0.0.0/16', vmids: new MemoryVmidAllocator({ first: 100000, last: 199999 }),
    };
    const c = chooseHypervisor({ ...settings, requested: 'proxmox', proxmox }, () => true);
    expect(c.driver.kind).toBe('proxmox');
    expect(c.driver.simulated).toBe(false);
    expect(() => chooseHypervisor({ ...settings, requested: 'proxmox', proxmox: { ...proxmox, url: undefined, tokenSecret: undefined } })).toThrow(ConfigError);
    expect(() => chooseHypervisor({ ...settings, requested: 'proxmox' })).toThrow(/PROXMOX_URL: required when HYPERVISOR_DRIVER=proxmox/);
  });

  it('detects QEMU by running it', () => {
    expect(qemuInstalled('/nonexistent/qemu-system-x86_64')).toBe(false);
    expect(qemuInstalled('true')).toBe(true); // anything that answers --version with status 0
  });
});
