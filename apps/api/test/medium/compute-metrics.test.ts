/**
 * Compute metrics on a real database: the agent's token from the metadata route, its pushes
 * (snappy JSON in node_exporter names) checked and turned into rates, the hypervisor's readings
 * through the job system, roll-ups computed exactly under a moved clock, the range picking its
 * table, expired rows deleted in batches, and one team never seeing another's numbers.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import snappy from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, MINUTE } from '../../src/shared/clock.ts';
import { dbKind } from '../db.ts';
import { buildApiKey, buildMember } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bar@test';
const INGEST = '/resource-manager/api/v1/metrics/ingest';
const GiB = 1024 ** 3;

interface Counters {
  cpu: Record<string, number>;
  disk: { rb: number; wb: number; r: number; w: number };
  net: { rb: number; tb: number; rp: number; tp: number };
}

/** One push as sc-metrics-agent sends it: node_exporter names, `vm_id` on every metric, counters as totals. */
function agentPush(vmId: string, ts: number, c: Counters, load1: number) {
  const m = (name: string, value: number, labels: Record<string, string> = {}, type = 'gauge') => ({ name, labels: { vm_id: vmId, ...labels }, value, timestamp: ts, type });
  return [
    ...Object.entries(c.cpu).map(([mode, v]) => m('node_cpu_seconds_total', v, { mode }, 'counter')),
    m('node_memory_MemTotal_bytes', 2 * GiB),
    m('node_memory_MemAvailable_bytes', 1.5 * GiB),
    m('node_memory_MemFree_bytes', 1 * GiB),
    m('node_load1', load1),
    m('node_load5', 1),
    m('node_load15', 0.5),
    m('node_disk_read_bytes_total', c.disk.rb, { device: 'vda' }, 'counter'),
    m('node_disk_written_bytes_total', c.disk.wb, { device: 'vda' }, 'counter'),
    m('node_disk_reads_completed_total', c.disk.r, { device: 'vda' }, 'counter'),
    m('node_disk_writes_completed_total', c.disk.w, { device: 'vda' }, 'counter'),
    m('node_network_receive_bytes_total', c.net.rb, { device: 'eth0', ip_address: '10.0.0.2' }, 'counter'),
    m('node_network_transmit_bytes_total', c.net.tb, { device: 'eth0', ip_address: '10.0.0.2' }, 'counter'),
    m('node_network_receive_packets_total', c.net.rp, { device: 'eth0' }, 'counter'),
    m('node_network_transmit_packets_total', c.net.tp, { device: 'eth0' }, 'counter'),
    // Loopback is not the machine's traffic.
    m('node_network_receive_bytes_total', 9e12, { device: 'lo' }, 'counter'),
    m('node_filesystem_size_bytes', 10e9, { device: '/dev/vda1', fstype: 'ext4', mountpoint: '/' }),
    m('node_filesystem_free_bytes', 4e9, { device: '/dev/vda1', fstype: 'ext4', mountpoint: '/' }),
  ];
}

/** Counters after `n` pushes 30 s apart: 20 % user, 10 % system, 1000 B/s read, 4000 B/s written, 5 and 2 IOPS, 2000/500 B/s and 10/4 packets/s. */
function countersAt(n: number): Counters {
  const s = 30 * n;
  return {
    cpu: { user: 0.2 * s, nice: 0, system: 0.1 * s, idle: 0.7 * s, iowait: 0, irq: 0, softirq: 0, steal: 0 },
    disk: { rb: 1000 * s, wb: 4000 * s, r: 5 * s, w: 2 * s },
    net: { rb: 2000 * s, tb: 500 * s, rp: 10 * s, tp: 4 * s },
  };
}

const compress = (v: unknown) => Buffer.from(snappy.compress(Buffer.from(JSON.stringify(v))));

describe(`compute metrics (${dbKind})`, () => {
  // Aligned to a five-minute boundary, plus 15 s, so every period holds exactly ten 30 s pushes.
  const clock = new ManualClock('2026-03-02T10:00:15Z');
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    t = await startTestPlatform({ HYPERVISOR_DRIVER: 'fake', HYPERVISOR_FAKE_DELAY_MS: '0', RATE_LIMIT_API_KEY: '100000' }, { clock });
  });
  afterAll(() => t?.close());
  const db = () => t.deps.database.db;

  async function team() {
    const key = await buildApiKey(db(), t.deps.apiKeys);
    await db().transaction((tx) =>
      t.deps.ledger.post(tx, { teamId: key.teamId, kind: 'credit', reference: `test-credit:${key.teamId}`, description: 'Test credit', actor: { type: 'system', id: 'test' }, entries: [{ account: 'team_wallet', teamId: key.teamId, amount: 100_000 }, { account: 'promotional_credit', amount: -100_000 }] }),
    );
    return key;
  }
  async function running(secret: string): Promise<{ id: string; privateIpv4: string }> {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/computes', headers: { authorization: `Bearer ${secret}`, 'idempotency-key': crypto.randomUUID() }, payload: { hostName: `m-${crypto.randomBytes(3).toString('hex')}`, image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C', publicKeys: [KEY] } });
    expect(res.statusCode, res.body).toBe(202);
    await t.platform.worker().drain();
    const { id, privateIpv4 } = res.json().data as { id: string; privateIpv4: string };
    const now = await t.app.inject({ method: 'GET', url: `/api/v1/computes/${id}/actions`, headers: { authorization: `Bearer ${secret}` } });
    const state = (await t.app.inject({ method: 'GET', url: `/api/v1/computes/${id}`, headers: { authorization: `Bearer ${secret}` } })).json().data.state;
    expect(state, now.body).toBe('RUNNING');
    return { id, privateIpv4 };
  }
  const tokenFor = async (c: { id: string; privateIpv4: string }) => {
    const res = await t.app.inject({ method: 'GET', url: '/metadata/v1/auth-token', remoteAddress: c.privateIpv4, headers: { 'x-resource-id': c.id, accept: 'application/json' } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { token: string; cloudAPIUrl: string };
  };
  const ingest = (token: string | null, body: Buffer | string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: INGEST,
      headers: { 'content-type': 'application/timeseries-binary-0', 'content-encoding': 'snappy', 'user-agent': 'sc-metrics-agent/1.0', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      payload: body,
    });
  const metricsOf = async (secret: string, id: string, range: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/computes/${id}/metrics?range=${range}`, headers: { authorization: `Bearer ${secret}` } });
    return { status: res.statusCode, body: res.json() as { data: { resolution: string; stepSeconds: number; series: Array<{ source: string; timestamps: string[]; avg: Record<string, (number | null)[]>; max: Record<string, (number | null)[]> }>; agent: { version: string | null } } } };
  };

  it('gives the agent a token only from the compute\'s own address; refuses bad tokens; never logs one', async () => {
    const { secret } = await team();
    const c = await running(secret);
    const ask = (ip: string, id: string) => t.app.inject({ method: 'GET', url: '/metadata/v1/auth-token', remoteAddress: ip, headers: { 'x-resource-id': id } });
    expect((await ask('127.0.0.1', c.id)).statusCode).toBe(403);
    expect((await ask('10.9.9.9', c.id)).statusCode).toBe(403);
    expect((await ask(c.privateIpv4, crypto.randomUUID())).statusCode).toBe(403);
    expect((await ask(c.privateIpv4, 'not-a-uuid')).statusCode).toBe(403);
    const { token, cloudAPIUrl } = await tokenFor(c);
    expect(token).toMatch(/^sca_[A-Za-z0-9_-]{43}$/);
    expect(cloudAPIUrl).toBe(t.deps.config.PUBLIC_URL);

    const body = compress(agentPush(c.id, clock.now().getTime(), countersAt(0), 0.25));
    expect((await ingest(null, body)).statusCode).toBe(401);
    expect((await ingest(`sca_${crypto.randomBytes(32).toString('base64url')}`, body)).json()).toMatchObject({ success: false, code: 'UNAUTHORIZED' });
    const okRes = await ingest(token, body);
    expect(okRes.statusCode, okRes.body).toBe(202);
    // The loopback counter is a supported name, left out of the traffic: all 25 were processed.
    expect(okRes.json().data).toMatchObject({ status: 'metrics processed', processed: 25, failed: 0 });

    // A new token replaces the old, which keeps working for its grace minutes only.
    const second = await tokenFor(c);
    clock.advance(30_000);
    expect((await ingest(token, compress(agentPush(c.id, clock.now().getTime(), countersAt(1), 0.25)))).statusCode).toBe(202);
    clock.advance(11 * MINUTE);
    expect((await ingest(token, compress(agentPush(c.id, clock.now().getTime(), countersAt(2), 0.25)))).statusCode).toBe(401);
    expect((await ingest(second.token, compress(agentPush(c.id, clock.now().getTime(), countersAt(3), 0.25)))).statusCode).toBe(202);

    // Heartbeat: plain JSON, although the agent labels it snappy; the version is kept.
    const beat = await t.app.inject({ method: 'POST', url: '/resource-manager/api/v1/compute/agent/heartbeat', headers: { authorization: `Bearer ${second.token}`, 'content-type': 'application/json', 'content-encoding': 'snappy' }, payload: JSON.stringify({ agentType: 'SC-METRICS-AGENT', eventTime: clock.now().toISOString(), version: '3.17.1' }) });
    expect(beat.statusCode, beat.body).toBe(200);
    expect((await metricsOf(secret, c.id, '1h')).body.data.agent.version).toBe('3.17.1');

    const logs = t.logLines.join('\n');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(second.token);
    // Only hashes are stored.
    const stored = await db().execute<{ token_hash: string }>(sql`select token_hash from compute_agent_tokens where compute_id = ${c.id}`);
    expect(JSON.stringify(stored.rows)).not.toContain(second.token.slice(4));
  });

  it('validates pushes strictly: type, encoding, shape, size, decompression bombs, foreign vm_id, and a rate limit per compute', async () => {
    clock.advance(MINUTE);
    const { secret } = await team();
    const c = await running(secret);
    const { token } = await tokenFor(c);
    const now = clock.now().getTime();
    expect((await ingest(token, compress([]), { 'content-type': 'text/plain' })).statusCode).toBe(415);
    expect((await ingest(token, compress([]), { 'content-encoding': 'gzip' })).statusCode).toBe(415);
    expect((await ingest(token, Buffer.from('not json at all'))).json()).toMatchObject({ code: 'BAD_REQUEST' });
    expect((await ingest(token, compress([{ name: 'node_load1', labels: { vm_id: c.id }, value: 'high', timestamp: now, type: 'gauge' }]))).json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((await ingest(token, compress([]))).json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((await ingest(token, Buffer.alloc(300 * 1024, 1))).statusCode).toBe(413);
    // A snappy stream announcing 100 MB is refused before anything is allocated.
    const bomb = Buffer.from([0x80, 0xc2, 0xd7, 0x2f, 0x00, 0x5b]);
    expect((await ingest(token, bomb)).statusCode).toBe(400);

    const mixed = [
      ...agentPush(c.id, now, countersAt(0), 1).slice(0, 3),
      { name: 'node_load1', labels: { vm_id: crypto.randomUUID() }, value: 9, timestamp: now, type: 'gauge' },
      { name: 'node_load1', labels: {}, value: 9, timestamp: now, type: 'gauge' },
      { name: 'node_boot_time_seconds', labels: { vm_id: c.id }, value: 9, timestamp: now, type: 'gauge' },
    ];
    const res = await ingest(token, compress(mixed));
    expect(res.statusCode).toBe(202);
    expect(res.json().data).toMatchObject({ processed: 3, failed: 3 });
    expect(res.json().data.errors).toEqual(['Metric 3: vm_id is not the machine this token belongs to', 'Metric 4: vm_id label is required', 'Unsupported metric: node_boot_time_seconds']);
    const load = await db().execute<{ n: number }>(sql`select count(*)::int as n from compute_metric_samples where compute_id = ${c.id} and load1 = 9`);
    expect(load.rows[0]!.n).toBe(0);

    // Ten pushes a minute, refused ones included (seven above; the oversized one never reached the
    // route); the eleventh waits, with Retry-After, which the agent honours.
    const body = compress(agentPush(c.id, now, countersAt(0), 1));
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 5; i++) {
      const r = await ingest(token, body);
      statuses.push(r.statusCode);
      retryAfter ??= r.headers['retry-after'] as string | undefined;
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    clock.advance(MINUTE);
    expect((await ingest(token, body)).statusCode).toBe(202);
  });

  it('turns counters into exact rates, rolls two hours of 30 s pushes into exact 5-minute and hourly rows, and picks the table by range', async () => {
    // A day later: the scheduled roll-ups the earlier tests' worker runs fired have moved its cursor.
    clock.set('2026-03-03T10:00:15Z');
    const { secret } = await team();
    const c = await running(secret);
    let { token } = await tokenFor(c);
    let agentTs = 1_700_000_000_000;
    for (let i = 0; i < 240; i++) {
      if (i > 0 && i % 60 === 0) token = (await tokenFor(c)).token; // the agent refreshes its token every 30 min
      const res = await ingest(token, compress(agentPush(c.id, agentTs, countersAt(i), i)));
      expect(res.statusCode, res.body).toBe(202);
      clock.advance(30_000);
      agentTs += 30_000;
    }
    const raw = await db().execute<Record<string, number | null>>(sql`
      select cpu_pct, cpu_user_pct, cpu_system_pct, mem_used_bytes, mem_total_bytes, load1, disk_read_bps, disk_write_bps, disk_read_iops, disk_write_iops,
             net_rx_bps, net_tx_bps, net_rx_pps, net_tx_pps, fs_used_bytes, fs_total_bytes
      from compute_metric_samples where compute_id = ${c.id} and source = 'agent' order by at`);
    expect(raw.rows).toHaveLength(240);
    // The first push has gauges only: a rate needs two readings.
    expect(raw.rows[0]).toMatchObject({ cpu_pct: null, disk_read_bps: null, mem_used_bytes: 0.5 * GiB, mem_total_bytes: 2 * GiB, fs_used_bytes: 6e9, fs_total_bytes: 10e9 });
    const r = raw.rows[1]!;
    expect(r.cpu_pct).toBeCloseTo(30, 9);
    expect(r.cpu_user_pct).toBeCloseTo(20, 9);
    expect(r.cpu_system_pct).toBeCloseTo(10, 9);
    expect(r).toMatchObject({ load1: 1, disk_read_bps: 1000, disk_write_bps: 4000, disk_read_iops: 5, disk_write_iops: 2, net_rx_bps: 2000, net_tx_bps: 500, net_rx_pps: 10, net_tx_pps: 4 });

    // Two hours of pushes, ten per five minutes: load1 is the push number, so each average is known.
    clock.set('2026-03-03T12:01:30Z');
    const run = await t.deps.metrics.rollup({ maxPeriods: 1_000 });
    expect(run.rolled['5m']).toBeGreaterThanOrEqual(24);
    const five = await db().execute<{ bucket: Date | string; samples: number; load1_avg: number; load1_max: number; disk_read_bps_avg: number | null }>(sql`
      select bucket, samples, load1_avg, load1_max, disk_read_bps_avg from compute_metrics_5m where compute_id = ${c.id} and source = 'agent' order by bucket`);
    expect(five.rows).toHaveLength(24);
    five.rows.forEach((row, k) => {
      expect(new Date(row.bucket).toISOString()).toBe(new Date(Date.parse('2026-03-03T10:00:00Z') + k * 5 * MINUTE).toISOString());
      expect(row.samples).toBe(10);
      expect(row.load1_avg).toBe(10 * k + 4.5);
      expect(row.load1_max).toBe(10 * k + 9);
      expect(row.disk_read_bps_avg).toBeCloseTo(1000, 6);
    });
    const hourly = await db().execute<{ samples: number; load1_avg: number; load1_max: number }>(sql`
      select samples, load1_avg, load1_max from compute_metrics_1h where compute_id = ${c.id} and source = 'agent' order by bucket`);
    expect(hourly.rows).toEqual([
      { samples: 120, load1_avg: 59.5, load1_max: 119 },
      { samples: 120, load1_avg: 179.5, load1_max: 239 },
    ]);
    // Running it again changes nothing.
    await t.deps.metrics.rollup();
    expect((await db().execute(sql`select 1 from compute_metrics_5m where compute_id = ${c.id}`)).rows).toHaveLength(24);

    const load = (d: Awaited<ReturnType<typeof metricsOf>>) => d.body.data.series.find((s) => s.source === 'agent')!;
    const h1 = await metricsOf(secret, c.id, '1h');
    expect(h1.status).toBe(200);
    expect(h1.body.data).toMatchObject({ resolution: 'raw', stepSeconds: 30 });
    expect(load(h1).timestamps).toHaveLength(117); // pushes 123–239: 11:01:45 to 11:59:45
    expect(load(h1).avg.load1!.at(-1)).toBe(239);
    const h6 = await metricsOf(secret, c.id, '6h');
    expect(h6.body.data).toMatchObject({ resolution: 'raw', stepSeconds: 180 });
    expect(load(h6).timestamps).toHaveLength(40);
    expect(load(h6).avg.load1![0]).toBe(2.5); // pushes 0–5
    expect(load(h6).max.load1![0]).toBe(5);
    const d1 = await metricsOf(secret, c.id, '24h');
    expect(d1.body.data).toMatchObject({ resolution: '5m', stepSeconds: 600 });
    expect(load(d1).avg.load1).toEqual(Array.from({ length: 12 }, (_, k) => 20 * k + 9.5));
    const d7 = await metricsOf(secret, c.id, '7d');
    expect(d7.body.data).toMatchObject({ resolution: '5m', stepSeconds: 3600 });
    expect(load(d7).avg.load1).toEqual([59.5, 179.5]);
    const d30 = await metricsOf(secret, c.id, '30d');
    expect(d30.body.data).toMatchObject({ resolution: '1h', stepSeconds: 14_400 });
    expect(load(d30).avg.load1).toEqual([119.5]);
    expect(load(d30).max.load1).toEqual([239]);
    expect(load(d30).avg.cpuPercent![0]).toBeCloseTo(30, 6);
    expect((await metricsOf(secret, c.id, '2h')).status).toBe(400);

    // Expired rows go in bounded batches: raw after two days, five-minute rows after eight, hourly after 32.
    clock.set('2026-03-05T12:10:00Z');
    const first = await t.deps.metrics.rollup({ batch: 100, maxBatches: 1 });
    expect(first.deleted.raw).toBe(100);
    const rest = await t.deps.metrics.rollup({ batch: 100, maxBatches: 10 });
    expect(rest.deleted.raw).toBeGreaterThanOrEqual(140);
    expect((await db().execute(sql`select 1 from compute_metric_samples where compute_id = ${c.id}`)).rows).toHaveLength(0);
    expect((await db().execute(sql`select 1 from compute_metrics_5m where compute_id = ${c.id}`)).rows).toHaveLength(24);
    clock.set('2026-03-11T12:10:00Z');
    await t.deps.metrics.rollup();
    expect((await db().execute(sql`select 1 from compute_metrics_5m where compute_id = ${c.id}`)).rows).toHaveLength(0);
    expect((await db().execute(sql`select 1 from compute_metrics_1h where compute_id = ${c.id}`)).rows).toHaveLength(2);
    clock.set('2026-04-05T12:10:00Z');
    await t.deps.metrics.rollup();
    expect((await db().execute(sql`select 1 from compute_metrics_1h where compute_id = ${c.id}`)).rows).toHaveLength(0);
  });

  it('samples running machines on the hypervisor through the job system, so graphs work without the agent', async () => {
    clock.set('2026-05-01T08:00:10Z');
    const { secret } = await team();
    const c = await running(secret);
    const worker = t.platform.worker();
    for (let i = 0; i < 4; i++) {
      clock.advance(30_000);
      await worker.drain();
    }
    const rows = await db().execute<{ cpu_pct: number | null; disk_read_bps: number | null; net_rx_bps: number | null; mem_used_bytes: number | null; load1: number | null }>(sql`
      select cpu_pct, disk_read_bps, net_rx_bps, mem_used_bytes, load1 from compute_metric_samples where compute_id = ${c.id} and source = 'host' order by at`);
    expect(rows.rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.rows[0]!.cpu_pct).toBeNull(); // the first reading has nothing to compare with
    for (const row of rows.rows.slice(1)) {
      expect(row.cpu_pct).toBeGreaterThan(0);
      expect(row.cpu_pct).toBeLessThan(100);
      expect(row.disk_read_bps).toBeGreaterThan(0);
      expect(row.net_rx_bps).toBeGreaterThan(0);
      // Inside the guest is the agent's to tell.
      expect(row.mem_used_bytes).toBeNull();
      expect(row.load1).toBeNull();
    }
    const host = (await metricsOf(secret, c.id, '1h')).body.data.series.find((s) => s.source === 'host');
    expect(host?.timestamps.length).toBe(rows.rows.length);
    // A stopped machine is not sampled.
    const stop = await t.app.inject({ method: 'POST', url: `/api/v1/computes/${c.id}/stop`, headers: { authorization: `Bearer ${secret}` } });
    expect(stop.statusCode).toBe(202);
    await worker.drain();
    const before = rows.rows.length;
    clock.advance(30_000);
    await worker.drain();
    expect((await db().execute(sql`select 1 from compute_metric_samples where compute_id = ${c.id} and source = 'host'`)).rows).toHaveLength(before);
  });

  it('shows a compute\'s metrics to every member of its team and to nobody else; destroying refuses the token; deleting the team erases them', async () => {
    clock.set('2026-06-01T09:00:00Z');
    const owner = await team();
    const c = await running(owner.secret);
    const { token } = await tokenFor(c);
    expect((await ingest(token, compress(agentPush(c.id, clock.now().getTime(), countersAt(0), 1)))).statusCode).toBe(202);

    const member = await buildApiKey(db(), t.deps.apiKeys, owner.teamId, { role: 'MEMBER' });
    const seen = await metricsOf(member.secret, c.id, '1h');
    expect(seen.status).toBe(200);
    expect(seen.body.data.series.map((s) => s.source)).toEqual(['agent']);
    const stranger = await team();
    const other = await metricsOf(stranger.secret, c.id, '1h');
    expect(other.status).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain('load1');
    expect((await metricsOf(owner.secret, crypto.randomUUID(), '1h')).status).toBe(404);
    await buildMember(db(), stranger.teamId); // membership elsewhere changes nothing

    const destroy = await t.app.inject({ method: 'DELETE', url: `/api/v1/computes/${c.id}`, headers: { authorization: `Bearer ${owner.secret}` } });
    expect(destroy.statusCode).toBe(202);
    expect((await ingest(token, compress(agentPush(c.id, clock.now().getTime(), countersAt(1), 1)))).statusCode).toBe(401);
    await t.platform.worker().drain();
    const count = async () =>
      (await db().execute<{ n: number }>(sql`
        select (select count(*) from compute_metric_samples where compute_id = ${c.id}) + (select count(*) from compute_agent_tokens where compute_id = ${c.id})
             + (select count(*) from compute_metric_cursors where compute_id = ${c.id}) as n`)).rows[0]!.n;
    expect(Number(await count())).toBeGreaterThan(0);
    const deleted = await t.app.inject({ method: 'DELETE', url: `/api/v1/teams/${owner.teamId}`, headers: { authorization: `Bearer ${owner.secret}` } });
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(Number(await count())).toBe(0);
  });

  it('states the same retention in the data map as the roll-up job enforces', async () => {
    const { dataMap } = await import('../../src/modules/privacy/data-map.ts');
    const { METRICS_RETENTION_DAYS } = await import('../../src/modules/computes/metrics/index.ts');
    const days = (table: keyof typeof dataMap, column: string) => {
      const d = (dataMap[table] as Record<string, { personal: boolean; retention?: { days?: number } }>)[column]!;
      return d.personal ? d.retention?.days : undefined;
    };
    expect(days('compute_metric_samples', 'cpu_pct')).toBe(METRICS_RETENTION_DAYS.raw);
    expect(days('compute_metrics_5m', 'cpu_pct_avg')).toBe(METRICS_RETENTION_DAYS['5m']);
    expect(days('compute_metrics_1h', 'net_tx_pps_max')).toBe(METRICS_RETENTION_DAYS['1h']);
  });
});

describe(`compute metrics with metadata relays (${dbKind})`, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    t = await startTestPlatform({ HYPERVISOR_DRIVER: 'fake', HYPERVISOR_FAKE_DELAY_MS: '0', METRICS_METADATA_RELAYS: '10.255.0.0/24' });
  });
  afterAll(() => t?.close());

  it('believes only the relays once they are configured, not a private address every team network shares', async () => {
    const db = t.deps.database.db;
    const key = await buildApiKey(db, t.deps.apiKeys);
    await db.transaction((tx) =>
      t.deps.ledger.post(tx, { teamId: key.teamId, kind: 'credit', reference: `test-credit:${key.teamId}`, description: 'Test credit', actor: { type: 'system', id: 'test' }, entries: [{ account: 'team_wallet', teamId: key.teamId, amount: 100_000 }, { account: 'promotional_credit', amount: -100_000 }] }),
    );
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/computes', headers: { authorization: `Bearer ${key.secret}`, 'idempotency-key': crypto.randomUUID() }, payload: { hostName: 'relayed', image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C', publicKeys: [KEY] } });
    expect(res.statusCode, res.body).toBe(202);
    await t.platform.worker().drain();
    const { id, privateIpv4 } = res.json().data as { id: string; privateIpv4: string };
    const ask = (ip: string) => t.app.inject({ method: 'GET', url: '/metadata/v1/auth-token', remoteAddress: ip, headers: { 'x-resource-id': id } });
    expect((await ask(privateIpv4)).statusCode).toBe(403);
    expect((await ask('10.255.1.1')).statusCode).toBe(403);
    expect((await ask('10.255.0.7')).statusCode).toBe(200);
  });
});
