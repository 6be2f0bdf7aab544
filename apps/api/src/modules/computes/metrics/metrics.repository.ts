import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../db/database.ts';
import { METRIC_FIELDS, type MetricSource, type MetricValues, type Resolution } from './metrics.fields.ts';
import { computeAgentTokens, computeMetricCursors, computeMetricSamples, metricRollupCursors } from './metrics.schema.ts';
import type { PreviousReading } from './readings.ts';

export type AgentTokenRow = typeof computeAgentTokens.$inferSelect;

/** Bucket boundaries are aligned to this instant (a Saturday midnight UTC), so hours and days start where people expect. */
const ORIGIN = sql.raw(`timestamptz '2000-01-01 00:00:00+00'`);
const col = (name: string) => sql.identifier(name);
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const ROLLUP_TABLE: Record<'5m' | '1h', string> = { '5m': 'compute_metrics_5m', '1h': 'compute_metrics_1h' };
const PERIOD: Record<'5m' | '1h', string> = { '5m': '5 minutes', '1h': '1 hour' };

export interface SeriesRow {
  source: MetricSource;
  t: Date;
  avg: MetricValues;
  max: MetricValues;
}

const toDate = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export const metricsRepository = {
  async insertSample(ex: Executor, row: { computeId: string; source: MetricSource; at: Date; values: MetricValues }): Promise<void> {
    const values = Object.fromEntries(METRIC_FIELDS.map((f) => [f.column, row.values[f.key]]));
    await ex
      .insert(computeMetricSamples)
      .values({ computeId: row.computeId, source: row.source, at: row.at, ...values })
      .onConflictDoNothing();
  },

  /** The last reading of a compute's source, locked until the transaction ends (two pushes at once see each other). */
  async lockCursor(ex: Executor, computeId: string, source: MetricSource): Promise<PreviousReading | null> {
    const [row] = await ex
      .select()
      .from(computeMetricCursors)
      .where(and(eq(computeMetricCursors.computeId, computeId), eq(computeMetricCursors.source, source)))
      .for('update');
    return row ? { readAt: row.readAt, epoch: row.epoch, counters: row.counters } : null;
  },

  async saveCursor(ex: Executor, row: { computeId: string; source: MetricSource; readAt: number; epoch: string; counters: Record<string, number>; now: Date }): Promise<void> {
    const set = { readAt: row.readAt, epoch: row.epoch, counters: row.counters, updatedAt: row.now };
    await ex
      .insert(computeMetricCursors)
      .values({ computeId: row.computeId, source: row.source, ...set })
      .onConflictDoUpdate({ target: [computeMetricCursors.computeId, computeMetricCursors.source], set });
  },

  async agentToken(ex: Executor, computeId: string): Promise<AgentTokenRow | undefined> {
    const [row] = await ex.select().from(computeAgentTokens).where(eq(computeAgentTokens.computeId, computeId)).for('update');
    return row;
  },

  async saveAgentToken(ex: Executor, row: typeof computeAgentTokens.$inferInsert): Promise<void> {
    const { computeId: _key, ...set } = row;
    await ex.insert(computeAgentTokens).values(row).onConflictDoUpdate({ target: computeAgentTokens.computeId, set });
  },

  /** The compute a token belongs to, with its state, while the token is valid. */
  async findByTokenHash(ex: Executor, hash: string, now: Date): Promise<{ computeId: string; state: string } | undefined> {
    const result = await ex.execute<{ compute_id: string; state: string }>(sql`
      select t.compute_id, c.state from compute_agent_tokens t join computes c on c.id = t.compute_id
      where (t.token_hash = ${hash} and t.expires_at > ${ts(now)})
         or (t.previous_hash = ${hash} and t.previous_expires_at > ${ts(now)})
      limit 1`);
    const row = result.rows[0];
    return row ? { computeId: row.compute_id, state: row.state } : undefined;
  },

  async deleteAgentToken(ex: Executor, computeId: string): Promise<void> {
    await ex.delete(computeAgentTokens).where(eq(computeAgentTokens.computeId, computeId));
  },

  async touchAgent(ex: Executor, computeId: string, patch: Partial<Pick<AgentTokenRow, 'agentVersion' | 'lastHeartbeatAt' | 'lastPushAt'>>): Promise<void> {
    await ex.update(computeAgentTokens).set(patch).where(eq(computeAgentTokens.computeId, computeId));
  },

  async agentStatus(ex: Executor, computeId: string): Promise<Pick<AgentTokenRow, 'agentVersion' | 'lastHeartbeatAt' | 'lastPushAt'> | undefined> {
    const [row] = await ex
      .select({ agentVersion: computeAgentTokens.agentVersion, lastHeartbeatAt: computeAgentTokens.lastHeartbeatAt, lastPushAt: computeAgentTokens.lastPushAt })
      .from(computeAgentTokens)
      .where(eq(computeAgentTokens.computeId, computeId));
    return row;
  },

  /** Running machines of a driver, for the host-side sampler, at most `limit`, least recently sampled first. */
  async runningMachines(ex: Executor, driver: string, limit: number): Promise<Array<{ id: string; driverRef: string }>> {
    const result = await ex.execute<{ id: string; driver_ref: string }>(sql`
      select c.id, c.driver_ref from computes c
      left join compute_metric_cursors k on k.compute_id = c.id and k.source = 'host'
      where c.driver = ${driver} and c.state = 'RUNNING' and c.driver_ref is not null
      order by k.updated_at asc nulls first, c.id
      limit ${limit}`);
    return result.rows.map((r) => ({ id: r.id, driverRef: r.driver_ref }));
  },

  async rollupCursor(ex: Executor, resolution: '5m' | '1h'): Promise<Date | null> {
    const [row] = await ex.select().from(metricRollupCursors).where(eq(metricRollupCursors.resolution, resolution)).for('update');
    return row?.rolledUntil ?? null;
  },

  async saveRollupCursor(ex: Executor, resolution: '5m' | '1h', until: Date): Promise<void> {
    await ex.insert(metricRollupCursors).values({ resolution, rolledUntil: until }).onConflictDoUpdate({ target: metricRollupCursors.resolution, set: { rolledUntil: until } });
  },

  /** Start of the oldest row a roll-up would read: the first raw sample, or the first five-minute row. */
  async oldest(ex: Executor, resolution: '5m' | '1h'): Promise<Date | null> {
    const result = await ex.execute<{ t: Date | string | null }>(
      resolution === '5m' ? sql`select min(at) as t from compute_metric_samples` : sql`select min(bucket) as t from compute_metrics_5m`,
    );
    const t = result.rows[0]?.t;
    return t === null || t === undefined ? null : toDate(t);
  },

  /**
   * Rolls [from, to) up into `resolution`: raw samples into five-minute rows, five-minute rows
   * into hourly ones (averages weighed by the readings behind each row). Rows are rewritten whole,
   * so running a period twice changes nothing. Returns the rows written.
   */
  async rollUp(ex: Executor, resolution: '5m' | '1h', from: Date, to: Date): Promise<number> {
    const target = col(ROLLUP_TABLE[resolution]);
    const bucket = sql`date_bin(${sql.raw(`interval '${PERIOD[resolution]}'`)}, ${col(resolution === '5m' ? 'at' : 'bucket')}, ${ORIGIN})`;
    const columns = METRIC_FIELDS.flatMap((f) => [col(`${f.column}_avg`), col(`${f.column}_max`)]);
    const aggregates =
      resolution === '5m'
        ? METRIC_FIELDS.flatMap((f) => [sql`avg(${col(f.column)})`, sql`max(${col(f.column)})`])
        : METRIC_FIELDS.flatMap((f) => [weighted(f.column), sql`max(${col(`${f.column}_max`)})`]);
    const source = resolution === '5m' ? sql`compute_metric_samples` : sql`compute_metrics_5m`;
    const timeCol = col(resolution === '5m' ? 'at' : 'bucket');
    const count = resolution === '5m' ? sql`count(*)::int` : sql`sum(samples)::int`;
    const result = await ex.execute(sql`
      insert into ${target} (compute_id, source, bucket, samples, ${sql.join(columns, sql`, `)})
      select compute_id, source, ${bucket} as b, ${count}, ${sql.join(aggregates, sql`, `)}
      from ${source}
      where ${timeCol} >= ${ts(from)} and ${timeCol} < ${ts(to)}
      group by compute_id, source, b
      on conflict (compute_id, source, bucket) do update set samples = excluded.samples, ${sql.join(
        columns.map((c) => sql`${c} = excluded.${c}`),
        sql`, `,
      )}`);
    return result.rowCount ?? 0;
  },

  /**
   * Deletes up to `batch` rows of `table` older than `before`, by their physical address, so one
   * statement never holds a long lock on millions of rows. Returns the rows deleted.
   */
  async deleteOlder(ex: Executor, table: 'raw' | '5m' | '1h', before: Date, batch: number): Promise<number> {
    const name = col(table === 'raw' ? 'compute_metric_samples' : ROLLUP_TABLE[table]);
    const timeCol = col(table === 'raw' ? 'at' : 'bucket');
    const result = await ex.execute(sql`
      delete from ${name} where ctid in (select ctid from ${name} where ${timeCol} < ${ts(before)} limit ${batch})`);
    return result.rowCount ?? 0;
  },

  /** Agent tokens and counter cursors of computes that are being or were destroyed. */
  async forgetDestroyed(ex: Executor): Promise<number> {
    const tokens = await ex.execute(sql`delete from compute_agent_tokens t using computes c where c.id = t.compute_id and c.state in ('DESTROYING', 'DESTROYED')`);
    const cursors = await ex.execute(sql`delete from compute_metric_cursors k using computes c where c.id = k.compute_id and c.state in ('DESTROYING', 'DESTROYED')`);
    return (tokens.rowCount ?? 0) + (cursors.rowCount ?? 0);
  },

  /** Points of one compute in [from, to], per source, `stepSeconds` apart, from the table of `resolution`. */
  async series(ex: Executor, input: { computeId: string; resolution: Resolution; from: Date; to: Date; stepSeconds: number }): Promise<SeriesRow[]> {
    const raw = input.resolution === 'raw';
    const table = col(raw ? 'compute_metric_samples' : ROLLUP_TABLE[input.resolution as '5m' | '1h']);
    const timeCol = col(raw ? 'at' : 'bucket');
    const step = sql.raw(`interval '${Math.trunc(input.stepSeconds)} seconds'`);
    const aggregates = METRIC_FIELDS.flatMap((f) =>
      raw
        ? [sql`avg(${col(f.column)}) as ${col(`${f.column}_avg`)}`, sql`max(${col(f.column)}) as ${col(`${f.column}_max`)}`]
        : [sql`${weighted(f.column)} as ${col(`${f.column}_avg`)}`, sql`max(${col(`${f.column}_max`)}) as ${col(`${f.column}_max`)}`],
    );
    const result = await ex.execute<Record<string, unknown>>(sql`
      select source, date_bin(${step}, ${timeCol}, ${ORIGIN}) as t, ${sql.join(aggregates, sql`, `)}
      from ${table}
      where compute_id = ${input.computeId} and ${timeCol} >= ${ts(input.from)} and ${timeCol} <= ${ts(input.to)}
      group by source, t
      order by source, t`);
    return result.rows.map((r) => ({
      source: r.source as MetricSource,
      t: toDate(r.t),
      avg: Object.fromEntries(METRIC_FIELDS.map((f) => [f.key, num(r[`${f.column}_avg`])])) as MetricValues,
      max: Object.fromEntries(METRIC_FIELDS.map((f) => [f.key, num(r[`${f.column}_max`])])) as MetricValues,
    }));
  },
};

/** The average of five-minute averages, each weighed by its readings; rows without the value do not count. */
function weighted(column: string): SQL {
  const avg = col(`${column}_avg`);
  return sql`sum(${avg} * samples) / nullif(sum(case when ${avg} is not null then samples end), 0)`;
}
