/**
 * The PowerDNS backend of DNS hosting: a zone sink that keeps PowerDNS Authoritative equal to our
 * zones through its HTTP API, for operators who already run PowerDNS.
 *
 * - Zones we create carry our marker in PowerDNS's `account` field. We change and remove only
 *   zones that carry it; a zone of the same name without it is left alone (and logged).
 * - Zones are created with `soa_edit_api` and `soa_edit` empty and our SOA given explicitly, so
 *   PowerDNS serves our serial as it is. (With PowerDNS's default, `DEFAULT`, every API change
 *   rewrites the serial to a date of its own, and secondaries fed by us and by PowerDNS would
 *   disagree.) A zone of ours found with other settings is put back.
 * - Each change is a diff: the zone is read (GET), compared with the snapshot, and only the rrsets
 *   that differ are sent in one `PATCH` (DELETE / REPLACE, absolute names). When PowerDNS refuses
 *   the batch (422), the changes go one by one so a single value it cannot take does not hold the
 *   rest back, like the built-in server leaving out a record it cannot serve.
 * - The feed's calls only queue the zone (the latest snapshot per zone wins) and return at once,
 *   so a slow or unreachable PowerDNS never delays the built-in server beside it. The queue
 *   retries transient failures (unreachable, timeouts, 5xx, 429) with exponential backoff; a
 *   definite refusal is logged with the zone name only and dropped until the next change or resync.
 * - `resync` compares every served zone (names, serials and rrsets) with PowerDNS and repairs
 *   the differences: zones missing there are created, stale ones rewritten, and zones of ours that
 *   we no longer serve removed. A PowerDNS restored from an old backup converges this way.
 * - One process should run the dns role with PowerDNS: several would push the same changes
 *   (harmless, as every push is a diff, but wasted).
 */
import type { Logger } from '../../../shared/logger.ts';
import { normalizeName, type ZoneSnapshot } from '../zone.ts';
import type { ZoneSink } from '../zone-feed.ts';
import { desiredZone, planChanges } from './powerdns.plan.ts';
import { PowerDnsError, type PdnsRrset, type PowerDnsClient, type RrsetChange } from './powerdns.client.ts';

export interface PowerDnsBackendOptions {
  client: PowerDnsClient;
  logger: Logger;
  /** Marker written in the `account` field of the zones we create (at most 40 characters). */
  account?: string;
  /** `Native` (replicated by PowerDNS's database) or `Master` (PowerDNS notifies and serves AXFR). */
  kind?: 'Native' | 'Master';
  /** Backoff of the queue after a transient failure: doubles from `min` up to `max`. */
  backoffMs?: { min: number; max: number };
  /** Zones read at once during a resync. */
  resyncConcurrency?: number;
}

/** What one `push` did. */
export interface PushResult {
  created: boolean;
  /** rrset changes sent (DELETE + REPLACE). */
  changes: number;
  /** Changes PowerDNS refused (each sent alone after the batch was refused). */
  rejected: number;
  /** Record values left out because they cannot be served. */
  problems: number;
}

/** What one resync found and queued for repair. */
export interface ResyncReport {
  /** Zones we serve. */
  zones: number;
  /** Served zones PowerDNS did not have. */
  missing: number;
  /** Served zones whose serial, rrsets or settings differed. */
  stale: number;
  /** Zones of ours PowerDNS holds that we no longer serve. */
  extra: number;
  /** Served zones PowerDNS holds without our marker: left alone. */
  foreign: number;
}

type Op = { kind: 'upsert'; snapshot: ZoneSnapshot } | { kind: 'remove' };

export class PowerDnsBackend implements ZoneSink {
  private readonly client: PowerDnsClient;
  private readonly logger: Logger;
  private readonly account: string;
  private readonly kind: 'Native' | 'Master';
  private readonly backoff: { min: number; max: number };
  private readonly concurrency: number;

  /** Zone name → the latest change not yet applied, in the order they came. */
  private readonly pending = new Map<string, Op>();
  /** Zone name → generation of its latest queued change (a resync leaves zones changed since it began alone). */
  private readonly touched = new Map<string, number>();
  /** Zone → serial of the last refusal logged, so a resync does not repeat the same warning. */
  private readonly refusedAt = new Map<string, number>();
  private generation = 0;
  private running: Promise<void> | null = null;
  private applying = false;
  private delayMs = 0;
  private wake: (() => void) | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private resyncing: Promise<unknown> | null = null;

  constructor(options: PowerDnsBackendOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.account = options.account ?? 'strettch';
    this.kind = options.kind ?? 'Native';
    this.backoff = options.backoffMs ?? { min: 250, max: 30_000 };
    this.concurrency = Math.max(1, options.resyncConcurrency ?? 4);
    if (this.account.length === 0 || this.account.length > 40) throw new Error('the PowerDNS account marker must be 1 to 40 characters');
  }

  // ---- ZoneSink: queue and return ----

  upsertZone(snapshot: ZoneSnapshot): void {
    this.enqueue(normalizeName(snapshot.name), { kind: 'upsert', snapshot });
  }

  removeZone(name: string): void {
    this.enqueue(normalizeName(name), { kind: 'remove' });
  }

  /** Resolves once every queued change is applied (or dropped as refused). Waits while PowerDNS is unreachable. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Changes waiting for PowerDNS. */
  get backlog(): number {
    return this.pending.size + (this.applying ? 1 : 0);
  }

  private enqueue(zone: string, op: Op): void {
    if (this.closed) return;
    this.pending.delete(zone);
    this.pending.set(zone, op);
    this.touched.set(zone, ++this.generation);
    this.kick();
  }

  /** Starts draining unless it runs; again after it ends, for a change queued as it was finishing. */
  private kick(): void {
    if (this.running || this.closed || !this.pending.size) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.size && !this.closed) {
      const [zone, op] = this.pending.entries().next().value as [string, Op];
      this.pending.delete(zone);
      this.applying = true;
      try {
        if (op.kind === 'upsert') await this.push(op.snapshot);
        else await this.drop(zone);
        if (this.delayMs) this.logger.info({ zone }, 'dns: PowerDNS reachable again');
        this.delayMs = 0;
      } catch (err) {
        this.applying = false;
        // A 409 is a create that raced another writer: the retry reads the zone first.
        if (err instanceof PowerDnsError && (err.transient || err.status === 409)) {
          // Retried after the rest of the queue, unless a newer change of the zone came meanwhile.
          if (!this.pending.has(zone)) this.pending.set(zone, op);
          if (!this.delayMs) this.logger.warn({ zone, code: err.code, status: err.status }, 'dns: PowerDNS unavailable; retrying with backoff');
          this.delayMs = Math.min(this.backoff.max, Math.max(this.backoff.min, this.delayMs * 2));
          await this.sleep(this.delayMs);
        } else {
          this.refused(zone, op.kind === 'upsert' ? op.snapshot.serial : -1, err);
        }
      } finally {
        this.applying = false;
      }
    }
  }

  private refused(zone: string, serial: number, err: unknown): void {
    if (this.refusedAt.get(zone) === serial) return;
    this.refusedAt.set(zone, serial);
    const e = err instanceof PowerDnsError ? { code: err.code, status: err.status } : { code: 'ERROR', status: undefined };
    if (e.code === 'FOREIGN_ZONE') this.logger.warn({ zone }, 'dns: PowerDNS holds a zone of that name without our account marker; left alone');
    else this.logger.warn({ zone, ...e }, 'dns: PowerDNS refused a zone change; left as it is until the zone changes or the next resync');
  }

  /** Waits `ms`, or less when `close` wakes it. */
  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
  }

  // ---- direct operations (the queue's steps; throw PowerDnsError) ----

  /** Makes PowerDNS hold exactly `snapshot`: creates the zone if needed, then sends the differing rrsets. */
  async push(snapshot: ZoneSnapshot): Promise<PushResult> {
    const desired = desiredZone(snapshot);
    const zone = normalizeName(snapshot.name);
    const current = await this.client.getZone(zone);
    let rrsets: PdnsRrset[];
    if (!current) {
      // Created with SOA and NS only; the rest goes through the same PATCH as every change.
      const [soa, ns] = desired.rrsets as [PdnsRrset, PdnsRrset];
      await this.client.createZone({
        name: desired.name,
        kind: this.kind,
        account: this.account,
        soa_edit_api: '',
        soa_edit: '',
        nameservers: [],
        rrsets: [soa, ns].map((r) => ({ name: r.name, type: r.type, changetype: 'REPLACE', ttl: r.ttl, records: r.records })),
      });
      rrsets = [soa, ns];
    } else {
      if (current.account !== this.account) {
        throw new PowerDnsError('PowerDNS holds a zone of that name that is not ours', { transient: false, code: 'FOREIGN_ZONE' });
      }
      if (current.soa_edit_api !== '' || current.soa_edit !== '' || current.kind !== this.kind) {
        await this.client.updateZone(zone, { kind: this.kind, soa_edit_api: '', soa_edit: '' });
      }
      rrsets = current.rrsets;
    }
    const changes = planChanges(rrsets, desired.rrsets);
    const rejected = changes.length ? await this.patch(zone, changes) : 0;
    if (rejected) this.refused(zone, snapshot.serial, new PowerDnsError(`PowerDNS refused ${rejected} rrset changes`, { status: 422, transient: false, code: 'RRSETS_REFUSED' }));
    else this.refusedAt.delete(zone);
    return { created: !current, changes: changes.length, rejected, problems: desired.problems };
  }

  /** One atomic PATCH; when PowerDNS refuses it, each change alone. Answers how many were refused. */
  private async patch(zone: string, changes: RrsetChange[]): Promise<number> {
    const refusal = (err: unknown) => err instanceof PowerDnsError && err.status === 422;
    try {
      await this.client.patchRrsets(zone, changes);
      return 0;
    } catch (err) {
      if (!refusal(err)) throw err;
      if (changes.length === 1) return 1;
    }
    let rejected = 0;
    for (const change of changes) {
      try {
        await this.client.patchRrsets(zone, [change]);
      } catch (err) {
        if (!refusal(err)) throw err;
        rejected++;
      }
    }
    return rejected;
  }

  /** Removes a zone of ours from PowerDNS; false when it was not there (or not ours, which is logged). */
  async drop(name: string): Promise<boolean> {
    const zone = normalizeName(name);
    const found = await this.client.findZone(zone);
    if (!found) return false;
    if (found.account !== this.account) {
      this.refused(zone, -1, new PowerDnsError('not ours', { transient: false, code: 'FOREIGN_ZONE' }));
      return false;
    }
    const removed = await this.client.deleteZone(zone);
    this.refusedAt.delete(zone);
    this.touched.delete(zone);
    return removed;
  }

  // ---- drift ----

  /**
   * Compares every served zone with PowerDNS and queues the repairs (see the module comment).
   * Give a loader rather than a list when zones change meanwhile: zones the feed changes after
   * the resync begins are left to the feed, so a list read before that never undoes a newer change.
   */
  async resync(source: ZoneSnapshot[] | (() => Promise<ZoneSnapshot[]>)): Promise<ResyncReport> {
    const since = this.generation;
    const snapshots = typeof source === 'function' ? await source() : source;
    const remote = new Map((await this.client.listZones()).map((z) => [z.name.toLowerCase().replace(/\.$/, ''), z]));
    const report: ResyncReport = { zones: snapshots.length, missing: 0, stale: 0, extra: 0, foreign: 0 };
    const fresh = (zone: string) => this.pending.has(zone) || (this.touched.get(zone) ?? 0) > since;
    const served = new Set<string>();
    const queue = [...snapshots];
    const check = async () => {
      for (let snapshot = queue.shift(); snapshot && !this.closed; snapshot = queue.shift()) {
        const zone = normalizeName(snapshot.name);
        served.add(zone);
        if (fresh(zone)) continue;
        const info = remote.get(zone);
        if (!info) {
          report.missing++;
          this.enqueue(zone, { kind: 'upsert', snapshot });
          continue;
        }
        if (info.account !== this.account) {
          report.foreign++;
          this.refused(zone, snapshot.serial, new PowerDnsError('not ours', { transient: false, code: 'FOREIGN_ZONE' }));
          continue;
        }
        // The serial alone would miss a change made in PowerDNS by hand: the rrsets are compared too.
        const current = await this.client.getZone(zone);
        const stale =
          !current ||
          current.serial !== snapshot.serial ||
          current.kind !== this.kind ||
          current.soa_edit_api !== '' ||
          current.soa_edit !== '' ||
          planChanges(current.rrsets, desiredZone(snapshot).rrsets).length > 0;
        if (stale && !fresh(zone)) {
          report.stale++;
          this.enqueue(zone, { kind: 'upsert', snapshot });
        }
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, check));
    for (const [zone, info] of remote) {
      if (served.has(zone) || info.account !== this.account || fresh(zone)) continue;
      report.extra++;
      this.enqueue(zone, { kind: 'remove' });
    }
    if (report.missing + report.stale + report.extra) this.logger.info({ ...report }, 'dns: PowerDNS differed from our zones; repairing');
    return report;
  }

  /** Runs `resync(load)` now and every `intervalMs` (never two at once) until `close`. */
  startResync(load: () => Promise<ZoneSnapshot[]>, intervalMs: number): void {
    const run = () => {
      if (this.resyncing || this.closed) return;
      this.resyncing = this.resync(load)
        .catch((err: unknown) => {
          // Only the error's kind: a database error's text may quote values.
          const e = err instanceof PowerDnsError ? { code: err.code, status: err.status } : { code: 'ERROR', type: err instanceof Error ? err.name : typeof err };
          this.logger.warn(e, 'dns: PowerDNS resync failed; trying again at the next interval');
        })
        .finally(() => (this.resyncing = null));
    };
    run();
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
  }

  /**
   * Stops the timer and the queue: waits up to `drainMs` for queued changes, then for the request
   * in flight (bounded by the client's timeout). What is left is applied by the next start's full load.
   */
  async close({ drainMs = 2_000 } = {}): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([this.idle(), new Promise<void>((r) => (t = setTimeout(r, drainMs)))]);
      clearTimeout(t);
    }
    this.closed = true;
    this.wake?.();
    await this.running;
    await this.resyncing;
  }
}
