import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Audit } from '../audit/audit.service.ts';
import { authorize } from '../teams/permissions.ts';
import { ipv4Allocations } from '../computes/computes.schema.ts';
import { computesRepository } from '../computes/computes.repository.ts';
import { formatIpv4, parseCidr } from '../computes/ipv4.ts';
import { reverseNameOf, reverseZonePayload, ZONE_CHANNEL } from './channel.ts';
import { platformZone } from './domains.service.ts';
import { normalizeName, ZoneDataError, type ZoneSnapshot } from './zone.ts';

/**
 * The `in-addr.arpa` zones of the platform's public address pool, one per /24 (RFC 1035 §3.5):
 * the pool's owner is the platform, so these zones are ours, not a team's. A block smaller than
 * a /24 is served as its whole /24 (the platform holds the /24 in practice).
 */
export function reverseZonesOf(pool: readonly string[]): string[] {
  const zones = new Set<string>();
  for (const cidr of pool) {
    const block = parseCidr(cidr);
    if (!block) continue;
    const first = block.network - (block.network % 256);
    for (let n = first; n < block.network + block.size; n += 256) {
      const [a, b, c] = formatIpv4(n).split('.');
      zones.add(`${c}.${b}.${a}.in-addr.arpa`);
    }
  }
  return [...zones].sort();
}


/**
 * Reverse DNS of public addresses (issue 7, PTR): a team names the host of a public IPv4 its
 * compute holds, and the platform's reverse zones answer it. The name goes with the address:
 * when the compute is destroyed and the address released, the PTR record disappears, so the next
 * holder never inherits it.
 */
export class ReverseDns {
  private readonly zones: Set<string>;

  constructor(
    private readonly db: Db,
    private readonly deps: { clock: Clock; audit: Audit; nameservers: string[]; pool: readonly string[] },
  ) {
    this.zones = new Set(reverseZonesOf(deps.pool));
  }

  zoneNames(): string[] {
    return [...this.zones];
  }

  private async held(ctx: Context, computeId: string, permission: 'compute.read' | 'compute.write') {
    const access = await authorize(ctx, permission);
    const compute = await computesRepository.find(ctx.tx, computeId);
    if (!compute || compute.teamId !== access.teamId) throw new AppError('RESOURCE_NOT_FOUND', 'No such compute in this team.');
    const [row] = await ctx.tx
      .select()
      .from(ipv4Allocations)
      .where(and(eq(ipv4Allocations.computeId, compute.id), eq(ipv4Allocations.kind, 'public'), isNull(ipv4Allocations.releasedAt)))
      .limit(1);
    if (!row) throw new AppError('BAD_REQUEST', 'This compute has no public IPv4 address: reverse DNS is for public addresses.');
    return { compute, row };
  }

  async get(ctx: Context, computeId: string): Promise<{ ipv4: string; name: string | null }> {
    const { row } = await this.held(ctx, computeId, 'compute.read');
    return { ipv4: row.address, name: row.reverseName };
  }

  /** Sets (or with null, removes) the PTR record of the compute's public address. */
  async set(ctx: Context, computeId: string, name: string | null): Promise<{ ipv4: string; name: string | null }> {
    return inTransaction(ctx, async (ctx) => {
      const { compute, row } = await this.held(ctx, computeId, 'compute.write');
      let host: string | null = null;
      if (name !== null && name.trim() !== '') {
        try {
          host = normalizeName(name);
        } catch (e) {
          const message = `"${name}" is not a host name: ${e instanceof ZoneDataError ? e.message : 'invalid'}.`;
          throw new AppError('VALIDATION_ERROR', message, [{ field: 'name', message }]);
        }
        if (host.endsWith('.arpa') || !host.includes('.') || /^[\d.]+$/.test(host)) {
          const message = 'Give a fully qualified host name, such as web1.example.rw.';
          throw new AppError('VALIDATION_ERROR', message, [{ field: 'name', message }]);
        }
      }
      const now = this.deps.clock.now();
      await ctx.tx.update(ipv4Allocations).set({ reverseName: host, reverseUpdatedAt: now }).where(eq(ipv4Allocations.id, row.id));
      await this.deps.audit.record(ctx, { action: 'compute.reverse_dns.update', targetType: 'compute', targetId: compute.id, data: { ipv4: row.address, set: host !== null } });
      await ctx.tx.execute(sql`select pg_notify(${ZONE_CHANNEL}, ${reverseZonePayload(row.address)})`);
      return { ipv4: row.address, name: host };
    });
  }

  /**
   * The reverse zone as served: a PTR for every held public address with a name. The serial is
   * the time of the zone's latest change in seconds (a release counts), so it grows with each one.
   */
  async snapshot(zone: string): Promise<ZoneSnapshot | null> {
    if (!this.zones.has(zone)) return null;
    const [a, b, c] = zone.split('.').slice(0, 3).reverse();
    const prefix = `${a}.${b}.${c}.`;
    const rows = await this.db.execute<{ address: string; reverse_name: string | null; released_at: Date | null; at: string | null }>(sql`
      select host(address) as address, reverse_name, released_at,
             extract(epoch from greatest(reverse_updated_at, released_at))::bigint::text as at
      from ipv4_allocations
      where kind = 'public' and reverse_updated_at is not null and host(address) like ${`${prefix}%`}`);
    let serial = 1;
    const rrsets: ZoneSnapshot['rrsets'] = [];
    for (const r of rows.rows) {
      serial = Math.max(serial, Number(r.at ?? 1));
      if (r.released_at === null && r.reverse_name) rrsets.push({ name: reverseNameOf(r.address), type: 'PTR', ttl: 3600, records: [`${r.reverse_name}.`] });
    }
    return { ...platformZone(zone, serial % 0x100000000, this.deps.nameservers), rrsets };
  }
}
