/**
 * The DNS engine: turns one query message into its response, transport-independent and
 * synchronous, so it runs the same in one process (tests, the embedded platform) and in every
 * worker process of the listeners.
 *
 * Two paths. The slow path validates the whole message with dns-packet, resolves the question
 * against the zone index and writes the response with name compression. Its result for an
 * ordinary query is kept in a response cache keyed by the lower-cased question name, type and the
 * few request properties that change the bytes of an answer (EDNS present, DO bit, the size limit,
 * UDP or TCP). The fast path recognises such a query with a bounds-checked scan of the header and
 * question, and copies the cached response with the query's id, RD and CD bits and question name
 * (its 0x20 case, draft-vixie-dnsext-dns0x20) patched in. Measured (bench/README.md, bench:dns):
 * without the cache the server did ~61k queries/s against PowerDNS's ~74k; with it, on a par.
 *
 * Cached answers are invalidated per zone: a replaced zone is marked retired and every entry built
 * from it is dropped on its next hit; adding or removing a zone (which can change which zone
 * answers a name) empties the cache.
 */
import dnsPacket from 'dns-packet';
import type { ZoneSnapshot } from '../zone.ts';
import { resolve, type Resolution, type SectionEntry } from './resolver.ts';
import {
  BADVERS,
  CLASS_IN,
  FLAG_AA,
  FLAG_CD,
  FLAG_QR,
  FLAG_RD,
  FLAG_TC,
  MessageWriter,
  OPCODE_QUERY,
  RCODE,
  readQuestion,
  suffixKeys,
  TYPE,
  type WireQuestion,
} from './wire.ts';
import { compileZone, ZoneTable, type CompiledZone } from './zone-index.ts';

export type Transport = 'udp' | 'tcp';

export interface DnsEngineOptions {
  /**
   * Largest UDP response we send and the size we advertise in OPT. 1232 avoids IP fragmentation
   * on any path (DNS Flag Day 2020; PowerDNS's default too).
   */
  udpPayloadSize?: number;
  /** Client addresses allowed to transfer zones (AXFR/IXFR over TCP); everyone else is refused. */
  allowTransfer?: readonly string[];
  /** Most cached responses per process (0 turns the cache off). */
  cacheEntries?: number;
  /** Most bytes of cached responses per process. */
  cacheBytes?: number;
}

export interface UpsertResult {
  /** Serial of the version replaced; undefined for a new zone. */
  previousSerial: number | undefined;
  serial: number;
  /** Records left out of the zone, with the reason. */
  problems: string[];
}

interface CacheEntry {
  response: Buffer;
  zones: CompiledZone[];
  generation: number;
}

interface Edns {
  size: number;
  version: number;
  dnssecOk: boolean;
}

/** A query the fast path understood: enough to look up and patch a cached response. */
interface FastKey {
  name: string;
  variant: number;
  nameEnd: number;
}

/** Larger responses (only possible over TCP) are not cached: rare, and they would crowd out the rest. */
const CACHE_MAX_RESPONSE = 4096;

/** Largest message of a zone transfer (RFC 5936 §2.2 lets us pack many RRs per message). */
const TRANSFER_MESSAGE_BYTES = 16_384;

export class DnsEngine {
  readonly zones = new ZoneTable();
  readonly stats = { queries: 0, cacheHits: 0, dropped: 0 };
  private readonly udpPayloadSize: number;
  private readonly allowTransfer: Set<string>;
  private readonly cacheLimit: number;
  private readonly cacheByteLimit: number;
  private cache = new Map<string, Map<number, CacheEntry>>();
  private cacheSize = 0;
  private cacheBytes = 0;
  private readonly writer = new MessageWriter();

  constructor(options: DnsEngineOptions = {}) {
    this.udpPayloadSize = Math.max(512, Math.min(options.udpPayloadSize ?? 1232, 4096));
    this.allowTransfer = new Set((options.allowTransfer ?? []).map(plainAddress));
    this.cacheLimit = options.cacheEntries ?? 50_000;
    this.cacheByteLimit = options.cacheBytes ?? 32 * 1024 * 1024;
  }

  /** Responses currently cached (and their bytes). */
  get cached(): { entries: number; bytes: number } {
    return { entries: this.cacheSize, bytes: this.cacheBytes };
  }

  /** Installs or replaces a zone; queries see the new version from the next message on. */
  upsertZone(snapshot: ZoneSnapshot): UpsertResult {
    const { zone, problems } = compileZone(snapshot);
    const previous = this.zones.upsert(zone);
    if (!previous) this.clearCache();
    return { previousSerial: previous?.serial, serial: zone.serial, problems };
  }

  removeZone(name: string): boolean {
    const removed = this.zones.remove(name.toLowerCase().replace(/\.$/, ''));
    if (removed) this.clearCache();
    return removed;
  }

  private clearCache(): void {
    this.cache = new Map();
    this.cacheSize = 0;
    this.cacheBytes = 0;
  }

  /**
   * The response to one message: a Buffer, several for a zone transfer over TCP, or null when the
   * message gets no answer (a response, or too short to carry an id).
   */
  handle(msg: Buffer, transport: Transport, remoteAddress = ''): Buffer | Buffer[] | null {
    this.stats.queries++;
    // Never answer a response (QR=1): that is how reflection loops between servers start.
    if (msg.length < 12 || msg[2]! & 0x80) {
      this.stats.dropped++;
      return null;
    }
    const tcp = transport === 'tcp';
    const key = this.cacheLimit > 0 ? this.fastKey(msg, tcp) : null;
    if (key) {
      const hit = this.fromCache(msg, key);
      if (hit) return hit;
    }
    return this.slow(msg, tcp, remoteAddress, key);
  }

  /**
   * Recognises an ordinary query (QUERY opcode, one IN question with a 7-bit name and a plain
   * type, nothing but an optional well-formed EDNS(0) OPT) without decoding it. Anything else goes
   * to the slow path, which answers every case.
   */
  private fastKey(msg: Buffer, tcp: boolean): FastKey | null {
    const len = msg.length;
    // opcode QUERY; QDCOUNT 1; ANCOUNT, NSCOUNT 0; ARCOUNT 0 or 1
    if ((msg[2]! & 0x78) !== 0 || msg[4] !== 0 || msg[5] !== 1 || msg[6] !== 0 || msg[7] !== 0 || msg[8] !== 0 || msg[9] !== 0 || msg[10] !== 0) return null;
    const ar = msg[11]!;
    if (ar > 1) return null;
    let p = 12;
    for (;;) {
      if (p >= len) return null;
      const l = msg[p]!;
      if (l === 0) break;
      if (l > 63) return null;
      const end = p + 1 + l;
      if (end > len || end - 12 > 254) return null;
      for (let i = p + 1; i < end; i++) if (msg[i]! >= 0x80) return null;
      p = end;
    }
    const nameEnd = p + 1;
    const end = nameEnd + 4;
    if (end > len) return null;
    const qtype = (msg[nameEnd]! << 8) | msg[nameEnd + 1]!;
    if (msg[nameEnd + 2] !== 0 || msg[nameEnd + 3] !== CLASS_IN) return null;
    if (qtype === TYPE.OPT || (qtype >= TYPE.TKEY && qtype <= TYPE.AXFR)) return null;
    let limit = 0;
    let flags = 0;
    if (ar === 0) {
      if (end !== len) return null;
    } else {
      // OPT: root owner, type 41, size, ext-rcode, version 0, flags, RDLEN, options to the end.
      if (end + 11 > len || msg[end] !== 0 || msg[end + 1] !== 0 || msg[end + 2] !== TYPE.OPT || msg[end + 6] !== 0) return null;
      const rdEnd = end + 11 + ((msg[end + 9]! << 8) | msg[end + 10]!);
      if (rdEnd !== len) return null;
      for (let o = end + 11; o < rdEnd; ) {
        if (o + 4 > rdEnd) return null;
        o += 4 + ((msg[o + 2]! << 8) | msg[o + 3]!);
        if (o > rdEnd) return null;
      }
      const size = (msg[end + 3]! << 8) | msg[end + 4]!;
      limit = tcp ? 0 : Math.min(Math.max(size, 512), this.udpPayloadSize);
      flags = 2 | (msg[end + 7]! & 0x80 ? 4 : 0);
    }
    // The lower-cased wire bytes identify the name exactly (all 7-bit), length bytes included.
    return { name: msg.toString('latin1', 12, nameEnd).toLowerCase(), variant: qtype * 65536 + ((limit << 3) | flags | (tcp ? 1 : 0)), nameEnd };
  }

  private fromCache(msg: Buffer, key: FastKey): Buffer | null {
    const entry = this.cache.get(key.name)?.get(key.variant);
    if (!entry) return null;
    if (entry.generation !== this.zones.generation || entry.zones.some((z) => z.retired)) {
      this.cache.get(key.name)!.delete(key.variant);
      this.cacheSize--;
      this.cacheBytes -= entry.response.length;
      return null;
    }
    this.stats.cacheHits++;
    const t = entry.response;
    const out = Buffer.allocUnsafe(t.length);
    t.copy(out);
    out[0] = msg[0]!;
    out[1] = msg[1]!;
    out[2] = (t[2]! & 0xfe) | (msg[2]! & 0x01);
    out[3] = (t[3]! & 0xef) | (msg[3]! & 0x10);
    msg.copy(out, 12, 12, key.nameEnd);
    return out;
  }

  /**
   * Full cache: start over rather than track recency. A flood of random names (each answered
   * NXDOMAIN once) then costs slow-path lookups, never unbounded memory.
   */
  private remember(key: FastKey, response: Buffer, zones: CompiledZone[]): void {
    if (response.length > CACHE_MAX_RESPONSE) return;
    if (this.cacheSize >= this.cacheLimit || this.cacheBytes + response.length > this.cacheByteLimit) this.clearCache();
    let byType = this.cache.get(key.name);
    if (!byType) {
      byType = new Map();
      this.cache.set(key.name, byType);
    }
    const previous = byType.get(key.variant);
    if (previous) this.cacheBytes -= previous.response.length;
    else this.cacheSize++;
    this.cacheBytes += response.length;
    byType.set(key.variant, { response, zones, generation: this.zones.generation });
  }

  private slow(msg: Buffer, tcp: boolean, remoteAddress: string, key: FastKey | null): Buffer | Buffer[] | null {
    const id = msg.readUInt16BE(0);
    const queryFlags = msg.readUInt16BE(2);
    const opcode = (queryFlags >> 11) & 0xf;
    const base = FLAG_QR | (opcode << 11) | (queryFlags & (FLAG_RD | FLAG_CD));

    // Section counts the message cannot hold (a question takes at least 5 bytes, a record 11) are
    // refused before decoding: dns-packet would allocate arrays of up to 65535 slots for them.
    const counts = [4, 6, 8, 10].map((at) => msg.readUInt16BE(at));
    if (counts[0]! * 5 + (counts[1]! + counts[2]! + counts[3]!) * 11 > msg.length - 12) return this.bare(id, base | RCODE.FORMERR, null, null, null);
    let decoded: dnsPacket.Packet;
    try {
      decoded = dnsPacket.decode(msg);
    } catch {
      // Not even its sections parse: a bare header, never larger than what came in.
      return this.bare(id, base | RCODE.FORMERR, null, null, null);
    }
    const opts = (decoded.additionals ?? []).filter((a) => a.type === 'OPT') as dnsPacket.OptAnswer[];
    let edns: Edns | null = null;
    // RFC 6891 §6.1.1: more than one OPT, or an OPT not owned by the root, is a format error.
    if (opts.length > 1 || (opts[0] && opts[0].name !== '.')) return this.bare(id, base | RCODE.FORMERR, null, null, null);
    if (opts[0]) {
      const o = opts[0] as dnsPacket.OptAnswer & { ednsVersion?: number; flags?: number };
      edns = { size: Math.max(512, o.udpPayloadSize ?? 512), version: o.ednsVersion ?? 0, dnssecOk: ((o.flags ?? 0) & 0x8000) !== 0 };
    }
    const qdcount = msg.readUInt16BE(4);
    const q = qdcount === 1 ? readQuestion(msg) : null;
    if (opcode !== OPCODE_QUERY) return this.bare(id, base | RCODE.NOTIMP, q, msg, edns);
    // RFC 9619: a query carries exactly one question. Records in its other sections are ignored.
    if (!q) return this.bare(id, base | RCODE.FORMERR, q, msg, edns);
    if (edns && edns.version > 0) return this.bare(id, base, q, msg, edns, BADVERS >> 4);
    if (q.qclass !== CLASS_IN) return this.bare(id, base | RCODE.NOTIMP, q, msg, edns);
    switch (q.qtype) {
      case TYPE.AXFR:
      case TYPE.IXFR:
        // Zone transfers only over TCP (RFC 5936 §4.2) and only to the secondaries we know.
        if (!tcp) return this.bare(id, base | RCODE.NOTIMP, q, msg, edns);
        return this.transfer(msg, q, edns, id, base, remoteAddress);
      case TYPE.OPT:
      case TYPE.TSIG:
      case TYPE.TKEY:
        // Meta-types that only exist in the additional section (RFC 6891 §6.1.1, RFC 8945 §5.1).
        return this.bare(id, base | RCODE.FORMERR, q, msg, edns);
    }

    const res = resolve(this.zones, suffixKeys(q.labels), q.qtype);
    const limit = tcp ? 65_535 : edns ? Math.min(edns.size, this.udpPayloadSize) : 512;
    const response = this.write(msg, q, res, id, base, edns, limit);
    if (key) this.remember(key, response, res.zones);
    return response;
  }

  /** Header, the question when there is one, and OPT when the query had one: for errors. */
  private bare(id: number, flags: number, q: WireQuestion | null, msg: Buffer | null, edns: Edns | null, extendedRcode = 0): Buffer {
    const w = this.writer;
    w.reset();
    w.pos = 12;
    if (q && msg) w.bytes(msg, 12, q.nameEnd + 4);
    if (edns) w.opt(this.udpPayloadSize, extendedRcode, edns.dnssecOk);
    w.header(id, flags, q ? 1 : 0, 0, 0, edns ? 1 : 0);
    return w.take();
  }

  private writeSet(entry: SectionEntry): number | null {
    const w = this.writer;
    const { rrset } = entry;
    for (const rdata of rrset.rdata) {
      // Keep the scratch buffer from overflowing on a huge rrset: it cannot be sent anyway.
      if (w.room < 70_000) return null;
      w.rr(entry.owner, rrset.type, rrset.ttl, rdata);
    }
    return rrset.rdata.length;
  }

  private write(msg: Buffer, q: WireQuestion, res: Resolution, id: number, base: number, edns: Edns | null, limit: number): Buffer {
    const w = this.writer;
    w.reset();
    w.pos = 12;
    w.bytes(msg, 12, q.nameEnd + 4);
    w.registerQuestion(q);
    const afterQuestion = w.mark();
    const reserve = edns ? 11 : 0;
    let an = 0;
    let ns = 0;
    let ar = 0;
    let tc = false;
    let fits = true;
    for (const e of res.answer) {
      const n = this.writeSet(e);
      if (n === null) fits = false;
      else an += n;
    }
    for (const e of res.authority) {
      const n = fits ? this.writeSet(e) : null;
      if (n === null) fits = false;
      else ns += n;
    }
    if (!fits || w.pos + reserve > limit) {
      // RFC 2181 §9: the required sections do not fit, so send none and set TC; TCP gets it all.
      w.rollback(afterQuestion);
      an = ns = 0;
      tc = true;
    } else {
      for (const e of res.additional) {
        const mark = w.mark();
        const n = this.writeSet(e);
        if (n === null || w.pos + reserve > limit) {
          // Additional data that does not fit is left out without TC, except in-domain glue.
          w.rollback(mark);
          if (res.glueRequired) tc = true;
          break;
        }
        ar += n;
      }
    }
    if (edns) {
      w.opt(this.udpPayloadSize, 0, edns.dnssecOk);
      ar++;
    }
    const flags = base | (res.aa ? FLAG_AA : 0) | (tc ? FLAG_TC : 0) | res.rcode;
    w.header(id, flags, 1, an, ns, ar);
    return w.take();
  }

  /** AXFR (and IXFR, answered with the whole zone as RFC 1995 §4 allows): SOA, every RR, SOA. */
  private transfer(msg: Buffer, q: WireQuestion, edns: Edns | null, id: number, base: number, remoteAddress: string): Buffer | Buffer[] {
    if (!this.allowTransfer.has(plainAddress(remoteAddress))) return this.bare(id, base | RCODE.REFUSED, q, msg, edns);
    const zone = this.zones.get(q.key);
    if (!zone) return this.bare(id, base | RCODE.NOTAUTH, q, msg, edns);
    const rrs: { owner: SectionEntry['owner']; type: number; ttl: number; rdata: SectionEntry['rrset']['rdata'][number] }[] = [];
    const push = (rrset: SectionEntry['rrset']) => {
      for (const rdata of rrset.rdata) rrs.push({ owner: rrset.owner, type: rrset.type, ttl: rrset.ttl, rdata });
    };
    push(zone.soa);
    for (const node of zone.nodes.values()) for (const rrset of node.rrsets.values()) if (rrset.type !== TYPE.SOA) push(rrset);
    push(zone.soa);

    const w = this.writer;
    const messages: Buffer[] = [];
    let i = 0;
    while (i < rrs.length) {
      w.reset();
      w.pos = 12;
      const first = messages.length === 0;
      // The question goes in the first message only (RFC 5936 §2.2.1).
      if (first) {
        w.bytes(msg, 12, q.nameEnd + 4);
        w.registerQuestion(q);
      }
      let count = 0;
      while (i < rrs.length) {
        const mark = w.mark();
        const rr = rrs[i]!;
        w.rr(rr.owner, rr.type, rr.ttl, rr.rdata);
        if (w.pos > TRANSFER_MESSAGE_BYTES && count > 0) {
          w.rollback(mark);
          break;
        }
        count++;
        i++;
      }
      w.header(id, base | FLAG_AA, first ? 1 : 0, count, 0, 0);
      messages.push(w.take());
    }
    return messages;
  }
}

/** IPv4-mapped IPv6 addresses (dual-stack sockets) compare as their IPv4 form. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
