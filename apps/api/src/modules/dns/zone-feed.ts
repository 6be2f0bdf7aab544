import type { Database } from '../../db/database.ts';
import type { Logger } from '../../shared/logger.ts';
import { REVERSE_PREFIX, ZONE_CHANNEL } from './channel.ts';
import { dnsRepository } from './dns.repository.ts';
import { DomainsService } from './domains.service.ts';
import type { ReverseDns } from './reverse.ts';
import type { ZoneSnapshot } from './zone.ts';

/** Where the feed delivers zones: the authoritative server's index (and, for operators, a PowerDNS backend). */
export interface ZoneSink {
  upsertZone(zone: ZoneSnapshot): unknown;
  removeZone(name: string): unknown;
}

/**
 * Keeps zone sinks equal to the database: a full load at start, then every committed change
 * announced on `dns_zones` (LISTEN/NOTIFY; PGlite delivers them in-process) is applied within
 * milliseconds. Notifications can be lost (a dropped connection), so a cheap comparison of
 * every zone's serial and status also runs every `resyncMs`.
 */
export class ZoneFeed {
  private readonly known = new Map<string, { name: string; serial: number }>();
  private readonly pending = new Set<string>();
  private flushing: Promise<void> | null = null;
  private stopListening: (() => Promise<void>) | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly database: Database,
    private readonly domains: DomainsService,
    private readonly sinks: ZoneSink[],
    private readonly logger: Logger,
    private readonly resyncMs = 10_000,
    /** The platform's reverse zones of its public addresses, fed alongside the teams' zones. */
    private readonly reverse?: ReverseDns,
  ) {}

  async start(): Promise<void> {
    this.stopListening = await this.database.listen(ZONE_CHANNEL, (zoneId) => this.changed(zoneId));
    await this.resync();
    this.timer = setInterval(() => void this.resync().catch((e: unknown) => this.logger.warn({ err: String(e) }, 'dns: zone resync failed')), this.resyncMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.stopListening?.();
    this.stopListening = null;
    await this.flushing;
  }

  /** Number of zones being served. */
  get size(): number {
    return this.known.size;
  }

  private changed(zoneId: string): void {
    this.pending.add(zoneId);
    this.flushing ??= this.flush().finally(() => (this.flushing = null));
  }

  private async flush(): Promise<void> {
    while (this.pending.size) {
      const ids = [...this.pending];
      this.pending.clear();
      for (const id of ids) await this.apply(id).catch((e: unknown) => this.logger.warn({ zoneId: id, err: String(e) }, 'dns: could not apply a zone change'));
    }
  }

  private async apply(zoneId: string): Promise<void> {
    const snapshot = zoneId.startsWith(REVERSE_PREFIX)
      ? ((await this.reverse?.snapshot(zoneId.slice(REVERSE_PREFIX.length))) ?? null)
      : await this.domains.snapshot(zoneId);
    const before = this.known.get(zoneId);
    if (!snapshot) {
      if (before) {
        this.known.delete(zoneId);
        for (const sink of this.sinks) await sink.removeZone(before.name);
      }
      return;
    }
    for (const sink of this.sinks) await sink.upsertZone(snapshot);
    this.known.set(zoneId, { name: snapshot.name, serial: snapshot.serial });
  }

  /** Compares every zone's serial and status with what is served, and applies the differences. */
  async resync(): Promise<void> {
    const rows = await dnsRepository.servingState(this.database.db);
    const served = new Set<string>();
    for (const row of rows) {
      if (!DomainsService.served(row)) continue;
      served.add(row.id);
      if (this.known.get(row.id)?.serial !== row.serial) this.changed(row.id);
    }
    for (const zone of this.reverse?.zoneNames() ?? []) {
      const id = REVERSE_PREFIX + zone;
      served.add(id);
      if (this.known.get(id)?.serial !== (await this.reverse!.snapshot(zone))?.serial) this.changed(id);
    }
    for (const id of this.known.keys()) if (!served.has(id)) this.changed(id);
    await this.flushing;
  }
}
