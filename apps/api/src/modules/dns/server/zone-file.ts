/**
 * A zone snapshot as an RFC 1035 §5 master file: what a secondary or another server (PowerDNS's
 * bind backend in our differential test and benchmark) loads to serve the same data. Records the
 * server would leave out are left out here too.
 */
import { formatRecord, normalizeName, parseRecord, soaRdata, type ZoneSnapshot } from '../zone.ts';

export function zoneFile(snapshot: ZoneSnapshot): string {
  const apex = normalizeName(snapshot.name);
  const lines = [`$ORIGIN ${apex}.`];
  const soa = soaRdata(snapshot);
  lines.push(`${apex}. ${snapshot.soa.ttl} IN SOA ${formatRecord(soa)}`);
  for (const ns of snapshot.nameservers) {
    lines.push(`${apex}. ${snapshot.nameserverTtl ?? snapshot.soa.ttl} IN NS ${formatRecord(parseRecord('NS', ns))}`);
  }
  for (const rrset of snapshot.rrsets) {
    if (rrset.type === 'NS' && normalizeName(rrset.name, { allowWildcard: true }) === apex) continue;
    for (const content of rrset.records) {
      let text: string;
      try {
        text = formatRecord(parseRecord(rrset.type, content));
      } catch {
        continue;
      }
      lines.push(`${normalizeName(rrset.name, { allowWildcard: true })}. ${rrset.ttl} IN ${rrset.type} ${text}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
