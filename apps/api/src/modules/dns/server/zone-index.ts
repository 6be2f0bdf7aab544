/**
 * The in-memory index the server answers from: one immutable `CompiledZone` per hosted zone,
 * built from a `ZoneSnapshot` and swapped in whole (`ZoneTable.upsert`), so a query never sees a
 * zone half updated. Names are looked up by their lower-case key in one Map per zone; finding the
 * zone of a name tries its suffixes, longest first: both are O(labels).
 */
import {
  isInZone,
  normalizeName,
  parseRecord,
  soaRdata,
  ZoneDataError,
  MAX_TTL,
  type Rdata,
  type RrsetType,
  type ZoneSnapshot,
} from '../zone.ts';
import { nameBytes, rdataCodec, TYPE, wireName, wireNameFromLabels, type RdataPart, type WireName } from './wire.ts';

export interface PreparedRrset {
  readonly owner: WireName;
  readonly type: number;
  readonly ttl: number;
  readonly rdata: readonly (readonly RdataPart[])[];
  /** Lower-case target names whose addresses go in the additional section (MX, SRV, NS). */
  readonly targets: readonly string[];
  /** For CNAME: the name to chase. */
  readonly cnameTarget?: WireName;
}

export interface ZoneNode {
  readonly name: WireName;
  readonly rrsets: ReadonlyMap<number, PreparedRrset>;
  /** A delegation point: NS below the apex (RFC 1034 §4.2.1). */
  readonly delegation: boolean;
  /** At or below a delegation point: only usable as glue. */
  readonly occluded: boolean;
}

export class CompiledZone {
  /** Set when a newer version of the zone replaced this one: cached answers built from it are stale. */
  retired = false;

  constructor(
    readonly name: string,
    readonly origin: WireName,
    readonly serial: number,
    readonly nodes: ReadonlyMap<string, ZoneNode>,
    readonly soa: PreparedRrset,
    /** The SOA with TTL min(SOA TTL, minimum) for negative answers (RFC 2308 §3, §5). */
    readonly negativeSoa: PreparedRrset,
    readonly recordCount: number,
  ) {}

  get apex(): ZoneNode {
    return this.nodes.get(this.name)!;
  }
}

const typeCode: Record<RrsetType | 'SOA', number> = {
  A: TYPE.A,
  AAAA: TYPE.AAAA,
  CNAME: TYPE.CNAME,
  MX: TYPE.MX,
  TXT: TYPE.TXT,
  SRV: TYPE.SRV,
  NS: TYPE.NS,
  CAA: TYPE.CAA,
  PTR: TYPE.PTR,
  SOA: TYPE.SOA,
};

function u16(v: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(v);
  return b;
}

/** RDATA on the wire: names that RFC 3597 §4 lets us compress stay WireNames, the rest is bytes. */
export function rdataParts(rdata: Rdata): RdataPart[] {
  switch (rdata.type) {
    case 'A':
      return [rdataCodec.a.encode(rdata.data).subarray(2)];
    case 'AAAA':
      return [rdataCodec.aaaa.encode(rdata.data).subarray(2)];
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return [wireName(rdata.data)];
    case 'MX':
      return [u16(rdata.data.preference), wireName(rdata.data.exchange)];
    case 'TXT':
      return [rdataCodec.txt.encode(rdata.data).subarray(2)];
    case 'SRV': {
      const fixed = Buffer.allocUnsafe(6);
      fixed.writeUInt16BE(rdata.data.priority, 0);
      fixed.writeUInt16BE(rdata.data.weight, 2);
      fixed.writeUInt16BE(rdata.data.port, 4);
      // RFC 2782: the target is never compressed.
      return [fixed, nameBytes(wireName(rdata.data.target))];
    }
    case 'CAA': {
      const tag = Buffer.from(rdata.data.tag, 'ascii');
      return [Buffer.concat([Buffer.from([rdata.data.flags, tag.length]), tag, Buffer.from(rdata.data.value, 'utf8')])];
    }
    case 'SOA': {
      const d = rdata.data;
      const fixed = Buffer.allocUnsafe(20);
      fixed.writeUInt32BE(d.serial >>> 0, 0);
      fixed.writeUInt32BE(d.refresh, 4);
      fixed.writeUInt32BE(d.retry, 8);
      fixed.writeUInt32BE(d.expire, 12);
      fixed.writeUInt32BE(d.minimum, 16);
      return [wireName(d.mname), wireNameFromLabels(splitEscaped(d.rname)), fixed];
    }
  }
}

function splitEscaped(name: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '\\' && i + 1 < name.length) cur += name[++i];
    else if (c === '.') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function ttlOf(ttl: number): number {
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) throw new ZoneDataError(`TTL ${ttl} is out of range`);
  return ttl;
}

/** Wire-ready rrset from typed RDATA, duplicates removed (an rrset is a set, RFC 2181 §5). */
function prepare(owner: WireName, type: number, ttl: number, rdatas: Rdata[]): PreparedRrset {
  const seen = new Set<string>();
  const rdata: RdataPart[][] = [];
  const targets: string[] = [];
  let cnameTarget: WireName | undefined;
  for (const r of rdatas) {
    const parts = rdataParts(r);
    const key = parts.map((p) => (Buffer.isBuffer(p) ? p.toString('hex') : `/${p.key}/`)).join('');
    if (seen.has(key)) continue;
    seen.add(key);
    rdata.push(parts);
    if (r.type === 'MX') targets.push(r.data.exchange);
    else if (r.type === 'SRV' && r.data.target) targets.push(r.data.target);
    else if (r.type === 'NS') targets.push(r.data);
    else if (r.type === 'CNAME') cnameTarget = parts[0] as WireName;
  }
  return { owner, type, ttl, rdata, targets, cnameTarget };
}

export interface CompileResult {
  zone: CompiledZone;
  /** Records left out, with the reason; the rest of the zone is served. */
  problems: string[];
}

/**
 * Builds the immutable index of one zone. Bad records are left out and reported rather than
 * refusing the whole zone, so one bad value never takes a customer's zone off the air.
 */
export function compileZone(snapshot: ZoneSnapshot): CompileResult {
  const problems: string[] = [];
  const apex = normalizeName(snapshot.name);
  const origin = wireName(apex);
  const soaTtl = ttlOf(snapshot.soa.ttl);
  const soaData = soaRdata(snapshot);
  const soa = prepare(origin, TYPE.SOA, soaTtl, [soaData]);
  const negativeSoa = { ...soa, ttl: Math.min(soaTtl, snapshot.soa.minimum) };

  interface Building {
    name: WireName;
    rrsets: Map<number, PreparedRrset>;
  }
  const building = new Map<string, Building>();
  const node = (key: string): Building => {
    let n = building.get(key);
    if (!n) {
      n = { name: wireName(key), rrsets: new Map() };
      building.set(key, n);
    }
    return n;
  };
  node(apex).rrsets.set(TYPE.SOA, soa);
  const ns: Rdata[] = [];
  for (const host of snapshot.nameservers) {
    try {
      ns.push(parseRecord('NS', host));
    } catch (err) {
      problems.push(`apex NS ${JSON.stringify(host)}: ${(err as Error).message}`);
    }
  }
  if (ns.length) node(apex).rrsets.set(TYPE.NS, prepare(origin, TYPE.NS, ttlOf(snapshot.nameserverTtl ?? soaTtl), ns));
  else problems.push('the zone has no nameservers');

  let recordCount = 1 + ns.length;
  for (const rrset of snapshot.rrsets) {
    const what = `${rrset.type} ${rrset.name}`;
    try {
      const name = normalizeName(rrset.name, { allowWildcard: true });
      if (!isInZone(name, apex)) throw new ZoneDataError('is outside the zone');
      const type = typeCode[rrset.type];
      if (type === undefined || type === TYPE.SOA) throw new ZoneDataError('is not a supported type here');
      if (name === apex && (type === TYPE.NS || type === TYPE.CNAME)) throw new ZoneDataError('is not allowed at the apex');
      if (type === TYPE.NS && name.startsWith('*.')) throw new ZoneDataError('wildcard delegations are not served');
      const rdatas: Rdata[] = [];
      for (const content of rrset.records) {
        try {
          rdatas.push(parseRecord(rrset.type, content));
        } catch (err) {
          problems.push(`${what} ${JSON.stringify(content)}: ${(err as Error).message}`);
        }
      }
      if (rdatas.length === 0) continue;
      if (type === TYPE.CNAME && rdatas.length > 1) {
        problems.push(`${what}: a CNAME rrset holds one record; the first is served`);
        rdatas.length = 1;
      }
      const n = node(name);
      const existing = n.rrsets.get(type);
      // Two entries for one name and type merge into one rrset with the lower TTL (RFC 2181 §5.2).
      const prepared = prepare(n.name, type, ttlOf(rrset.ttl), rdatas);
      n.rrsets.set(type, existing ? mergeRrsets(existing, prepared) : prepared);
      recordCount += prepared.rdata.length;
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  }

  // A CNAME owns its name alone (RFC 1034 §3.6.2, RFC 2181 §10.1): other data there is left out.
  for (const [key, n] of building) {
    if (n.rrsets.has(TYPE.CNAME) && n.rrsets.size > 1) {
      problems.push(`CNAME ${key}: other records at the same name are not served`);
      for (const t of [...n.rrsets.keys()]) if (t !== TYPE.CNAME) n.rrsets.delete(t);
    }
  }

  // Delegation points and what they occlude; empty non-terminals for every ancestor (RFC 4592 §2.2.2).
  const cuts = new Set([...building.entries()].filter(([key, n]) => key !== apex && n.rrsets.has(TYPE.NS)).map(([key]) => key));
  for (const key of [...building.keys()]) {
    let k = key;
    while (k !== apex) {
      k = k.slice(k.indexOf('.') + 1);
      if (!building.has(k)) node(k);
    }
  }
  const nodes = new Map<string, ZoneNode>();
  for (const [key, n] of building) {
    const delegation = cuts.has(key);
    let occluded = delegation;
    for (let k = key; !occluded && k !== apex; ) {
      k = k.slice(k.indexOf('.') + 1);
      occluded = cuts.has(k);
    }
    nodes.set(key, { name: n.name, rrsets: n.rrsets, delegation, occluded });
  }
  return { zone: new CompiledZone(apex, origin, snapshot.serial >>> 0, nodes, soa, negativeSoa, recordCount), problems };
}

function mergeRrsets(a: PreparedRrset, b: PreparedRrset): PreparedRrset {
  const seen = new Set(a.rdata.map(partsKey));
  const rdata = [...a.rdata, ...b.rdata.filter((r) => !seen.has(partsKey(r)))];
  return { ...a, ttl: Math.min(a.ttl, b.ttl), rdata, targets: [...new Set([...a.targets, ...b.targets])] };
}

function partsKey(parts: readonly RdataPart[]): string {
  return parts.map((p) => (Buffer.isBuffer(p) ? p.toString('hex') : `/${p.key}/`)).join('');
}

/** All hosted zones, keyed by apex; finds the zone of a name by its longest hosted suffix. */
export class ZoneTable {
  private zones = new Map<string, CompiledZone>();
  /** Bumped when the set of zones changes (added or removed): every cached answer may be stale. */
  generation = 0;

  get size(): number {
    return this.zones.size;
  }

  get(name: string): CompiledZone | undefined {
    return this.zones.get(name);
  }

  names(): string[] {
    return [...this.zones.keys()];
  }

  /** Installs a compiled zone; returns the version it replaced. */
  upsert(zone: CompiledZone): CompiledZone | undefined {
    const previous = this.zones.get(zone.name);
    this.zones.set(zone.name, zone);
    if (previous) previous.retired = true;
    else this.generation++;
    return previous;
  }

  remove(name: string): boolean {
    const previous = this.zones.get(name);
    if (!previous) return false;
    this.zones.delete(name);
    previous.retired = true;
    this.generation++;
    return true;
  }

  /** The zone holding `suffixes[0]`, given the name's suffix keys from most to least specific. */
  find(suffixes: readonly string[]): { zone: CompiledZone; depth: number } | undefined {
    for (let i = 0; i < suffixes.length; i++) {
      const zone = this.zones.get(suffixes[i]!);
      if (zone) return { zone, depth: i };
    }
    return undefined;
  }
}
