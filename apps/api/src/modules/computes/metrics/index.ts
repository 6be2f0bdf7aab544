/** Compute metrics: the agent's pushes, the hypervisor's readings, roll-ups and graph series. */
export { MetricsService, type MetricsDeps, type MetricsView } from './metrics.service.ts';
export { computeMetricsRoutes, type MetricsRouteDeps } from './metrics.routes.ts';
export { METRIC_FIELDS, METRIC_RANGES, METRICS_RETENTION_DAYS, type MetricRange } from './metrics.fields.ts';

/** Job names, for the platform's handlers and schedules. */
export const SAMPLE_HOSTS_JOB = 'metrics.sample-host';
export const ROLLUP_JOB = 'metrics.rollup';
