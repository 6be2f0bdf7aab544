import { spawnSync } from 'node:child_process';
import { FakeHypervisorDriver } from './fake.driver.ts';
import type { DriverKind, HypervisorDriver } from './port.ts';

export interface HypervisorSettings {
  /** HYPERVISOR_DRIVER; undefined: qemu when QEMU is installed, else fake. */
  requested: DriverKind | undefined;
  /** QEMU_BINARY: the emulator the qemu driver runs, and what "QEMU is installed" looks for. */
  qemuBinary: string;
  /** HYPERVISOR_FAKE_DELAY_MS. */
  fakeDelayMs: number;
}

export interface HypervisorChoice {
  driver: HypervisorDriver;
  /** What the operator should know at start: a fallback, or that machines are simulated. */
  warning: string | null;
}

/** True when `binary --version` runs: QEMU is installed. */
export function qemuInstalled(binary: string): boolean {
  const r = spawnSync(binary, ['--version'], { stdio: 'ignore', timeout: 5_000 });
  return r.error === undefined && r.status === 0;
}

/**
 * Picks the hypervisor driver from the configuration. Only the fake exists so far: the qemu and
 * proxmox drivers are the next part of issue 6. Asking for one of them, or leaving the choice
 * to the default on a host with QEMU, falls back to the fake with a warning that says so, rather
 * than refusing to start, so the rest of the platform can be used meanwhile.
 */
export function chooseHypervisor(s: HypervisorSettings, detect: (binary: string) => boolean = qemuInstalled): HypervisorChoice {
  const driver = new FakeHypervisorDriver({ delayMs: s.fakeDelayMs });
  const simulated = 'computes are simulated in memory (for demos and tests only): no virtual machine runs and none survives a restart';
  if (s.requested === 'fake') return { driver, warning: `HYPERVISOR_DRIVER=fake: ${simulated}.` };
  if (s.requested) return { driver, warning: `HYPERVISOR_DRIVER=${s.requested}: the ${s.requested} driver is not available yet; using the fake driver instead: ${simulated}.` };
  const warning = detect(s.qemuBinary)
    ? `QEMU is installed (${s.qemuBinary}), but the qemu driver is not available yet; using the fake driver: ${simulated}.`
    : `QEMU is not installed (${s.qemuBinary} not found), so the fake driver is used: ${simulated}. Install QEMU, or set HYPERVISOR_DRIVER.`;
  return { driver, warning };
}
