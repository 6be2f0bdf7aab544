/**
 * Authoritative lookup (RFC 1034 §4.3.2, without recursion): which RRsets go in which section
 * for one question. Knows nothing of the wire; the engine writes the result.
 */
import { RCODE, TYPE, type WireName } from './wire.ts';
import type { CompiledZone, PreparedRrset, ZoneNode, ZoneTable } from './zone-index.ts';

export interface SectionEntry {
  /** Owner on the wire; null writes a pointer to the question name (wildcard answers keep the asker's case). */
  owner: WireName | null;
  rrset: PreparedRrset;
}

export interface Resolution {
  rcode: number;
  aa: boolean;
  answer: SectionEntry[];
  authority: SectionEntry[];
  additional: SectionEntry[];
  /** In-domain glue of a referral must fit, else the answer is truncated (RFC 9471 §3). */
  glueRequired: boolean;
  /** Zones the answer was read from: a cached answer is stale once any of them is replaced. */
  zones: CompiledZone[];
}

/** Most CNAMEs followed for one answer (as PowerDNS); a longer chain is treated like a loop. */
export const MAX_CNAME_CHAIN = 10;

/** RFC 8482 §4.1: ANY is answered with one RRset; this is the order of preference. */
const ANY_PREFERENCE = [TYPE.CNAME, TYPE.A, TYPE.AAAA, TYPE.MX, TYPE.TXT, TYPE.SRV, TYPE.CAA, TYPE.PTR, TYPE.NS, TYPE.SOA];

function withRoot(suffixes: readonly string[]): readonly string[] {
  return [...suffixes, ''];
}

export function resolve(table: ZoneTable, suffixes: readonly string[], qtype: number): Resolution {
  const res: Resolution = { rcode: RCODE.NOERROR, aa: false, answer: [], authority: [], additional: [], glueRequired: false, zones: [] };
  let names = suffixes;
  // null: the question name itself.
  let owner: WireName | null = null;
  const seen = new Set<string>();
  for (let hop = 0; ; hop++) {
    const found = table.find(names);
    if (!found) {
      // The first name outside our zones is refused; a CNAME chain leaving them simply ends (the
      // resolver follows the rest).
      if (hop === 0) res.rcode = RCODE.REFUSED;
      return res;
    }
    const { zone, depth } = found;
    if (!res.zones.includes(zone)) res.zones.push(zone);

    // Walk down from the apex: a delegation on the way turns the answer into a referral, and the
    // deepest existing name is the closest encloser for wildcards (RFC 4592 §3.3.1).
    let encloser: ZoneNode = zone.apex;
    let node: ZoneNode | undefined = depth === 0 ? encloser : undefined;
    for (let i = depth - 1; i >= 0; i--) {
      const n = zone.nodes.get(names[i]!);
      if (!n) break;
      // The parent side answers DS at a cut (RFC 4035 §3.1.4.1); we hold none, so that is NODATA.
      if (n.delegation && !(i === 0 && qtype === TYPE.DS)) {
        referral(res, zone, n);
        return res;
      }
      encloser = n;
      if (i === 0) node = n;
    }
    if (hop === 0) res.aa = true;

    let synthesizedOwner: WireName | null | undefined;
    if (!node) {
      const wildcard = zone.nodes.get(encloser === zone.apex ? `*.${zone.name}` : `*.${encloser.name.key}`);
      if (!wildcard || wildcard.occluded) {
        res.rcode = RCODE.NXDOMAIN; // RFC 6604: the rcode of the last name in a chain
        res.authority.push({ owner: zone.origin, rrset: zone.negativeSoa });
        return res;
      }
      node = wildcard;
      synthesizedOwner = owner;
    }
    const ownerOf = (rrset: PreparedRrset): WireName | null => (synthesizedOwner !== undefined ? synthesizedOwner : rrset.owner);

    if (qtype === TYPE.ANY) {
      const one = ANY_PREFERENCE.map((t) => node.rrsets.get(t)).find((r) => r !== undefined);
      if (!one) return nodata(res, zone);
      res.answer.push({ owner: ownerOf(one), rrset: one });
      additional(res, zone, one);
      return res;
    }
    const cname = node.rrsets.get(TYPE.CNAME);
    if (cname && qtype !== TYPE.CNAME) {
      res.answer.push({ owner: ownerOf(cname), rrset: cname });
      const target = cname.cnameTarget!;
      seen.add(names[0]!);
      if (seen.has(target.key) || hop >= MAX_CNAME_CHAIN) {
        // RFC 1034 §3.6.2: "CNAME loops [are] signalled as an error".
        res.rcode = RCODE.SERVFAIL;
        res.answer.length = 0;
        res.additional.length = 0;
        return res;
      }
      names = withRoot(target.suffixes);
      owner = target;
      continue;
    }
    const rrset = node.rrsets.get(qtype);
    if (!rrset) return nodata(res, zone);
    res.answer.push({ owner: ownerOf(rrset), rrset });
    additional(res, zone, rrset);
    return res;
  }
}

/** NOERROR with no answer: the SOA in the authority section (RFC 2308 §2.2). */
function nodata(res: Resolution, zone: CompiledZone): Resolution {
  res.authority.push({ owner: zone.origin, rrset: zone.negativeSoa });
  return res;
}

function addAddresses(res: Resolution, node: ZoneNode | undefined): boolean {
  if (!node) return false;
  let added = false;
  for (const t of [TYPE.A, TYPE.AAAA]) {
    const rr = node.rrsets.get(t);
    if (!rr) continue;
    const dup = [...res.answer, ...res.additional].some((e) => e.rrset === rr);
    if (!dup) res.additional.push({ owner: rr.owner, rrset: rr });
    added = true;
  }
  return added;
}

/** Addresses of MX, SRV and NS targets held in the same zone (RFC 1035 §3.3.9, RFC 2782). */
function additional(res: Resolution, zone: CompiledZone, rrset: PreparedRrset): void {
  for (const target of rrset.targets) {
    const n = zone.nodes.get(target);
    if (n && !n.occluded) addAddresses(res, n);
  }
}

/** A referral: the delegation's NS in authority, no AA, and glue (RFC 1034 §4.3.2 step 3b). */
function referral(res: Resolution, zone: CompiledZone, cut: ZoneNode): void {
  const ns = cut.rrsets.get(TYPE.NS)!;
  res.authority.push({ owner: ns.owner, rrset: ns });
  for (const target of ns.targets) {
    const inDomain = target === cut.name.key || target.endsWith(`.${cut.name.key}`);
    if (inDomain) {
      if (addAddresses(res, zone.nodes.get(target))) res.glueRequired = true;
    } else if (target === zone.name || target.endsWith(`.${zone.name}`)) {
      const n = zone.nodes.get(target);
      addAddresses(res, n);
    }
  }
}
