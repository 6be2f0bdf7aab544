import { doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { computes } from '../computes.schema.ts';
import { METRIC_FIELDS, METRIC_SOURCES, type MetricColumn } from './metrics.fields.ts';

type Gauge = ReturnType<typeof doublePrecision>;
const gauges = () => Object.fromEntries(METRIC_FIELDS.map((f) => [f.column, doublePrecision(f.column)])) as { [K in MetricColumn]: Gauge };
const rolledUp = () =>
  Object.fromEntries(METRIC_FIELDS.flatMap((f) => [[`${f.column}_avg`, doublePrecision(`${f.column}_avg`)], [`${f.column}_max`, doublePrecision(`${f.column}_max`)]])) as {
    [K in `${MetricColumn}_${'avg' | 'max'}`]: Gauge;
  };

/**
 * Raw readings, one per source every 30 s or so: what the agent pushed (rates already derived
 * from its counters) or what the hypervisor saw. Kept two days (`METRICS_RETENTION_DAYS`), rolled
 * up every five minutes by the `metrics.rollup` job, which also deletes what has expired.
 */
export const computeMetricSamples = pgTable(
  'compute_metric_samples',
  {
    computeId: uuid('compute_id').notNull().references(() => computes.id, { onDelete: 'cascade' }),
    source: text('source', { enum: METRIC_SOURCES }).notNull(),
    /** When the platform received or took the reading (the clock port), never the guest's clock. */
    at: timestamp('at', { withTimezone: true }).notNull(),
    ...gauges(),
  },
  (t) => [primaryKey({ columns: [t.computeId, t.source, t.at] }), index('compute_metric_samples_at_idx').on(t.at)],
);

const rollupTable = (name: string) =>
  pgTable(
    name,
    {
      computeId: uuid('compute_id').notNull().references(() => computes.id, { onDelete: 'cascade' }),
      source: text('source', { enum: METRIC_SOURCES }).notNull(),
      /** Start of the period (UTC, aligned to its length). */
      bucket: timestamp('bucket', { withTimezone: true }).notNull(),
      /** Raw readings behind the row: averages of longer periods weigh rows by it. */
      samples: integer('samples').notNull(),
      ...rolledUp(),
    },
    (t) => [primaryKey({ columns: [t.computeId, t.source, t.bucket] }), index(`${name}_bucket_idx`).on(t.bucket)],
  );

/** Five-minute averages and maxima, kept eight days (the 24 h and 7 d graphs). */
export const computeMetrics5m = rollupTable('compute_metrics_5m');
/** Hourly averages and maxima, kept 32 days (the 30 d graph). */
export const computeMetrics1h = rollupTable('compute_metrics_1h');

/**
 * The metrics agent's credential for one compute. Only SHA-256 hashes of the tokens are kept;
 * the previous token stays valid a few minutes after a new one is issued, so pushes already in
 * flight are not refused. The row goes with the compute, and tokens of a compute that is being
 * destroyed are refused and deleted.
 */
export const computeAgentTokens = pgTable(
  'compute_agent_tokens',
  {
  computeId: uuid('compute_id').primaryKey().references(() => computes.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  previousHash: text('previous_hash'),
  previousExpiresAt: timestamp('previous_expires_at', { withTimezone: true }),
  issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
  /** From the agent's heartbeat (a Debian package version). */
  agentVersion: text('agent_version'),
  lastHeartbeatAt: timestamp('last_heartbeat_at', { withTimezone: true }),
  lastPushAt: timestamp('last_push_at', { withTimezone: true }),
  },
  (t) => [index('compute_agent_tokens_hash_idx').on(t.tokenHash), index('compute_agent_tokens_previous_hash_idx').on(t.previousHash)],
);

/**
 * The last counter readings per compute and source (CPU seconds, bytes and operations so far):
 * a rate is the difference between two readings over the time between them.
 */
export const computeMetricCursors = pgTable(
  'compute_metric_cursors',
  {
    computeId: uuid('compute_id').notNull().references(() => computes.id, { onDelete: 'cascade' }),
    source: text('source', { enum: METRIC_SOURCES }).notNull(),
    /** The source's own time of the reading, ms (the agent's timestamp, the driver's monotonic clock). */
    readAt: doublePrecision('read_at').notNull(),
    /** Changes when the counters start again from zero (a new QEMU process, a rebooted guest). */
    epoch: text('epoch').notNull(),
    counters: jsonb('counters').$type<Record<string, number>>().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.computeId, t.source] })],
);

/** How far each roll-up has gone: raw rows before `rolled_until` are in the five-minute table, and so on. */
export const metricRollupCursors = pgTable('metric_rollup_cursors', {
  resolution: text('resolution', { enum: ['5m', '1h'] }).primaryKey(),
  rolledUntil: timestamp('rolled_until', { withTimezone: true }).notNull(),
});
