import crypto from 'node:crypto';
import { formatIpv4, parseCidr, parseIpv4 } from '../ipv4.ts';
import type { MachineNetwork, MachineSpec } from './port.ts';

/**
 * The NoCloud seed of a qemu machine (cloud-init's `nocloud` datasource): an ISO 9660 volume
 * labelled `cidata` holding `meta-data` and `user-data`. Written here in a few dozen lines rather
 * than with genisoimage or cloud-localds, so hosts need nothing beyond QEMU.
 */

/** The SSH port the product documents (its upstream ISP firewall blocks 22). */
export const GUEST_SSH_PORT = 222;

/** `meta-data`: instance id, host name and SSH keys (cloud-init reads `public-keys` from it too). */
export function nocloudMetaData(spec: Pick<MachineSpec, 'computeId' | 'hostName' | 'sshPublicKeys'>): string {
  // JSON strings are valid YAML double-quoted scalars, so a key comment cannot break the document.
  const keys = spec.sshPublicKeys.map((k) => `  - ${JSON.stringify(k.trim())}`);
  return [`instance-id: ${JSON.stringify(spec.computeId)}`, `local-hostname: ${JSON.stringify(spec.hostName)}`, 'public-keys:', ...keys, ''].join('\n');
}

/**
 * `user-data`: our cloud-config (host name, root's SSH keys, sshd on port 222), and the team's own
 * user data beside it as a second MIME part, which cloud-init runs by its first line (`#cloud-config`,
 * `#!`…). The result may hold secrets: never log it.
 */
export function nocloudUserData(spec: Pick<MachineSpec, 'hostName' | 'sshPublicKeys' | 'userData'>): string {
  const ours = [
    '#cloud-config',
    `hostname: ${JSON.stringify(spec.hostName)}`,
    'disable_root: false',
    'ssh_pwauth: false',
    'ssh_authorized_keys:',
    ...spec.sshPublicKeys.map((k) => `  - ${JSON.stringify(k.trim())}`),
    'write_files:',
    '  - path: /etc/ssh/sshd_config.d/10-strettch-port.conf',
    `    content: "Port ${GUEST_SSH_PORT}\\n"`,
    'runcmd:',
    // Ubuntu 24.04 starts sshd through ssh.socket, whose port a generator reads at daemon-reload.
    '  - [sh, -c, "systemctl daemon-reload; systemctl restart ssh.socket 2>/dev/null; systemctl restart ssh 2>/dev/null || service ssh restart || true"]',
    '',
  ].join('\n');
  if (spec.userData === null || spec.userData === '') return ours;
  const boundary = `==STRETTCH-${Buffer.from(spec.hostName).toString('hex').slice(0, 16)}-BOUNDARY==`;
  return [
    'Content-Type: multipart/mixed; boundary="' + boundary + '"',
    'MIME-Version: 1.0',
    '',
    `--${boundary}`,
    'Content-Type: text/cloud-config; charset="utf-8"',
    'Content-Disposition: attachment; filename="strettch.cfg"',
    '',
    ours,
    `--${boundary}`,
    // text/x-not-multipart: cloud-init picks the part's type from its first line.
    'Content-Type: text/x-not-multipart; charset="utf-8"',
    'Content-Disposition: attachment; filename="user-data"',
    '',
    spec.userData,
    `--${boundary}--`,
    '',
  ].join('\n');
}

/** One network interface of a qemu machine: the guest sees a virtio NIC with this MAC. */
export interface GuestNic {
  /** `private` (always) or `public` (with a public IPv4). */
  role: 'private' | 'public';
  /** Name cloud-init gives the interface (`set-name`). */
  name: 'eth0' | 'eth1';
  mac: string;
  /** Address with its prefix length, e.g. `10.0.0.2/16`. */
  cidr: string;
  /** The first host of the address's network; null when the network is not known. */
  gateway: string | null;
  /** Whether the default route goes through this interface's gateway. */
  defaultRoute: boolean;
  /** The network block, for QEMU's user-mode network (`net=`), when the prefix allows one. */
  block: string | null;
  /** A block address the user-mode network answers DNS on, other than the guest's own. */
  dns: string | null;
}

/** A stable, locally administered MAC (QEMU's 52:54:00 prefix) per compute and interface. */
export function guestMac(computeId: string, nic: number): string {
  const h = crypto.createHash('sha256').update(`${computeId}/${nic}`).digest();
  return ['52', '54', '00', ...[h[0]!, h[1]!, h[2]!].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/**
 * The machine's interfaces: the private address on eth0, and the public one on eth1 when it has
 * one. The default route goes through the public gateway when there is one, else the private one.
 * An address whose network is not known gets a /32 and no route.
 */
export function guestNics(computeId: string, network: MachineNetwork): GuestNic[] {
  const nic = (role: GuestNic['role'], i: 0 | 1, address: string, net: { prefix: number; gateway: string } | null | undefined, route: boolean): GuestNic => {
    const prefix = net?.prefix ?? 32;
    const block = net ? parseCidr(`${formatIpv4(((parseIpv4(address) ?? 0) & (prefix === 0 ? 0 : ~0 << (32 - prefix))) >>> 0)}/${prefix}`) : null;
    // QEMU's user-mode network needs room for its gateway and DNS beside the guest: /30 or larger.
    const usable = block && block.prefix <= 30 ? block : null;
    const last = usable ? usable.network + usable.size - 2 : 0;
    const dns = usable ? formatIpv4(formatIpv4(last) === address ? last - 1 : last) : null;
    return { role, name: i === 0 ? 'eth0' : 'eth1', mac: guestMac(computeId, i), cidr: `${address}/${prefix}`, gateway: net?.gateway ?? null, defaultRoute: route && !!net, block: usable?.cidr ?? null, dns };
  };
  const hasPublic = network.publicIpv4 !== null;
  const nics = [nic('private', 0, network.privateIpv4, network.privateNet, !hasPublic)];
  if (network.publicIpv4 !== null) nics.push(nic('public', 1, network.publicIpv4, network.publicNet, true));
  return nics;
}

/**
 * `network-config` (netplan version 2, which cloud-init reads from the NoCloud seed): the static
 * addresses of each interface, matched by MAC. Cloud images configure them at first boot.
 */
export function nocloudNetworkConfig(nics: GuestNic[]): string {
  const lines = ['version: 2', 'ethernets:'];
  for (const n of nics) {
    lines.push(
      `  ${n.name}:`,
      '    match:',
      `      macaddress: "${n.mac}"`,
      `    set-name: ${n.name}`,
      '    dhcp4: false',
      `    addresses: ["${n.cidr}"]`,
    );
    if (n.defaultRoute && n.gateway) lines.push('    routes:', '      - to: default', `        via: ${n.gateway}`);
    if (n.defaultRoute && n.dns) lines.push('    nameservers:', `      addresses: [${n.dns}]`);
  }
  return `${lines.join('\n')}\n`;
}

const SECTOR = 2048;

/**
 * A minimal ISO 9660 image: one root directory of small files (ECMA-119 §8.4 volume descriptor,
 * §9.1 directory records, §9.4 path tables). Names are written in upper case and shown by Linux
 * in lower case (isofs `map=normal`), which is how cloud-init reads `meta-data` and `user-data`.
 */
export function buildIso9660(volumeId: string, files: Record<string, string | Buffer>): Buffer {
  const entries = Object.entries(files)
    .map(([name, body]) => ({ id: name.toUpperCase(), body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8') }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const pvd = 16;
  const lPathTable = 18;
  const mPathTable = 19;
  const rootDir = 20;
  let next = 21;
  const placed = entries.map((e) => {
    const at = next;
    next += Math.max(1, Math.ceil(e.body.length / SECTOR));
    return { ...e, at };
  });
  const total = next;
  const image = Buffer.alloc(total * SECTOR);

  const both32 = (buf: Buffer, off: number, v: number) => {
    buf.writeUInt32LE(v, off);
    buf.writeUInt32BE(v, off + 4);
  };
  const both16 = (buf: Buffer, off: number, v: number) => {
    buf.writeUInt16LE(v, off);
    buf.writeUInt16BE(v, off + 2);
  };
  const text = (off: number, len: number, s: string) => image.write(s.padEnd(len, ' ').slice(0, len), off, 'ascii');
  // A fixed date keeps the image reproducible: 2024-01-01 00:00:00 UTC.
  const recDate = Buffer.from([124, 1, 1, 0, 0, 0, 0]);
  const longDate = Buffer.concat([Buffer.from('2024010100000000', 'ascii'), Buffer.from([0])]);
  const dirRecord = (name: Buffer, extent: number, size: number, isDir: boolean): Buffer => {
    const len = 33 + name.length + (name.length % 2 === 0 ? 1 : 0);
    const r = Buffer.alloc(len);
    r[0] = len;
    both32(r, 2, extent);
    both32(r, 10, size);
    recDate.copy(r, 18);
    r[25] = isDir ? 2 : 0;
    both16(r, 28, 1);
    r[32] = name.length;
    name.copy(r, 33);
    return r;
  };

  // Primary volume descriptor.
  const p = pvd * SECTOR;
  image[p] = 1;
  image.write('CD001', p + 1, 'ascii');
  image[p + 6] = 1;
  text(p + 8, 32, '');
  text(p + 40, 32, volumeId);
  both32(image, p + 80, total);
  both16(image, p + 120, 1);
  both16(image, p + 124, 1);
  both16(image, p + 128, SECTOR);
  both32(image, p + 132, 10);
  image.writeUInt32LE(lPathTable, p + 140);
  image.writeUInt32BE(mPathTable, p + 148);
  dirRecord(Buffer.from([0]), rootDir, SECTOR, true).copy(image, p + 156);
  text(p + 190, 128, '');
  text(p + 318, 128, 'STRETTCH CLOUD');
  text(p + 446, 128, '');
  text(p + 574, 128, 'STRETTCH CLOUD QEMU DRIVER');
  text(p + 702, 37 * 3, '');
  for (const off of [813, 830, 864]) longDate.copy(image, p + off);
  Buffer.concat([Buffer.from('0000000000000000', 'ascii'), Buffer.from([0])]).copy(image, p + 847);
  image[p + 881] = 1;

  // Set terminator.
  const t = (pvd + 1) * SECTOR;
  image[t] = 255;
  image.write('CD001', t + 1, 'ascii');
  image[t + 6] = 1;

  // Path tables: the root alone (name length 1, the root's extent, parent 1, name 0x00, padding).
  const l = lPathTable * SECTOR;
  image[l] = 1;
  image.writeUInt32LE(rootDir, l + 2);
  image.writeUInt16LE(1, l + 6);
  const m = mPathTable * SECTOR;
  image[m] = 1;
  image.writeUInt32BE(rootDir, m + 2);
  image.writeUInt16BE(1, m + 6);

  // Root directory: ".", "..", then the files.
  let d = rootDir * SECTOR;
  const records = [dirRecord(Buffer.from([0]), rootDir, SECTOR, true), dirRecord(Buffer.from([1]), rootDir, SECTOR, true)];
  for (const f of placed) records.push(dirRecord(Buffer.from(`${f.id};1`, 'ascii'), f.at, f.body.length, false));
  if (records.reduce((n, r) => n + r.length, 0) > SECTOR) throw new Error('too many files for a one-sector ISO 9660 directory');
  for (const r of records) {
    r.copy(image, d);
    d += r.length;
  }
  for (const f of placed) f.body.copy(image, f.at * SECTOR);
  return image;
}

/** The seed image for a machine: ISO 9660, label `cidata`; `network-config` gives the guest its addresses. */
export function buildNoCloudSeed(spec: MachineSpec): Buffer {
  return buildIso9660('cidata', {
    'meta-data': nocloudMetaData(spec),
    'user-data': nocloudUserData(spec),
    'network-config': nocloudNetworkConfig(guestNics(spec.computeId, spec.network)),
  });
}
