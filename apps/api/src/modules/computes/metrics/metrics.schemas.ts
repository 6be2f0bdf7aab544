import { z } from 'zod';
import { METRIC_FIELDS, METRIC_RANGES, METRIC_SOURCES, type MetricKey } from './metrics.fields.ts';

export const MetricsQuerySchema = z.object({
  range: z.enum(METRIC_RANGES).default('1h').describe('Time span ending now.'),
});

/**
 * One shared component for averages and maxima, as a record over the measurement names: the
 * OpenAPI document states the names once and the column type once (it must stay small).
 */
export const MetricColumnsSchema = z
  .record(z.enum(METRIC_FIELDS.map((f) => f.key) as [MetricKey, ...MetricKey[]]), z.array(z.number().nullable()))
  .meta({ id: 'MetricColumns' });

export const ComputeMetricsSchema = z
  .object({
    computeId: z.string(),
    range: z.enum(METRIC_RANGES),
    resolution: z.enum(['raw', '5m', '1h']).describe('Raw 30 s readings, or 5-minute or hourly roll-ups.'),
    stepSeconds: z.number().int().describe('Seconds each point covers.'),
    from: z.string(),
    to: z.string(),
    series: z
      .array(
        z.object({
          source: z.enum(METRIC_SOURCES).describe('`agent` (inside the guest) or `host` (the hypervisor: CPU, disk, network).'),
          timestamps: z.array(z.string()),
          avg: MetricColumnsSchema,
          max: MetricColumnsSchema,
        }),
      )
      .describe('Per source with data: point starts (ISO 8601) and, per measurement, averages and maxima aligned with them (null: not measured).'),
    agent: z.object({
      version: z.string().nullable(),
      lastPushAt: z.string().nullable(),
      lastHeartbeatAt: z.string().nullable(),
    }),
  })
  .meta({ id: 'ComputeMetrics' });
