import type { Db } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/index.ts';
import type { Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Audit } from '../audit/audit.service.ts';
import { actingUserId, authorize } from '../teams/permissions.ts';
import { dnsRepository, type RrsetRow, type ZoneRow } from './dns.repository.ts';
import type { StoredRecord, ZoneStatus } from './dns.schema.ts';
import { nextSerial, normalizeDomain, ownerName, RecordError, relativeName, validateRrset, type RrsetInput, type TtlPolicy } from './records.ts';
import { IMPORT_TYPES, type DnsResolver, type ImportedRrset } from './resolver.ts';
import type { RrsetType, ZoneSnapshot } from './zone.ts';

export interface DnsSettings {
  /** The platform's nameservers, which customers set at their registrar (e.g. ns1.strettch.com). */
  nameservers: string[];
  ttl: TtlPolicy;
  /** How long a domain may stay ACTIVATING without delegation before it turns INACTIVE. */
  activationWindowMs: number;
  /** How often an INACTIVE domain is checked again. */
  inactiveRecheckMs: number;
}

export interface DomainView {
  name: string;
  status: ZoneStatus;
  /** The nameservers to set at the registrar. */
  nameservers: string[];
  /** What the last check found the domain delegated to (empty: none yet). */
  delegatedTo: string[];
  /** A zone below another team's domain waits for that team to delegate it (an NS record there). */
  awaitingParentDelegation: boolean;
  serial: number;
  recordSets: number;
  createdAt: Date;
  checkedAt: Date | null;
  statusChangedAt: Date;
}

export interface RrsetView {
  name: string;
  fqdn: string;
  type: string;
  ttl: number;
  records: StoredRecord[];
  updatedAt: Date;
}

/** Names whose records the auto-import reads when the old host refuses a zone transfer. */
const COMMON_LABELS = ['', 'www', 'mail', 'webmail', 'smtp', 'imap', 'pop', 'ftp', 'api', 'app', 'blog', 'shop', 'dev', 'staging', 'vpn', 'remote', 'portal', 'admin', 'cdn', 'static', 'autodiscover', 'autoconfig', '_dmarc', '_domainkey', 'default._domainkey', 'google._domainkey', 'selector1._domainkey', 'selector2._domainkey', '_sip._tls', '_sipfederationtls._tcp', '_autodiscover._tcp'];

const present = (row: RrsetRow, zone: string): RrsetView => ({ name: relativeName(zone, row.name), fqdn: row.name, type: row.type, ttl: row.ttl, records: row.records, updatedAt: row.updatedAt });

/**
 * DNS hosting (issue 7): domains a team points at the platform's nameservers, their records as
 * validated rrsets, delegation checks that move a domain ACTIVATING → ACTIVE (or INACTIVE after
 * 24 h), and the auto-import of what the previous host served. Every committed change raises the
 * zone's serial and is announced (`pg_notify`) so the authoritative servers follow within a second.
 */
export class DomainsService {
  constructor(
    private readonly db: Db,
    private readonly deps: { clock: Clock; audit: Audit; jobs: JobQueue; resolver: DnsResolver; logger: Logger; settings: DnsSettings },
  ) {}

  get nameservers(): string[] {
    return this.deps.settings.nameservers;
  }

  private async view(ctx: Context, zone: ZoneRow, recordSets?: number): Promise<DomainView> {
    return {
      name: zone.name,
      status: zone.status,
      nameservers: this.nameservers,
      delegatedTo: zone.observedNameservers ?? [],
      awaitingParentDelegation: zone.parentZoneId !== null && zone.status !== 'ACTIVE',
      serial: zone.serial,
      recordSets: recordSets ?? (await dnsRepository.countRrsets(ctx.tx, zone.id)),
      createdAt: zone.createdAt,
      checkedAt: zone.checkedAt,
      statusChangedAt: zone.statusChangedAt,
    };
  }

  private static domainOrInvalid(input: string): string {
    try {
      return normalizeDomain(input);
    } catch (e) {
      if (e instanceof RecordError) throw new AppError('VALIDATION_ERROR', e.message, [{ field: e.field, message: e.message }]);
      throw e;
    }
  }

  private async zoneOf(ctx: Context, teamId: string, name: string, lock = false): Promise<ZoneRow> {
    let normalized: string;
    try {
      normalized = normalizeDomain(name);
    } catch {
      throw new AppError('RESOURCE_NOT_FOUND', 'No such domain in this team.');
    }
    const zone = lock ? await dnsRepository.lockZone(ctx.tx, teamId, normalized) : await dnsRepository.zoneByName(ctx.tx, teamId, normalized);
    if (!zone) throw new AppError('RESOURCE_NOT_FOUND', 'No such domain in this team.');
    return zone;
  }

  async add(ctx: Context, input: { name: string; autoImport?: boolean }): Promise<DomainView> {
    const name = DomainsService.domainOrInvalid(input.name);
    const created = await inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, 'dns.write');
      if (await dnsRepository.zoneByName(ctx.tx, access.teamId, name)) throw new AppError('CONFLICT', `${name} is already in this team.`);
      const claim = await dnsRepository.liveClaim(ctx.tx, name);
      if (claim) throw new AppError('DOMAIN_TAKEN');
      // A zone below another team's hosted zone needs that team's delegation before it is served.
      const labels = name.split('.');
      const parents = await dnsRepository.liveZonesNamed(ctx.tx, labels.slice(1, -1).map((_, i) => labels.slice(i + 1).join('.')));
      const parent = parents[0];
      const now = this.deps.clock.now();
      const zone = await dnsRepository.insertZone(ctx.tx, {
        teamId: access.teamId,
        name,
        status: 'ACTIVATING',
        serial: nextSerial(0, now),
        parentZoneId: parent && parent.teamId !== access.teamId ? parent.id : null,
        createdBy: actingUserId(ctx),
        createdAt: now,
        updatedAt: now,
        statusChangedAt: now,
      });
      await this.deps.audit.record(ctx, { action: 'dns.domain.create', targetType: 'domain', targetId: zone.id, data: { name } });
      await dnsRepository.notifyChange(ctx.tx, zone.id);
      await this.deps.jobs.enqueue(ctx.tx, 'dns.check-delegation', { zoneId: zone.id });
      if (input.autoImport !== false) await this.deps.jobs.enqueue(ctx.tx, 'dns.import', { zoneId: zone.id });
      return zone;
    }).catch((e: unknown) => {
      // Two teams adding the same name at once: the live-claim index lets one through.
      if (isLiveClaimConflict(e)) throw new AppError('DOMAIN_TAKEN');
      throw e;
    });
    return this.view(ctx, created, 0);
  }

  async list(ctx: Context, page: { limit: number; offset: number }): Promise<{ rows: DomainView[]; total: number }> {
    const access = await authorize(ctx, 'dns.read');
    const { rows, total } = await dnsRepository.listZones(ctx.tx, access.teamId, page.limit, page.offset);
    return { rows: await Promise.all(rows.map((z) => this.view(ctx, z, z.rrsetCount))), total };
  }

  async get(ctx: Context, name: string): Promise<DomainView> {
    const access = await authorize(ctx, 'dns.read');
    return this.view(ctx, await this.zoneOf(ctx, access.teamId, name));
  }

  async remove(ctx: Context, name: string): Promise<DomainView> {
    return inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, 'dns.write');
      const zone = await this.zoneOf(ctx, access.teamId, name, true);
      const gone = await this.view(ctx, zone);
      await dnsRepository.deleteZone(ctx.tx, zone.id);
      await this.deps.audit.record(ctx, { action: 'dns.domain.delete', targetType: 'domain', targetId: zone.id, data: { name: zone.name } });
      await dnsRepository.notifyChange(ctx.tx, zone.id);
      return gone;
    });
  }

  async rrsets(ctx: Context, name: string): Promise<RrsetView[]> {
    const access = await authorize(ctx, 'dns.read');
    const zone = await this.zoneOf(ctx, access.teamId, name);
    return (await dnsRepository.rrsets(ctx.tx, zone.id)).map((r) => present(r, zone.name));
  }

  /** Replaces the rrset at `recordName`/`type` (creates it when absent). `created` tells which. */
  async putRrset(ctx: Context, domain: string, recordName: string, type: string, input: RrsetInput): Promise<{ rrset: RrsetView; created: boolean }> {
    return inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, 'dns.write');
      const zone = await this.zoneOf(ctx, access.teamId, domain, true);
      const upper = type.toUpperCase();
      const { owner, checked } = this.validated(zone.name, recordName, upper, input, await dnsRepository.typesAt(ctx.tx, zone.id, this.ownerOrInvalid(zone.name, recordName)));
      const before = await dnsRepository.rrset(ctx.tx, zone.id, owner, upper);
      const now = this.deps.clock.now();
      const saved = await dnsRepository.upsertRrset(ctx.tx, { zoneId: zone.id, name: owner, type: upper, ttl: checked.ttl, records: checked.records, updatedBy: actingUserId(ctx), updatedAt: now });
      await this.touch(ctx, zone, now);
      await this.deps.audit.record(ctx, {
        action: before ? 'dns.record.update' : 'dns.record.create',
        targetType: 'domain',
        targetId: zone.id,
        data: { domain: zone.name, name: relativeName(zone.name, owner), type: upper, ttl: checked.ttl, records: checked.records.length },
      });
      return { rrset: present(saved, zone.name), created: !before };
    });
  }

  async deleteRrset(ctx: Context, domain: string, recordName: string, type: string): Promise<RrsetView> {
    return inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, 'dns.write');
      const zone = await this.zoneOf(ctx, access.teamId, domain, true);
      const owner = this.ownerOrInvalid(zone.name, recordName);
      const removed = await dnsRepository.deleteRrset(ctx.tx, zone.id, owner, type.toUpperCase());
      if (!removed) throw new AppError('RESOURCE_NOT_FOUND', `No ${type.toUpperCase()} records at ${relativeName(zone.name, owner)}.`);
      await this.touch(ctx, zone, this.deps.clock.now());
      await this.deps.audit.record(ctx, { action: 'dns.record.delete', targetType: 'domain', targetId: zone.id, data: { domain: zone.name, name: relativeName(zone.name, owner), type: removed.type } });
      return present(removed, zone.name);
    });
  }

  /** What the auto-import found, waiting for confirmation (null: nothing, or not finished yet). */
  async importReview(ctx: Context, domain: string): Promise<{ method: 'axfr' | 'lookup'; rrsets: (RrsetView & { conflict: string | null })[]; foundAt: Date } | null> {
    const access = await authorize(ctx, 'dns.read');
    const zone = await this.zoneOf(ctx, access.teamId, domain);
    const found = await dnsRepository.importOf(ctx.tx, zone.id);
    if (!found) return null;
    const existing = await dnsRepository.rrsets(ctx.tx, zone.id);
    const rrsets = found.rrsets.map((r) => {
      const view = { name: relativeName(zone.name, r.name), fqdn: r.name, type: r.type, ttl: r.ttl, records: r.records, updatedAt: found.createdAt };
      try {
        this.validated(zone.name, view.name, r.type, { ttl: this.clampTtl(r.ttl), records: r.records }, existing.filter((e) => e.name === r.name).map((e) => e.type));
        return { ...view, conflict: null };
      } catch (e) {
        return { ...view, conflict: e instanceof AppError ? e.message : String(e) };
      }
    });
    return { method: found.method, rrsets, foundAt: found.createdAt };
  }

  /** Saves the chosen imported rrsets (all when `accept` is absent); the rest are dropped. */
  async acceptImport(ctx: Context, domain: string, accept?: { name: string; type: string }[]): Promise<{ saved: RrsetView[]; skipped: { name: string; type: string; reason: string }[] }> {
    return inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, 'dns.write');
      const zone = await this.zoneOf(ctx, access.teamId, domain, true);
      const found = await dnsRepository.importOf(ctx.tx, zone.id);
      if (!found) throw new AppError('RESOURCE_NOT_FOUND', 'No imported records are waiting for this domain.');
      const wanted = accept ? new Set(accept.map((a) => `${ownerName(zone.name, a.name)}/${a.type.toUpperCase()}`)) : null;
      const saved: RrsetView[] = [];
      const skipped: { name: string; type: string; reason: string }[] = [];
      const now = this.deps.clock.now();
      for (const r of found.rrsets) {
        if (wanted && !wanted.has(`${r.name}/${r.type}`)) continue;
        try {
          const { owner, checked } = this.validated(zone.name, relativeName(zone.name, r.name), r.type, { ttl: this.clampTtl(r.ttl), records: r.records }, await dnsRepository.typesAt(ctx.tx, zone.id, r.name));
          const row = await dnsRepository.upsertRrset(ctx.tx, { zoneId: zone.id, name: owner, type: r.type, ttl: checked.ttl, records: checked.records, updatedBy: actingUserId(ctx), updatedAt: now });
          saved.push(present(row, zone.name));
        } catch (e) {
          skipped.push({ name: relativeName(zone.name, r.name), type: r.type, reason: e instanceof AppError ? e.message : String(e) });
        }
      }
      await dnsRepository.deleteImport(ctx.tx, zone.id);
      if (saved.length) await this.touch(ctx, zone, now);
      await this.deps.audit.record(ctx, { action: 'dns.import.accept', targetType: 'domain', targetId: zone.id, data: { domain: zone.name, saved: saved.length, skipped: skipped.length } });
      return { saved, skipped };
    });
  }

  private clampTtl(ttl: number): number {
    return Math.min(Math.max(ttl, this.deps.settings.ttl.min), this.deps.settings.ttl.max);
  }

  private ownerOrInvalid(zone: string, recordName: string): string {
    try {
      return ownerName(zone, recordName);
    } catch (e) {
      if (e instanceof RecordError) throw new AppError('VALIDATION_ERROR', e.message, [{ field: e.field, message: e.message }]);
      throw e;
    }
  }

  private validated(zone: string, recordName: string, type: string, input: RrsetInput, typesAtName: string[]) {
    const owner = this.ownerOrInvalid(zone, recordName);
    try {
      return { owner, checked: validateRrset({ zone, name: owner, type, rrset: input, typesAtName, ttl: this.deps.settings.ttl }) };
    } catch (e) {
      if (e instanceof RecordError) throw new AppError('VALIDATION_ERROR', e.message, [{ field: e.field, message: e.message }]);
      throw e;
    }
  }

  /** A change of the zone's data: new serial, and the servers are told. */
  private async touch(ctx: Context, zone: ZoneRow, now: Date): Promise<void> {
    await dnsRepository.updateZone(ctx.tx, zone.id, { serial: nextSerial(zone.serial, now), updatedAt: now });
    await dnsRepository.notifyChange(ctx.tx, zone.id);
  }

  // ---- background work: delegation checks and auto-import ----

  /**
   * Checks delegation of one zone: ACTIVE when the domain is delegated to exactly our
   * nameservers (a sub-zone of another team's domain: when that zone holds an NS rrset for it
   * pointing at us), INACTIVE once the activation window has passed without it. An INACTIVE zone
   * becomes ACTIVE later only if no other team has claimed the name meanwhile.
   */
  async checkDelegation(zoneId: string): Promise<ZoneStatus | null> {
    const zone = await dnsRepository.zoneById(this.db, zoneId);
    if (!zone) return null;
    const ours = [...this.nameservers].sort();
    let observed: string[];
    if (zone.parentZoneId) {
      const parent = await dnsRepository.zoneById(this.db, zone.parentZoneId);
      const ns = parent ? await dnsRepository.rrset(this.db, parent.id, zone.name, 'NS') : undefined;
      observed = (ns?.records ?? []).map((r) => r.value.replace(/\.$/, '')).sort();
    } else {
      observed = await this.deps.resolver.nameservers(zone.name);
    }
    const delegated = observed.length > 0 && observed.every((n) => ours.includes(n));
    const now = this.deps.clock.now();
    let status: ZoneStatus = zone.status;
    if (delegated) status = 'ACTIVE';
    else if (zone.status === 'ACTIVATING' && now.getTime() - zone.createdAt.getTime() >= this.deps.settings.activationWindowMs) status = 'INACTIVE';
    // An ACTIVE domain whose delegation went away stays ACTIVE: what the check found is shown, not punished.
    try {
      await this.db.transaction(async (tx) => {
        if (status === 'ACTIVE' && zone.status === 'INACTIVE') {
          const claim = await dnsRepository.liveClaim(tx, zone.name);
          if (claim && claim.id !== zone.id) status = 'INACTIVE';
        }
        const changed = status !== zone.status;
        await dnsRepository.updateZone(tx, zone.id, { status, checkedAt: now, observedNameservers: observed, ...(changed ? { statusChangedAt: now, updatedAt: now } : {}) });
        if (changed) {
          await this.deps.audit.record(
            { actor: { type: 'system', id: 'dns.check-delegation' }, teamId: zone.teamId, requestId: `dns-${zone.id}`, ip: null, userAgent: null, tx },
            { action: `dns.domain.${status.toLowerCase()}`, targetType: 'domain', targetId: zone.id, data: { name: zone.name, nameservers: observed } },
          );
          await dnsRepository.notifyChange(tx, zone.id);
        }
      });
    } catch (e) {
      if (isLiveClaimConflict(e)) return zone.status;
      throw e;
    }
    return status;
  }

  /** The periodic check: every ACTIVATING zone, and INACTIVE ones not looked at recently. */
  async checkDue(limit = 500): Promise<number> {
    const due = await dnsRepository.dueForCheck(this.db, new Date(this.deps.clock.now().getTime() - this.deps.settings.inactiveRecheckMs), limit);
    for (const zone of due) await this.checkDelegation(zone.id);
    return due.length;
  }

  /** Reads what the domain's current host serves (AXFR when allowed, else common names) into the review. */
  async importFromCurrentHost(zoneId: string): Promise<number> {
    const zone = await dnsRepository.zoneById(this.db, zoneId);
    if (!zone) return 0;
    const { resolver } = this.deps;
    const nameservers = (await resolver.nameservers(zone.name)).filter((n) => !this.nameservers.includes(n));
    let method: 'axfr' | 'lookup' = 'axfr';
    let rrsets: ImportedRrset[] | null = nameservers.length ? await resolver.transfer(zone.name, nameservers) : null;
    if (!rrsets) {
      method = 'lookup';
      rrsets = [];
      for (const label of COMMON_LABELS) {
        const name = label ? `${label}.${zone.name}` : zone.name;
        for (const type of IMPORT_TYPES) {
          if (type === 'NS' && !label) continue;
          const values = await resolver.lookup(name, type);
          if (values.length) rrsets.push({ name, type, ttl: this.deps.settings.ttl.default, records: values.map((value) => ({ value })) });
        }
      }
    }
    // The apex SOA and NS are the platform's. Where a name is a CNAME, the other types a lookup
    // found there are the resolver following it to the target, not records of that name.
    const aliases = new Set(rrsets.filter((r) => r.type === 'CNAME').map((r) => r.name));
    const kept = rrsets.filter((r) => !(r.name === zone.name && (r.type === 'NS' || r.type === 'SOA')) && (r.type === 'CNAME' || !aliases.has(r.name)));
    if (kept.length === 0) return 0;
    await dnsRepository.saveImport(this.db, { zoneId: zone.id, method, rrsets: kept, createdAt: this.deps.clock.now() });
    this.deps.logger.info({ zoneId: zone.id, method, rrsets: kept.length }, 'dns import: records found at the current host, waiting for review');
    return kept.length;
  }

  // ---- what the authoritative servers serve ----

  /**
   * The zones the servers answer for: every ACTIVATING or ACTIVE zone (so a team can test before
   * switching nameservers), except a sub-zone of another team's domain until that team delegates it.
   */
  static served(zone: Pick<ZoneRow, 'status' | 'parentZoneId'>): boolean {
    if (zone.status === 'INACTIVE') return false;
    return zone.parentZoneId === null || zone.status === 'ACTIVE';
  }

  async snapshot(zoneId: string): Promise<ZoneSnapshot | null> {
    const zone = await dnsRepository.zoneById(this.db, zoneId);
    if (!zone || !DomainsService.served(zone)) return null;
    const rows = await dnsRepository.rrsets(this.db, zone.id);
    return {
      ...platformZone(zone.name, zone.serial, this.nameservers),
      rrsets: rows.map((r) => ({ name: r.name, type: r.type as RrsetType, ttl: r.ttl, records: r.records.map((x) => x.value) })),
    };
  }
}

/** The live-claim index refused a second team's claim on a name (drizzle wraps the driver's error in `cause`). */
function isLiveClaimConflict(e: unknown): boolean {
  return e instanceof Error && /dns_zones_live_name_idx/.test(`${e.message} ${String((e as { cause?: unknown }).cause)}`);
}

/** A zone on the platform's nameservers: the first is the SOA primary, hostmaster@ its domain. */
export function platformZone(name: string, serial: number, nameservers: string[]): Omit<ZoneSnapshot, 'rrsets'> {
  const [primary] = nameservers;
  return {
    name,
    serial,
    soa: { mname: primary!, rname: `hostmaster.${primary!.split('.').slice(1).join('.') || primary}`, refresh: 3600, retry: 600, expire: 1_209_600, minimum: 300, ttl: 3600 },
    nameservers,
    nameserverTtl: 86_400,
  };
}
