import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../config.ts';
import { formatIpv4, parseCidr } from '../ipv4.ts';
import { FakeHypervisorDriver } from './fake.driver.ts';
import type { DriverKind, HypervisorDriver } from './port.ts';
import { ProxmoxHypervisorDriver } from './proxmox.driver.ts';
import { QemuHypervisorDriver, tinyGuestPresent, type QemuDriverOptions } from './qemu.driver.ts';
import type { ProxmoxVmidAllocator } from './proxmox.vmids.ts';

export interface HypervisorSettings {
  /** HYPERVISOR_DRIVER; undefined: qemu when QEMU is installed, else fake. */
  requested: DriverKind | undefined;
  /** QEMU_BINARY: the emulator the qemu driver runs, and what "QEMU is installed" looks for. */
  qemuBinary: string;
  /** HYPERVISOR_FAKE_DELAY_MS. */
  fakeDelayMs: number;
  /** The PROXMOX_* variables, PRIVATE_NETWORK_CIDR and the VMID allocator, for HYPERVISOR_DRIVER=proxmox. */
  proxmox?: ProxmoxSettings;
  /** QEMU_DATA_DIR, QEMU_IMG_BINARY, QEMU_IMAGES, QEMU_TINY_GUEST_DIR, QEMU_ACCEL, for the qemu driver. */
  qemu?: Omit<QemuDriverOptions, 'qemuBinary'>;
}

export interface ProxmoxSettings {
  url: string | undefined;
  tokenId: string | undefined;
  tokenSecret: string | undefined;
  nodes: string[];
  storage: string;
  templates: Record<string, number>;
  vmidRange: { first: number; last: number };
  tlsInsecure: boolean;
  caFile: string | undefined;
  nameserver: string | undefined;
  privateCidr: string;
  /** PROXMOX_PUBLIC_BRIDGE. */
  publicBridge?: string;
  vmids: ProxmoxVmidAllocator;
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
 * Picks the hypervisor driver from the configuration. `proxmox` is built from its settings, and a
 * missing URL or token refuses to start (ConfigError) rather than silently simulating machines.
 * `qemu` is used when asked for or, by default, when QEMU runs; without QEMU it falls back to the
 * fake with a warning that says so, rather than refusing to start, so the rest of the platform can
 * be used meanwhile.
 */
export function chooseHypervisor(s: HypervisorSettings, detect: (binary: string) => boolean = qemuInstalled): HypervisorChoice {
  const driver = new FakeHypervisorDriver({ delayMs: s.fakeDelayMs });
  if (s.requested === 'proxmox') return { driver: proxmoxDriver(s.proxmox), warning: null };
  const simulated = 'computes are simulated in memory (for demos and tests only): no virtual machine runs and none survives a restart';
  if (s.requested === 'fake') return { driver, warning: `HYPERVISOR_DRIVER=fake: ${simulated}.` };
  // Without its settings (a caller that does not pass QEMU_DATA_DIR…), machines would land in a guessed folder.
  if (detect(s.qemuBinary) && s.qemu) return qemuChoice(s, s.qemu);
  if (detect(s.qemuBinary)) return { driver, warning: `QEMU is installed (${s.qemuBinary}), but no qemu driver settings were given; using the fake driver: ${simulated}.` };
  const warning =
    s.requested === 'qemu'
      ? `HYPERVISOR_DRIVER=qemu, but QEMU is not installed (${s.qemuBinary} does not run); using the fake driver instead: ${simulated}.`
      : `QEMU is not installed (${s.qemuBinary} not found), so the fake driver is used: ${simulated}. Install QEMU, or set HYPERVISOR_DRIVER.`;
  return { driver, warning };
}

/** The qemu driver, with a warning when images fall back to the tiny test guest, or nothing can boot. */
function qemuChoice(s: HypervisorSettings, q: NonNullable<HypervisorSettings['qemu']>): HypervisorChoice {
  const driver = new QemuHypervisorDriver({ ...q, qemuBinary: s.qemuBinary });
  const images = Object.keys(q.images ?? {});
  if (images.length > 0) return { driver, warning: null };
  const warning = tinyGuestPresent(q.tinyGuestDir)
    ? `qemu driver: no base image is configured (QEMU_IMAGES), so every compute boots the tiny test guest from ${q.tinyGuestDir}.`
    : 'qemu driver: no base image is configured (QEMU_IMAGES) and the tiny test guest is not built (scripts/build-tiny-guest.sh): creating a compute will fail.';
  return { driver, warning };
}

/** The proxmox driver, or a configuration error naming what is missing (never a fallback to the fake). */
function proxmoxDriver(p: ProxmoxSettings | undefined): ProxmoxHypervisorDriver {
  const problems: string[] = [];
  if (!p?.url) problems.push('PROXMOX_URL: required when HYPERVISOR_DRIVER=proxmox');
  if (!p?.tokenId) problems.push('PROXMOX_TOKEN_ID: required when HYPERVISOR_DRIVER=proxmox');
  if (!p?.tokenSecret) problems.push('PROXMOX_TOKEN_SECRET: required when HYPERVISOR_DRIVER=proxmox');
  if (p && p.nodes.length === 0) problems.push('PROXMOX_NODES: required when HYPERVISOR_DRIVER=proxmox');
  if (p && Object.keys(p.templates).length === 0) problems.push('PROXMOX_TEMPLATES: required when HYPERVISOR_DRIVER=proxmox');
  const block = p ? parseCidr(p.privateCidr) : null;
  if (p && !block) problems.push('PRIVATE_NETWORK_CIDR: not an IPv4 network block');
  if (!p || !p.url || !p.tokenId || !p.tokenSecret || !block || problems.length) throw new ConfigError(problems);
  let ca: Buffer | undefined;
  if (p.caFile) {
    try {
      ca = readFileSync(p.caFile);
    } catch (err) {
      throw new ConfigError([`PROXMOX_CA_FILE: cannot read ${p.caFile} (${(err as Error).message})`]);
    }
  }
  return new ProxmoxHypervisorDriver({
    url: p.url,
    tokenId: p.tokenId,
    tokenSecret: p.tokenSecret,
    nodes: p.nodes,
    storage: p.storage,
    templates: p.templates,
    vmids: p.vmids,
    vmidRange: p.vmidRange,
    // The first host of the team network is its gateway (ipv4.ts hands out addresses after it).
    privateNetwork: { prefix: block.prefix, gateway: formatIpv4(block.network + 1) },
    ...(p.nameserver ? { nameserver: p.nameserver } : {}),
    ...(p.publicBridge ? { publicBridge: p.publicBridge } : {}),
    tls: { insecure: p.tlsInsecure, ...(ca ? { ca } : {}) },
  });
}
