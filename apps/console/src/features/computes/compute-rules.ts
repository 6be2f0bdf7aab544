import type { Role } from '../../api/account.ts';
import type { ComputeAction, ComputeState, PriceList } from '../../api/computes.ts';

/**
 * What the Computes pages offer to whom, and the checks they make before a round trip. They
 * mirror the API (apps/api/src/modules/teams/permissions.ts, computes.schemas.ts and
 * computes.service.ts) so nobody is offered a button the API would refuse; the API still decides,
 * and its refusal is shown as it words it.
 */

/** `compute.write`, `compute.power`, `compute.delete`, `ssh_key.write`: Owner and Admin. Everyone reads. */
export function canManageComputes(role: Role | undefined): boolean {
  return role === 'OWNER' || role === 'ADMIN';
}

export const stateLabel: Record<ComputeState, string> = {
  CREATING: 'Creating',
  STARTING: 'Starting',
  RUNNING: 'Running',
  STOPPING: 'Stopping',
  STOPPED: 'Stopped',
  REBOOTING: 'Rebooting',
  RESIZING: 'Resizing',
  DESTROYING: 'Destroying',
  DESTROYED: 'Destroyed',
  ERROR: 'Error',
};

export const stateTone: Record<ComputeState, 'neutral' | 'accent' | 'success' | 'warning' | 'danger'> = {
  CREATING: 'accent',
  STARTING: 'accent',
  RUNNING: 'success',
  STOPPING: 'accent',
  STOPPED: 'neutral',
  REBOOTING: 'accent',
  RESIZING: 'accent',
  DESTROYING: 'warning',
  DESTROYED: 'neutral',
  ERROR: 'danger',
};

export const commandLabel: Record<ComputeAction['command'], string> = {
  create: 'Create',
  start: 'Start',
  stop: 'Stop',
  reboot: 'Reboot',
  upsize: 'Upsize',
  destroy: 'Destroy',
};

/** What a running action is doing, for the progress bar's label. */
export const commandProgress: Record<ComputeAction['command'], string> = {
  create: 'Creating the compute',
  start: 'Starting',
  stop: 'Stopping (graceful shutdown, then power off)',
  reboot: 'Rebooting',
  upsize: 'Upsizing',
  destroy: 'Destroying',
};

export const actionStatusLabel: Record<ComputeAction['status'], string> = { pending: 'Queued', running: 'Running', succeeded: 'Succeeded', failed: 'Failed' };
export const actionStatusTone = { pending: 'neutral', running: 'accent', succeeded: 'success', failed: 'danger' } as const;

/** Which lifecycle buttons a compute in `state` offers (the API's `assertState` rules). */
export function availableCommands(state: ComputeState): { start: boolean; stop: boolean; reboot: boolean; upsize: boolean; destroy: boolean } {
  return {
    start: state === 'STOPPED',
    stop: state === 'RUNNING',
    reboot: state === 'RUNNING',
    upsize: state === 'STOPPED',
    destroy: state !== 'DESTROYING' && state !== 'DESTROYED',
  };
}

// RFC 1123 host names, as the API's ComputeCreateSchema: letters, digits and hyphens, dot-separated labels.
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Spaces become hyphens, as the API (and the product since 2025-10-17) does. */
export function normaliseHostName(value: string): string {
  return value.trim().replace(/\s+/g, '-');
}

export function hostNameProblem(value: string): string | null {
  const name = normaliseHostName(value);
  if (name === '') return 'Give the compute a host name, e.g. “web-01”.';
  if (name.length > 253) return 'A host name is at most 253 characters.';
  for (const label of name.split('.')) {
    if (label === '') return 'A host name cannot start or end with a dot, or have two dots in a row.';
    if (label.length > 63) return 'Each part between dots is at most 63 characters.';
    if (/[^A-Za-z0-9-]/.test(label)) return 'Use letters, digits and hyphens only (spaces become hyphens).';
    if (!LABEL.test(label)) return 'A host name cannot start or end with a hyphen.';
  }
  return null;
}

/** "web, production  web" → ["web", "production"]: comma- or space-separated, duplicates dropped. */
export function parseTags(value: string): string[] {
  return Array.from(new Set(value.split(/[,\s]+/).map((t) => t.trim()).filter(Boolean)));
}

export function tagsProblem(tags: readonly string[]): string | null {
  if (tags.length > 20) return 'At most 20 tags.';
  const long = tags.find((t) => t.length > 64);
  return long ? `“${long.slice(0, 20)}…” is longer than 64 characters.` : null;
}

const KEY_TYPES = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+[A-Za-z0-9+/]+={0,3}(\s.*)?$/;

/** A first look at a pasted OpenSSH public key; the API parses it in full and has the last word. */
export function publicKeyProblem(value: string): string | null {
  const key = value.trim();
  if (key === '') return 'Paste a public key, e.g. the contents of ~/.ssh/id_ed25519.pub.';
  if (key.includes('PRIVATE KEY')) return 'That is a private key: never share it. Paste the .pub file instead.';
  if (/[\r\n]/.test(key)) return 'A public key is one line.';
  if (!KEY_TYPES.test(key)) return 'That doesn’t look like an OpenSSH public key (ssh-ed25519 …, ecdsa-sha2-… or ssh-rsa …).';
  return null;
}

/** "ssh-ed25519 AAAA… ada@laptop" → "ada@laptop", the name suggested for a pasted key. */
export function keyComment(value: string): string {
  return value.trim().split(/\s+/).slice(2).join(' ').slice(0, 100);
}

export const MAX_USER_DATA_BYTES = 64 * 1024;

export interface Estimate {
  monthly: number;
  hourly: number;
  /** What the first `hours` cost, which the balance must cover before a create or an upsize. */
  firstHours: number;
}

/**
 * The monthly price of a size (and of a public IPv4 with it), its hourly rate, and what the first
 * `hours` hours of the compute cost: the API's spending guard asks for that much balance
 * (CREATE_MIN_HOURS_FUNDED, 24 by default). A started hour is charged in full.
 */
export function estimate(prices: PriceList, specification: string, withPublicIp: boolean, hours = 24): Estimate | null {
  const spec = prices.specifications.find((s) => s.specification === specification);
  if (!spec) return null;
  const ip = withPublicIp ? prices.publicIpv4Monthly : 0;
  return { monthly: spec.monthly + ip, hourly: spec.hourly + ip / prices.hoursPerMonth, firstHours: Math.ceil(spec.hourly * hours) };
}

const hourlyFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 });

/** An hourly rate in RWF, which can be a fraction of a franc: "RWF 5.48". */
export function formatHourly(amount: number): string {
  return `RWF ${hourlyFormat.format(amount)}`;
}

export interface Size {
  specification: string;
  vcpus: number;
  memoryMb: number;
  storageGb: number;
}

/** The API's rule for an upsize: more CPUs, memory or disk, and none of them less. */
export function isLarger(target: Size, current: Size): boolean {
  const none = target.vcpus >= current.vcpus && target.memoryMb >= current.memoryMb && target.storageGb >= current.storageGb;
  const some = target.vcpus > current.vcpus || target.memoryMb > current.memoryMb || target.storageGb > current.storageGb;
  return none && some;
}

/** The documented way in: port 222, because the upstream provider blocks 22 (reference §1.1, SSH). */
export function sshCommand(ip: string): string {
  return `ssh -p 222 root@${ip}`;
}

/** API refusals that need words of their own, and where to go about them. */
export interface Explanation {
  title: string;
  body?: string;
  link?: { to: string; label: string };
}

export function explainError(code: string, message: string, details?: unknown): Explanation {
  switch (code) {
    case 'INSUFFICIENT_BALANCE':
      return { title: 'The wallet’s balance is too low for this.', body: message, link: { to: '/billing', label: 'Top up' } };
    case 'TEAM_PAST_DUE':
      return { title: 'The team’s wallet is past due.', body: 'Pay what is due before creating or starting computes.', link: { to: '/billing', label: 'Go to Billing' } };
    case 'TEAM_SUSPENDED':
      return { title: 'The team is suspended for an unpaid balance.', body: 'Its computes stay stopped until the balance is paid.', link: { to: '/billing', label: 'Go to Billing' } };
    case 'TEAM_TERMINATED':
      return { title: 'The team has been terminated.', body: 'It can no longer create or start computes.', link: { to: '/billing', label: 'Go to Billing' } };
    case 'PHONE_VERIFICATION_REQUIRED':
      return { title: 'Verify your phone number first.', body: 'A verified mobile number is needed before your first compute.', link: { to: '/onboarding?returnTo=%2Fcomputes%2Fnew', label: 'Verify phone' } };
    case 'PARENTAL_CONSENT_REQUIRED':
      return { title: 'A parent or guardian must consent first.', body: 'Accounts of people under 18 create computes once a parent has consented.', link: { to: '/account', label: 'Account & Privacy' } };
    case 'PUBLIC_IP_LIMIT_REACHED':
      return { title: 'The team holds all the public IPv4 addresses it may.', body: `${message} Create this compute without a public IP, or destroy one that has one.` };
    case 'COMPUTE_RUNNING':
      return { title: 'Stop the compute first.', body: 'A compute is upsized while it is stopped; start it again afterwards.' };
    case 'CONFLICT':
      // A busy compute names its open action in `details`; other conflicts (already destroyed, a key the team has) only have words.
      return typeof details === 'object' && details !== null && 'actionId' in details
        ? { title: 'Another action is still running on this compute.', body: `${message}` }
        : { title: 'That can’t be done now.', body: message };
    case 'FORBIDDEN':
      return { title: 'Your role in this team does not allow this.', body: message };
    default:
      return { title: 'The request was refused.', body: message };
  }
}

export interface ImageLike {
  image: string;
  imageName: string;
  version: string;
  displayName: string;
}

/**
 * Whether an image is a one-click application rather than an operating system. The API keeps the
 * kind (`images.kind`) but does not publish it, so the display name's "… on Ubuntu 24.04" decides.
 */
export function isApplicationImage(image: ImageLike): boolean {
  return / on /.test(image.displayName);
}

/** "Ubuntu 24.04 LTS", "Coolify 4.1.1 on Ubuntu 24.04": the image as a person names it. */
export function imageLabel(image: ImageLike | undefined, slug: string): string {
  if (!image) return slug;
  return image.displayName.startsWith(`${image.imageName} `) ? image.displayName : `${image.imageName} ${image.displayName}`;
}
