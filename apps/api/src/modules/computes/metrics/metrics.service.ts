import crypto from 'node:crypto';
import type { Db, Tx } from '../../../db/database.ts';
import type { Clock } from '../../../shared/clock.ts';
import { HOUR, MINUTE } from '../../../shared/clock.ts';
import type { Context } from '../../../shared/context.ts';
import { AppError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/logger.ts';
import { authorize } from '../../teams/permissions.ts';
import { computesRepository } from '../computes.repository.ts';
import type { HypervisorDriver } from '../hypervisor/port.ts';
import { parseIpv4, type Ipv4Block } from '../ipv4.ts';
import { AgentHeartbeatSchema, AgentPushSchema, decodeAgentBody, parseWith, readAgentPush } from './agent-payload.ts';
import { METRIC_FIELDS, METRICS_RETENTION_DAYS, RANGE_PLAN, type MetricRange, type MetricSource, type MetricValues, type Resolution } from './metrics.fields.ts';
import { metricsRepository } from './metrics.repository.ts';
import { agentValues, hostValues, type PreviousReading, type Reading } from './readings.ts';

export interface MetricsDeps {
  db: Db;
  clock: Clock;
  driver: HypervisorDriver;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Where the agent sends its pushes (`cloudAPIUrl` of the metadata answer): this installation's public URL. */
  publicUrl: string;
  /** Metadata relays on the hypervisor hosts, trusted to name the machine in `X-Resource-ID`. */
  metadataRelays: Ipv4Block[];
}

/** The agent refreshes its token every 30 min; two hours leaves room for a missed refresh. */
export const AGENT_TOKEN_TTL_MS = 2 * HOUR;
/** A replaced token still works this long, for pushes already on their way. */
export const AGENT_TOKEN_GRACE_MS = 10 * MINUTE;
const TOKEN_PREFIX = 'sca_';
/** States in which a compute's machine may exist and run an agent. */
const GONE = new Set(['DESTROYING', 'DESTROYED', 'ERROR']);

export interface AgentIdentity {
  computeId: string;
}

export interface MetricSeries {
  source: MetricSource;
  timestamps: Date[];
  avg: Record<keyof MetricValues, (number | null)[]>;
  max: Record<keyof MetricValues, (number | null)[]>;
}

export interface MetricsView {
  computeId: string;
  range: MetricRange;
  resolution: Resolution;
  stepSeconds: number;
  from: Date;
  to: Date;
  series: MetricSeries[];
  agent: { version: string | null; lastPushAt: Date | null; lastHeartbeatAt: Date | null };
}

const hashToken = (token: string) => crypto.createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Compute metrics (issue 6, items 7 and 9): the agent's pushes, the hypervisor's own readings,
 * roll-ups and the series the console draws.
 *
 * Trust model of the agent. The agent asks the metadata service for a token with its SMBIOS UUID
 * (our compute id) in `X-Resource-ID`, as the product's agent does. That id is not secret (every
 * member of the team sees it), so the answer is given only where the network vouches for the
 * caller: a request from the compute's own private address (the control plane on the machines'
 * network), or one relayed by a metadata relay on the hypervisor host (METRICS_METADATA_RELAYS),
 * which sets `X-Resource-ID` from the interface the guest spoke on, never from the guest. A token
 * is 256 random bits, stored only as its SHA-256, lets its holder push metrics for that one
 * compute and nothing else, expires after two hours, and stops working when the compute is being
 * destroyed. It is never logged.
 */
export class MetricsService {
  constructor(private readonly deps: MetricsDeps) {}

  /** `GET /metadata/v1/auth-token`: a fresh token for the machine asking, and where to push. */
  async issueAgentToken(input: { resourceId: string | undefined; sourceIp: string | null }): Promise<{ token: string; cloudAPIUrl: string }> {
    const refused = new AppError('FORBIDDEN', 'Agent tokens are issued only to the compute itself, from its own private address or through the platform\'s metadata relay.');
    const id = input.resourceId?.trim().toLowerCase() ?? '';
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw refused;
    const ip = normaliseIp(input.sourceIp);
    const now = this.deps.clock.now();
    const token = `${TOKEN_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
    const relayed = ip !== null && this.deps.metadataRelays.some((b) => inBlock(b, ip));
    await this.deps.db.transaction(async (tx) => {
      const compute = await computesRepository.lock(tx, id);
      if (!compute || GONE.has(compute.state)) throw refused;
      // Team networks reuse one block, so a private address names a machine only on a
      // single-team test bed: once relays are configured, only they are believed.
      if (!relayed && (this.deps.metadataRelays.length > 0 || ip !== compute.privateIpv4)) throw refused;
      const previous = await metricsRepository.agentToken(tx, id);
      await metricsRepository.saveAgentToken(tx, {
        computeId: id,
        tokenHash: hashToken(token),
        expiresAt: new Date(now.getTime() + AGENT_TOKEN_TTL_MS),
        previousHash: previous?.tokenHash ?? null,
        previousExpiresAt: previous ? new Date(Math.min(previous.expiresAt.getTime(), now.getTime() + AGENT_TOKEN_GRACE_MS)) : null,
        issuedAt: now,
      });
    });
    this.deps.logger.info({ computeId: id, relayed }, 'metrics agent token issued');
    return { token, cloudAPIUrl: this.deps.publicUrl };
  }

  /** The compute an `Authorization: Bearer <token>` header speaks for; UNAUTHORIZED otherwise. */
  async authenticateAgent(authorization: string | undefined): Promise<AgentIdentity> {
    const unauthorized = new AppError('UNAUTHORIZED', 'The agent token is missing, wrong or expired: fetch a new one from the metadata service.');
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) throw unauthorized;
    const found = await metricsRepository.findByTokenHash(this.deps.db, hashToken(token), this.deps.clock.now());
    if (!found) throw unauthorized;
    if (GONE.has(found.state)) {
      await metricsRepository.deleteAgentToken(this.deps.db, found.computeId);
      throw unauthorized;
    }
    return { computeId: found.computeId };
  }

  /**
   * One push of the agent: stored as a reading of its compute at the platform's time, with rates
   * from the difference to its previous push. Metrics the agent may not send (unknown names,
   * another machine's `vm_id`) are counted as failed, as the product's resource manager does.
   */
  async ingest(agent: AgentIdentity, body: Buffer, contentEncoding: string | undefined): Promise<{ processed: number; failed: number; errors: string[] }> {
    const metrics = parseWith(AgentPushSchema, decodeAgentBody(body, contentEncoding));
    const outcome = readAgentPush(metrics, agent.computeId);
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (tx) => {
      if (outcome.reading) await this.record(tx, agent.computeId, 'agent', outcome.reading, now, (prev, cur) => agentValues(prev, cur));
      await metricsRepository.touchAgent(tx, agent.computeId, { lastPushAt: now });
    });
    return { processed: outcome.processed, failed: outcome.failed, errors: outcome.errors };
  }

  /** The agent's heartbeat (every 10 min): its version and when it was last heard. */
  async heartbeat(agent: AgentIdentity, body: Buffer, contentEncoding: string | undefined): Promise<{ version: string }> {
    const beat = parseWith(AgentHeartbeatSchema, decodeAgentBody(body, contentEncoding));
    await metricsRepository.touchAgent(this.deps.db, agent.computeId, { agentVersion: beat.version, lastHeartbeatAt: this.deps.clock.now() });
    return { version: beat.version };
  }

  /**
   * The `metrics.sample-host` job: one hypervisor reading of every running machine, at most
   * `limit` per run (least recently sampled first), four at a time, each bounded by a timeout.
   */
  async sampleHosts(opts: { limit?: number; concurrency?: number; timeoutMs?: number } = {}): Promise<{ sampled: number; skipped: number }> {
    const { driver } = this.deps;
    if (!driver.sample) return { sampled: 0, skipped: 0 };
    const machines = await metricsRepository.runningMachines(this.deps.db, driver.kind, opts.limit ?? 2_000);
    let sampled = 0;
    let skipped = 0;
    const queue = [...machines];
    const worker = async () => {
      for (let m = queue.shift(); m; m = queue.shift()) {
        const machine = m;
        const reading = await withTimeout(driver.sample!({ id: machine.driverRef }), opts.timeoutMs ?? 5_000).catch(() => null);
        if (!reading) {
          skipped++;
          continue;
        }
        const now = this.deps.clock.now();
        const counters: Record<string, number> = { cpu_seconds: reading.cpuSeconds };
        if (reading.disk) Object.assign(counters, { disk_read_bytes: reading.disk.readBytes, disk_write_bytes: reading.disk.writeBytes, disk_read_ops: reading.disk.readOps, disk_write_ops: reading.disk.writeOps });
        if (reading.network) Object.assign(counters, { net_rx_bytes: reading.network.rxBytes, net_tx_bytes: reading.network.txBytes, net_rx_packets: reading.network.rxPackets, net_tx_packets: reading.network.txPackets });
        await this.deps.db
          .transaction((tx) => this.record(tx, machine.id, 'host', { readAt: reading.at, epoch: reading.epoch, counters, gauges: {} }, now, (prev, cur) => hostValues(prev, cur, reading.vcpus)))
          .then(() => sampled++)
          // The compute may have been destroyed and deleted meanwhile: skip it.
          .catch((err: unknown) => {
            skipped++;
            this.deps.logger.warn({ computeId: machine.id, err: { message: (err as Error).message } }, 'host metrics sample not stored');
          });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
    return { sampled, skipped };
  }

  /**
   * The `metrics.rollup` job: raw readings into five-minute rows and those into hourly rows, each
   * from where the last run stopped up to the last finished period (a minute's grace for pushes
   * still arriving), at most `maxPeriods` periods per run; then deletes expired rows in batches of
   * `batch`, at most `maxBatches` per table, never raw rows not yet rolled up.
   */
  async rollup(opts: { batch?: number; maxBatches?: number; maxPeriods?: number } = {}): Promise<{ rolled: { '5m': number; '1h': number }; deleted: { raw: number; '5m': number; '1h': number }; forgotten: number }> {
    const now = this.deps.clock.now();
    const batch = opts.batch ?? 5_000;
    const maxBatches = opts.maxBatches ?? 20;
    const rolled = { '5m': 0, '1h': 0 };
    const until: Record<'5m' | '1h', Date | null> = { '5m': null, '1h': null };
    for (const resolution of ['5m', '1h'] as const) {
      const period = resolution === '5m' ? 5 * MINUTE : HOUR;
      const maxSpan = (opts.maxPeriods ?? 288) * period;
      // Hourly rows are made from finished five-minute rows only.
      const limit = resolution === '5m' ? floorTo(now.getTime() - MINUTE, period) : floorTo((until['5m'] ?? now).getTime(), period);
      until[resolution] = await this.deps.db.transaction(async (tx) => {
        const cursor = await metricsRepository.rollupCursor(tx, resolution);
        const oldest = cursor ?? (await metricsRepository.oldest(tx, resolution));
        const from = oldest ? floorTo(oldest.getTime(), period) : limit;
        const to = Math.min(limit, from + maxSpan);
        if (to > from) rolled[resolution] = await metricsRepository.rollUp(tx, resolution, new Date(from), new Date(to));
        const reached = new Date(Math.max(to, from));
        await metricsRepository.saveRollupCursor(tx, resolution, reached);
        return reached;
      });
    }
    const day = 24 * HOUR;
    const cutoffs = {
      raw: Math.min(now.getTime() - METRICS_RETENTION_DAYS.raw * day, until['5m']!.getTime()),
      '5m': Math.min(now.getTime() - METRICS_RETENTION_DAYS['5m'] * day, until['1h']!.getTime()),
      '1h': now.getTime() - METRICS_RETENTION_DAYS['1h'] * day,
    };
    const deleted = { raw: 0, '5m': 0, '1h': 0 };
    for (const table of ['raw', '5m', '1h'] as const) {
      for (let i = 0; i < maxBatches; i++) {
        const n = await metricsRepository.deleteOlder(this.deps.db, table, new Date(cutoffs[table]), batch);
        deleted[table] += n;
        if (n < batch) break;
      }
    }
    const forgotten = await metricsRepository.forgetDestroyed(this.deps.db);
    return { rolled, deleted, forgotten };
  }

  /**
   * `GET /computes/{id}/metrics`: the compute's series over `range`, one per source, from the
   * table that holds that range (`RANGE_PLAN`). Any member of the team (`compute.read`).
   */
  async series(ctx: Context, computeId: string, range: MetricRange): Promise<MetricsView> {
    const access = await authorize(ctx, 'compute.read');
    const compute = await computesRepository.findInTeam(ctx.tx, access.teamId, computeId);
    if (!compute) throw new AppError('RESOURCE_NOT_FOUND', 'No such compute in this team.');
    const plan = RANGE_PLAN[range];
    const to = this.deps.clock.now();
    const from = new Date(to.getTime() - plan.ms);
    const rows = await metricsRepository.series(ctx.tx, { computeId, resolution: plan.resolution, from, to, stepSeconds: plan.stepSeconds });
    const series: MetricSeries[] = [];
    for (const source of ['agent', 'host'] as const) {
      const mine = rows.filter((r) => r.source === source);
      if (mine.length === 0) continue;
      const columns = (pick: 'avg' | 'max') => Object.fromEntries(METRIC_FIELDS.map((f) => [f.key, mine.map((r) => r[pick][f.key])])) as MetricSeries['avg'];
      series.push({ source, timestamps: mine.map((r) => r.t), avg: columns('avg'), max: columns('max') });
    }
    const agent = await metricsRepository.agentStatus(ctx.tx, computeId);
    return {
      computeId,
      range,
      resolution: plan.resolution,
      stepSeconds: plan.stepSeconds,
      from,
      to,
      series,
      agent: { version: agent?.agentVersion ?? null, lastPushAt: agent?.lastPushAt ?? null, lastHeartbeatAt: agent?.lastHeartbeatAt ?? null },
    };
  }

  /** Stores one reading: its values from the difference to the previous one, then it becomes the previous one. */
  private async record(
    tx: Tx,
    computeId: string,
    source: MetricSource,
    reading: Reading,
    now: Date,
    valuesOf: (prev: PreviousReading | null, cur: Reading) => MetricValues,
  ): Promise<void> {
    const prev = await metricsRepository.lockCursor(tx, computeId, source);
    await metricsRepository.insertSample(tx, { computeId, source, at: now, values: valuesOf(prev, reading) });
    await metricsRepository.saveCursor(tx, { computeId, source, readAt: reading.readAt, epoch: reading.epoch, counters: reading.counters, now });
  }
}

function floorTo(ms: number, period: number): number {
  return Math.floor(ms / period) * period;
}

/** IPv4 as the network sees it (`::ffff:10.0.0.5` is 10.0.0.5); null for anything else. */
function normaliseIp(ip: string | null): string | null {
  if (!ip) return null;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return parseIpv4(v4) === null ? null : v4;
}

function inBlock(block: Ipv4Block, ip: string): boolean {
  const n = parseIpv4(ip);
  return n !== null && n >= block.network && n < block.network + block.size;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms)))]).finally(() => clearTimeout(timer));
}
