/**
 * The plain data a hosted zone is made of, as the authoritative server consumes it.
 *
 * A `ZoneSnapshot` is what the zones database produces for one zone: one row of the zone plus
 * its rrsets, with record values in presentation format (the `content` strings PowerDNS and
 * most DNS APIs use, e.g. `10 mail.example.com.` for MX). The server compiles a snapshot into
 * its lookup index; the same snapshot can be written as an RFC 1035 master file
 * (server/zone-file.ts). Names are lower-case, fully qualified and without the trailing dot;
 * names inside record values are always absolute (a trailing dot is accepted and ignored).
 *
 * `parseRecord` is the one parser of record values: API validation can call it to refuse a
 * value the server could not serve, with the same message the server would log.
 */
import type dnsPacket from 'dns-packet';
import { rdataCodec } from './server/wire.ts';

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'NS', 'CAA', 'PTR', 'SOA'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
/** Types that live in `rrsets`; the SOA comes from `ZoneSnapshot.soa`. */
export type RrsetType = Exclude<RecordType, 'SOA'>;

export interface SoaSnapshot {
  /** Primary nameserver, e.g. `ns1.strettch.cloud`. */
  mname: string;
  /** Responsible mailbox as a domain name (`hostmaster.strettch.cloud`); `hostmaster@strettch.cloud` is accepted too. */
  rname: string;
  refresh: number;
  retry: number;
  expire: number;
  /** Negative-caching TTL (RFC 2308 §4); negative answers carry min(ttl, minimum). */
  minimum: number;
  /** TTL of the SOA record itself. */
  ttl: number;
}

export interface RrsetSnapshot {
  /** Owner name, fully qualified, lower-case, no trailing dot; `*.` as leftmost label for a wildcard (RFC 4592). */
  name: string;
  type: RrsetType;
  ttl: number;
  /** Record values in presentation format, e.g. `192.0.2.1`, `10 mail.example.com.`, `"v=spf1 -all"`, `0 issue "letsencrypt.org"`. */
  records: string[];
}

export interface ZoneSnapshot {
  /** Zone apex, lower-case, no trailing dot, e.g. `example.rw`. */
  name: string;
  /** SOA serial (uint32); secondaries are sent a NOTIFY when it changes. */
  serial: number;
  soa: SoaSnapshot;
  /** The apex NS rrset (the platform's nameservers). An NS rrset at the apex in `rrsets` is ignored. */
  nameservers: string[];
  /** TTL of the apex NS rrset; the SOA TTL when absent. */
  nameserverTtl?: number;
  /** Every other rrset; NS below the apex delegates that name (a referral, with glue from the A/AAAA below it). */
  rrsets: RrsetSnapshot[];
}

/** A record value the server cannot serve. */
export class ZoneDataError extends Error {
  override name = 'ZoneDataError';
}

export const MAX_TTL = 2_147_483_647; // RFC 2181 §8

/** Typed RDATA, in the shapes dns-packet encodes. */
export type Rdata =
  | { type: 'A' | 'AAAA'; data: string }
  | { type: 'CNAME' | 'NS' | 'PTR'; data: string }
  | { type: 'MX'; data: { preference: number; exchange: string } }
  | { type: 'TXT'; data: Buffer[] }
  | { type: 'SRV'; data: { priority: number; weight: number; port: number; target: string } }
  | { type: 'CAA'; data: { flags: number; tag: string; value: string } }
  | { type: 'SOA'; data: { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number } };

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Normalises a domain name: lower-case, no trailing dot. Letters, digits, hyphens and underscores
 * (SRV and DKIM names); IDNs must already be in punycode. `allowWildcard` accepts `*` as the
 * leftmost label. The root is refused.
 */
export function normalizeName(input: string, { allowWildcard = false } = {}): string {
  const name = input.trim().toLowerCase().replace(/\.$/, '');
  if (name === '') throw new ZoneDataError('the root is not a valid name here');
  const labels = name.split('.');
  labels.forEach((label, i) => {
    if (i === 0 && label === '*' && allowWildcard) return;
    if (!LABEL.test(label)) throw new ZoneDataError(`"${label}" is not a valid label`);
  });
  if (name.length + 2 > 255) throw new ZoneDataError('name is longer than 255 bytes on the wire');
  return name;
}

/** True when `name` equals `zone` or lies below it. */
export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

function uint(text: string | undefined, max: number, what: string): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new ZoneDataError(`${what} must be a number`);
  const n = Number(text);
  if (n > max) throw new ZoneDataError(`${what} must be at most ${max}`);
  return n;
}

/**
 * Splits presentation text into tokens: quoted strings (with `\"`, `\\` and `\DDD` escapes) or
 * bare words, each returned as bytes.
 */
export function tokenize(text: string): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const quoted = c === '"';
    if (quoted) i++;
    const bytes: number[] = [];
    let closed = !quoted;
    while (i < text.length) {
      const ch = text[i]!;
      if (quoted ? ch === '"' : ch === ' ' || ch === '\t') {
        if (quoted) {
          closed = true;
          i++;
        }
        break;
      }
      if (!quoted && ch === '"') throw new ZoneDataError('quote in the middle of a word');
      if (ch === '\\') {
        const digits = text.slice(i + 1, i + 4);
        if (/^\d{3}$/.test(digits)) {
          const v = Number(digits);
          if (v > 255) throw new ZoneDataError(`\\${digits} is not a byte`);
          bytes.push(v);
          i += 4;
          continue;
        }
        if (i + 1 >= text.length) throw new ZoneDataError('dangling backslash');
        i++;
      }
      for (const b of Buffer.from(text[i]!, 'utf8')) bytes.push(b);
      i++;
    }
    if (!closed) throw new ZoneDataError('unterminated quoted string');
    out.push(Buffer.from(bytes));
  }
  return out;
}

function words(content: string, count: number, what: string): string[] {
  const parts = content.trim().split(/\s+/);
  if (parts.length !== count || parts[0] === '') throw new ZoneDataError(`${what} needs ${count} fields`);
  return parts;
}

/** Parses one record value of `type` from presentation format into typed RDATA. */
export function parseRecord(type: RecordType, content: string): Rdata {
  const text = content.trim();
  switch (type) {
    case 'A': {
      if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(text)) throw new ZoneDataError('not an IPv4 address');
      return { type, data: text };
    }
    case 'AAAA': {
      let canonical: string;
      try {
        canonical = rdataCodec.aaaa.decode(rdataCodec.aaaa.encode(text));
      } catch {
        throw new ZoneDataError('not an IPv6 address');
      }
      if (!text.includes(':') || !/^[0-9a-fA-F:.]+$/.test(text)) throw new ZoneDataError('not an IPv6 address');
      return { type, data: canonical };
    }
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return { type, data: normalizeName(text) };
    case 'MX': {
      const [pref, exchange] = words(text, 2, 'MX');
      return { type, data: { preference: uint(pref, 65535, 'MX preference'), exchange: normalizeName(exchange!) } };
    }
    case 'SRV': {
      const [priority, weight, port, target] = words(text, 4, 'SRV');
      return {
        type,
        data: {
          priority: uint(priority, 65535, 'SRV priority'),
          weight: uint(weight, 65535, 'SRV weight'),
          port: uint(port, 65535, 'SRV port'),
          // "." means "no service" (RFC 2782).
          target: target === '.' ? '' : normalizeName(target!),
        },
      };
    }
    case 'TXT': {
      const strings = tokenize(text);
      if (strings.length === 0) throw new ZoneDataError('TXT needs at least one string');
      // A string longer than 255 bytes (a DKIM key pasted whole) is split into character-strings.
      const chunks: Buffer[] = [];
      for (const s of strings) {
        if (s.length === 0) chunks.push(s);
        for (let i = 0; i < s.length; i += 255) chunks.push(s.subarray(i, i + 255));
      }
      if (chunks.reduce((n, c) => n + c.length + 1, 0) > 65_000) throw new ZoneDataError('TXT record too long');
      return { type, data: chunks };
    }
    case 'CAA': {
      const m = /^(\d+)\s+([A-Za-z0-9]+)\s+(.+)$/.exec(text);
      if (!m) throw new ZoneDataError('CAA needs flags, tag and value');
      const value = tokenize(m[3]!);
      if (value.length !== 1) throw new ZoneDataError('CAA value must be one string');
      if (m[2]!.length > 15) throw new ZoneDataError('CAA tag is longer than 15 characters');
      return { type, data: { flags: uint(m[1], 255, 'CAA flags'), tag: m[2]!.toLowerCase(), value: value[0]!.toString('utf8') } };
    }
    case 'SOA': {
      const [mname, rname, serial, refresh, retry, expire, minimum] = words(text, 7, 'SOA');
      return {
        type,
        data: {
          mname: normalizeName(mname!),
          rname: normalizeName(rname!),
          serial: uint(serial, 0xffffffff, 'serial'),
          refresh: uint(refresh, MAX_TTL, 'refresh'),
          retry: uint(retry, MAX_TTL, 'retry'),
          expire: uint(expire, MAX_TTL, 'expire'),
          minimum: uint(minimum, MAX_TTL, 'minimum'),
        },
      };
    }
  }
}

/** Labels of the SOA mailbox: `hostmaster@example.com` puts the whole local part in one label (RFC 1035 §8). */
export function mailboxLabels(rname: string): string[] {
  const at = rname.indexOf('@');
  if (at < 0) return normalizeName(rname).split('.');
  const local = rname.slice(0, at);
  if (local.length === 0 || local.length > 63 || /[\s@]/.test(local)) throw new ZoneDataError('not a valid mailbox');
  return [local.toLowerCase(), ...normalizeName(rname.slice(at + 1)).split('.')];
}

/** The SOA of a snapshot as typed RDATA. */
export function soaRdata(zone: ZoneSnapshot): Extract<Rdata, { type: 'SOA' }> {
  const s = zone.soa;
  return {
    type: 'SOA',
    data: {
      mname: normalizeName(s.mname),
      rname: mailboxLabels(s.rname).map((l) => l.replace(/\./g, '\\.')).join('.'),
      serial: zone.serial >>> 0,
      refresh: s.refresh,
      retry: s.retry,
      expire: s.expire,
      minimum: s.minimum,
    },
  };
}

/** One rrset as dns-packet answers (handy for clients, tests and tools built on dns-packet). */
export function toAnswers(rrset: RrsetSnapshot): dnsPacket.Answer[] {
  return rrset.records.map((content) => {
    const rdata = parseRecord(rrset.type, content);
    return { name: rrset.name, type: rdata.type, class: 'IN', ttl: rrset.ttl, data: rdata.data } as dnsPacket.Answer;
  });
}

/** One character-string in presentation format: quoted, with `"`, `\` and non-printable bytes escaped. */
export function quoteString(bytes: Buffer): string {
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b < 0x20 || b > 0x7e) out += `\\${String(b).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

/** Typed RDATA back to canonical presentation format (names absolute, with the trailing dot). */
export function formatRecord(rdata: Rdata): string {
  const abs = (name: string) => `${name}.`;
  switch (rdata.type) {
    case 'A':
    case 'AAAA':
      return rdata.data;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return abs(rdata.data);
    case 'MX':
      return `${rdata.data.preference} ${abs(rdata.data.exchange)}`;
    case 'SRV':
      return `${rdata.data.priority} ${rdata.data.weight} ${rdata.data.port} ${rdata.data.target ? abs(rdata.data.target) : '.'}`;
    case 'TXT':
      return rdata.data.map(quoteString).join(' ');
    case 'CAA':
      return `${rdata.data.flags} ${rdata.data.tag} ${quoteString(Buffer.from(rdata.data.value, 'utf8'))}`;
    case 'SOA': {
      const d = rdata.data;
      return `${abs(d.mname)} ${abs(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    }
  }
}
