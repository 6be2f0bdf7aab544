/**
 * What PowerDNS should hold for a zone snapshot, and the rrset changes that get it there.
 *
 * Both sides are compared in one canonical presentation form (our parser and formatter), so a
 * value PowerDNS writes differently (`2001:DB8:0::1`, one 300-byte TXT string instead of two
 * character-strings) is not mistaken for drift.
 */
import { formatRecord, isInZone, normalizeName, parseRecord, RECORD_TYPES, soaRdata, type RecordType, type ZoneSnapshot } from '../zone.ts';
import { absolute, type PdnsRrset, type RrsetChange } from './powerdns.client.ts';

export interface DesiredZone {
  /** Absolute apex, with the trailing dot. */
  name: string;
  /** SOA, apex NS, then every other rrset; names absolute with the trailing dot. */
  rrsets: PdnsRrset[];
  /** Record values left out because they cannot be served (as the built-in server leaves them out). */
  problems: number;
}

const key = (name: string, type: string) => `${name.toLowerCase().replace(/\.$/, '')}/${type.toUpperCase()}`;

/** One record value in canonical form; values we cannot parse are kept as written. */
function canonical(type: string, content: string): string {
  if (!(RECORD_TYPES as readonly string[]).includes(type)) return content.trim();
  try {
    return formatRecord(parseRecord(type as RecordType, content));
  } catch {
    return content.trim();
  }
}

/** The rrsets PowerDNS should hold for `snapshot`. */
export function desiredZone(snapshot: ZoneSnapshot): DesiredZone {
  const apex = normalizeName(snapshot.name);
  const out = new Map<string, PdnsRrset>();
  let problems = 0;
  out.set(key(apex, 'SOA'), { name: absolute(apex), type: 'SOA', ttl: snapshot.soa.ttl, records: [{ content: formatRecord(soaRdata(snapshot)), disabled: false }] });
  out.set(key(apex, 'NS'), {
    name: absolute(apex),
    type: 'NS',
    ttl: snapshot.nameserverTtl ?? snapshot.soa.ttl,
    records: snapshot.nameservers.map((ns) => ({ content: formatRecord(parseRecord('NS', ns)), disabled: false })),
  });
  for (const rrset of snapshot.rrsets) {
    let name: string;
    try {
      name = normalizeName(rrset.name, { allowWildcard: true });
    } catch {
      problems += rrset.records.length;
      continue;
    }
    if (!isInZone(name, apex)) {
      problems += rrset.records.length;
      continue;
    }
    // The apex NS rrset is the platform's (ZoneSnapshot.nameservers).
    if (rrset.type === 'NS' && name === apex) continue;
    const k = key(name, rrset.type);
    const target = out.get(k) ?? { name: absolute(name), type: rrset.type, ttl: rrset.ttl, records: [] };
    for (const content of rrset.records) {
      let text: string;
      try {
        text = formatRecord(parseRecord(rrset.type, content));
      } catch {
        problems++;
        continue;
      }
      if (!target.records.some((r) => r.content === text)) target.records.push({ content: text, disabled: false });
    }
    if (target.records.length) out.set(k, target);
  }
  return { name: absolute(apex), rrsets: [...out.values()], problems };
}

/** Canonical, order-free text of an rrset: equal texts serve equal answers. */
function fingerprint(rrset: PdnsRrset): string {
  const values = rrset.records.map((r) => `${r.disabled ? '!' : ''}${canonical(rrset.type.toUpperCase(), r.content)}`).sort();
  return `${rrset.ttl} ${values.join('\n')}`;
}

/**
 * The `PATCH` changes that turn `current` (what PowerDNS holds) into `desired`: a DELETE for every
 * rrset we do not have, a REPLACE for every rrset that is missing or differs. DELETEs come first:
 * PowerDNS checks each change against the zone as it stands, so replacing an A rrset by a CNAME
 * at the same name only passes once the A is gone.
 */
export function planChanges(current: PdnsRrset[], desired: PdnsRrset[]): RrsetChange[] {
  const have = new Map(current.map((r) => [key(r.name, r.type), r]));
  const want = new Map(desired.map((r) => [key(r.name, r.type), r]));
  const deletes: RrsetChange[] = [];
  const replaces: RrsetChange[] = [];
  for (const [k, r] of have) if (!want.has(k)) deletes.push({ name: r.name, type: r.type, changetype: 'DELETE' });
  for (const [k, r] of want) {
    const old = have.get(k);
    if (!old || fingerprint(old) !== fingerprint(r)) replaces.push({ name: r.name, type: r.type, changetype: 'REPLACE', ttl: r.ttl, records: r.records });
  }
  return [...deletes, ...replaces];
}
