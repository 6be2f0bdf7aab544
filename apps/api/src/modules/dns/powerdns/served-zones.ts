import type { Database } from '../../../db/database.ts';
import { dnsRepository } from '../dns.repository.ts';
import { DomainsService } from '../domains.service.ts';
import type { ZoneSnapshot } from '../zone.ts';

/** Every zone the servers answer for, as snapshots: what a PowerDNS resync compares against. */
export async function servedZones(database: Database, domains: DomainsService): Promise<ZoneSnapshot[]> {
  const out: ZoneSnapshot[] = [];
  for (const row of await dnsRepository.servingState(database.db)) {
    if (!DomainsService.served(row)) continue;
    const snapshot = await domains.snapshot(row.id);
    if (snapshot) out.push(snapshot);
  }
  return out;
}
