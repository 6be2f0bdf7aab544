/**
 * Wire-format pieces the server needs beyond dns-packet: names kept as label bytes with their
 * suffix keys (so responses can be written with name compression, RFC 1035 §4.1.4, which
 * dns-packet's encoder does not do), and a response writer that can roll back whole RRsets when
 * a size limit is reached (RFC 2181 §9: an RRset is never split).
 */

import dnsPacket from 'dns-packet';

/** dns-packet's per-type RDATA codecs (exported by the package, missing from its type definitions). */
interface RdataCodec<T> {
  encode(data: T, buf?: Buffer, offset?: number): Buffer;
  decode(buf: Buffer, offset?: number): T;
}
export const rdataCodec = dnsPacket as unknown as { a: RdataCodec<string>; aaaa: RdataCodec<string>; txt: RdataCodec<Buffer[]> };

export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  DS: 43,
  TKEY: 249,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const;

export const CLASS_IN = 1;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, NOTAUTH: 9 } as const;
/** Extended RCODE 16 (RFC 6891 §6.1.3): upper 8 bits go in the OPT record's TTL. */
export const BADVERS = 16;

export const OPCODE_QUERY = 0;
export const OPCODE_NOTIFY = 4;

export const FLAG_QR = 0x8000;
export const FLAG_AA = 0x0400;
export const FLAG_TC = 0x0200;
export const FLAG_RD = 0x0100;
export const FLAG_CD = 0x0010;

/** A domain name as label bytes plus the lower-case key of every suffix (for lookups and compression). */
export interface WireName {
  /** Lower-case presentation key without trailing dot ('' for the root); labels with dots or backslashes are escaped. */
  readonly key: string;
  readonly labels: readonly Buffer[];
  /** suffixes[i] = key of labels i..end. */
  readonly suffixes: readonly string[];
  /** Length on the wire, uncompressed. */
  readonly wireLength: number;
}

export function escapeLabel(label: string): string {
  return label.includes('.') || label.includes('\\') ? label.replace(/[.\\]/g, (c) => `\\${c}`) : label;
}

/** Builds a WireName from label strings (already lower-case for data names). */
export function wireNameFromLabels(labels: readonly string[]): WireName {
  const bufs = labels.map((l) => Buffer.from(l, 'latin1'));
  const escaped = labels.map(escapeLabel);
  const suffixes = escaped.map((_, i) => escaped.slice(i).join('.'));
  return { key: suffixes[0] ?? '', labels: bufs, suffixes, wireLength: bufs.reduce((n, b) => n + b.length + 1, 1) };
}

/** A WireName from a validated, lower-case, dotted name without trailing dot ('' = root). */
export function wireName(name: string): WireName {
  return wireNameFromLabels(name === '' ? [] : name.split('.'));
}

/** Uncompressed wire form of a name (for RDATA that must not be compressed, e.g. SRV targets, RFC 2782). */
export function nameBytes(name: WireName): Buffer {
  const out = Buffer.allocUnsafe(name.wireLength);
  let p = 0;
  for (const l of name.labels) {
    out[p++] = l.length;
    l.copy(out, p);
    p += l.length;
  }
  out[p] = 0;
  return out;
}

/** RDATA as a list of raw bytes and compressible names, written in order. */
export type RdataPart = Buffer | WireName;

/**
 * The question of a query as found on the wire: an uncompressed name at offset 12.
 * Labels are lower-cased (ASCII only, RFC 4343) and decoded byte for byte, so a key never
 * merges two different names.
 */
export interface WireQuestion {
  labels: string[];
  key: string;
  /** Offset just past the name's terminating zero byte. */
  nameEnd: number;
  qtype: number;
  qclass: number;
  /** True when every name byte is 7-bit: then the lower-cased wire bytes identify the name exactly. */
  ascii: boolean;
}

/** Reads the question name at offset 12. Returns null when it is malformed or compressed. */
export function readQuestion(buf: Buffer): WireQuestion | null {
  let p = 12;
  const labels: string[] = [];
  let ascii = true;
  let total = 1;
  for (;;) {
    if (p >= buf.length) return null;
    const len = buf[p]!;
    if (len === 0) {
      p++;
      break;
    }
    // Pointers or the reserved 0x40/0x80 label types have no place in a question at offset 12.
    if (len > 63) return null;
    total += len + 1;
    if (total > 255 || p + 1 + len > buf.length) return null;
    let label = '';
    for (let i = p + 1; i <= p + len; i++) {
      let c = buf[i]!;
      if (c >= 0x80) ascii = false;
      else if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      label += String.fromCharCode(c);
    }
    labels.push(label);
    p += len + 1;
  }
  if (p + 4 > buf.length) return null;
  return {
    labels,
    key: labels.map(escapeLabel).join('.'),
    nameEnd: p,
    qtype: buf.readUInt16BE(p),
    qclass: buf.readUInt16BE(p + 2),
    ascii,
  };
}

/**
 * Writes a DNS message into a scratch buffer with name compression. Positions past `limit` are
 * allowed while writing (the scratch is larger); callers check and roll back whole RRsets.
 */
export class MessageWriter {
  readonly buf: Buffer;
  pos = 0;
  private table = new Map<string, number>();
  private journal: string[] = [];

  constructor(size = 196_608) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): void {
    this.pos = 0;
    this.table.clear();
    this.journal.length = 0;
  }

  /** A point to roll back to. */
  mark(): number {
    return this.journal.length * 0x100000 + this.pos;
  }

  rollback(mark: number): void {
    const journalLength = Math.floor(mark / 0x100000);
    this.pos = mark % 0x100000;
    while (this.journal.length > journalLength) this.table.delete(this.journal.pop()!);
  }

  /** Room left in the scratch buffer before a write could overflow it. */
  get room(): number {
    return this.buf.length - this.pos;
  }

  u16(v: number): void {
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  bytes(b: Buffer, start = 0, end = b.length): void {
    b.copy(this.buf, this.pos, start, end);
    this.pos += end - start;
  }

  /** Registers the question name's suffixes (as read from the query) for compression. */
  registerQuestion(q: WireQuestion): void {
    let off = 12;
    let key = q.key;
    for (let i = 0; i < q.labels.length; i++) {
      if (!this.table.has(key)) this.table.set(key, off);
      off += q.labels[i]!.length + 1;
      const dot = nextUnescapedDot(key);
      key = dot < 0 ? '' : key.slice(dot + 1);
    }
  }

  name(n: WireName): void {
    const { labels, suffixes } = n;
    for (let i = 0; i < labels.length; i++) {
      const key = suffixes[i]!;
      const at = this.table.get(key);
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.pos < 0x3fff) {
        this.table.set(key, this.pos);
        this.journal.push(key);
      }
      const l = labels[i]!;
      this.buf[this.pos++] = l.length;
      l.copy(this.buf, this.pos);
      this.pos += l.length;
    }
    this.buf[this.pos++] = 0;
  }

  /** One resource record; `owner` null means "the question name" (a pointer to offset 12). */
  rr(owner: WireName | null, type: number, ttl: number, rdata: readonly RdataPart[]): void {
    if (owner === null) this.u16(0xc00c);
    else this.name(owner);
    this.u16(type);
    this.u16(CLASS_IN);
    this.u32(ttl);
    const lengthAt = this.pos;
    this.pos += 2;
    for (const part of rdata) {
      if (Buffer.isBuffer(part)) this.bytes(part);
      else this.name(part);
    }
    this.buf.writeUInt16BE(this.pos - lengthAt - 2, lengthAt);
  }

  /** The EDNS(0) OPT pseudo-record (RFC 6891 §6.1.2) with no options. */
  opt(udpPayloadSize: number, extendedRcode: number, dnssecOk: boolean): void {
    this.buf[this.pos++] = 0;
    this.u16(TYPE.OPT);
    this.u16(udpPayloadSize);
    this.buf[this.pos++] = extendedRcode;
    this.buf[this.pos++] = 0; // version 0
    this.u16(dnssecOk ? 0x8000 : 0);
    this.u16(0);
  }

  header(id: number, flags: number, qd: number, an: number, ns: number, ar: number): void {
    const b = this.buf;
    b.writeUInt16BE(id, 0);
    b.writeUInt16BE(flags, 2);
    b.writeUInt16BE(qd, 4);
    b.writeUInt16BE(an, 6);
    b.writeUInt16BE(ns, 8);
    b.writeUInt16BE(ar, 10);
  }

  /** A copy of what was written (the scratch buffer is reused by the next message). */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}

function nextUnescapedDot(key: string): number {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x2e) return i;
  }
  return -1;
}

/** Suffix keys of a question, most specific first: 'a.b.c', 'b.c', 'c', ''. */
export function suffixKeys(labels: readonly string[]): string[] {
  const escaped = labels.map(escapeLabel);
  const out: string[] = [];
  for (let i = 0; i <= escaped.length; i++) out.push(escaped.slice(i).join('.'));
  return out;
}
