import { describe, expect, it } from 'vitest';
import { chooseHypervisor, qemuInstalled } from './select.ts';

describe('choosing the hypervisor driver', () => {
  const settings = { qemuBinary: 'qemu-system-x86_64', fakeDelayMs: 0 };

  it('uses the fake when asked, saying machines are simulated', () => {
    const c = chooseHypervisor({ ...settings, requested: 'fake' }, () => true);
    expect(c.driver.kind).toBe('fake');
    expect(c.driver.simulated).toBe(true);
    expect(c.warning).toMatch(/simulated .*for demos and tests only/);
  });

  it('falls back to the fake with a warning when qemu or proxmox is asked for (not available yet)', () => {
    for (const requested of ['qemu', 'proxmox'] as const) {
      const c = chooseHypervisor({ ...settings, requested }, () => true);
      expect(c.driver.kind).toBe('fake');
      expect(c.warning).toContain(`HYPERVISOR_DRIVER=${requested}: the ${requested} driver is not available yet`);
    }
  });

  it('by default looks for QEMU, and says which way it went', () => {
    const seen: string[] = [];
    const withQemu = chooseHypervisor({ ...settings, requested: undefined }, (b) => (seen.push(b), true));
    expect(seen).toEqual(['qemu-system-x86_64']);
    expect(withQemu.warning).toMatch(/QEMU is installed .* qemu driver is not available yet; using the fake driver/);
    const without = chooseHypervisor({ ...settings, requested: undefined }, () => false);
    expect(without.driver.kind).toBe('fake');
    expect(without.warning).toMatch(/QEMU is not installed/);
  });

  it('detects QEMU by running it', () => {
    expect(qemuInstalled('/nonexistent/qemu-system-x86_64')).toBe(false);
    expect(qemuInstalled('true')).toBe(true); // anything that answers --version with status 0
  });
});
