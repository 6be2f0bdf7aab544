/**
 * IPv4 arithmetic for the address pools: a CIDR block as a range of 32-bit numbers. A dozen
 * lines of bit shifts; no library needed (docs/decisions/0009-compute.md).
 */

export interface Ipv4Block {
  cidr: string;
  /** Network address as a number. */
  network: number;
  prefix: number;
  /** Number of addresses in the block. */
  size: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseIpv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses `a.b.c.d/len`; null when it is not a block (host bits set, or a bad address or length). */
export function parseCidr(cidr: string): Ipv4Block | null {
  const [addr, len, ...rest] = cidr.trim().split('/');
  if (rest.length || addr === undefined || len === undefined || !/^\d{1,2}$/.test(len)) return null;
  const prefix = Number(len);
  const n = parseIpv4(addr);
  if (n === null || prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  if (n % size !== 0) return null;
  return { cidr: `${formatIpv4(n)}/${prefix}`, network: n, prefix, size };
}

/**
 * Addresses of a block a machine may hold, lowest first: all but the network address, the first
 * host (the gateway) and the broadcast address; a /31 or /32 has none to give.
 */
export function* hostAddresses(block: Ipv4Block): Generator<string> {
  if (block.size < 4) return;
  for (let i = 2; i < block.size - 1; i++) yield formatIpv4(block.network + i);
}

/** How many addresses `hostAddresses` yields. */
export function hostCount(block: Ipv4Block): number {
  return block.size < 4 ? 0 : block.size - 3;
}
