/**
 * The measurements the platform keeps for a compute, once: the database columns, the roll-up SQL
 * and the API's field names are all read from this list, so a new measurement is one line here
 * (and a migration).
 */
export const METRIC_FIELDS = [
  { key: 'cpuPercent', column: 'cpu_pct' },
  { key: 'cpuUserPercent', column: 'cpu_user_pct' },
  { key: 'cpuSystemPercent', column: 'cpu_system_pct' },
  { key: 'memoryUsedBytes', column: 'mem_used_bytes' },
  { key: 'memoryTotalBytes', column: 'mem_total_bytes' },
  { key: 'load1', column: 'load1' },
  { key: 'load5', column: 'load5' },
  { key: 'load15', column: 'load15' },
  { key: 'diskReadBytesPerSec', column: 'disk_read_bps' },
  { key: 'diskWriteBytesPerSec', column: 'disk_write_bps' },
  { key: 'diskReadOpsPerSec', column: 'disk_read_iops' },
  { key: 'diskWriteOpsPerSec', column: 'disk_write_iops' },
  { key: 'networkRxBytesPerSec', column: 'net_rx_bps' },
  { key: 'networkTxBytesPerSec', column: 'net_tx_bps' },
  { key: 'networkRxPacketsPerSec', column: 'net_rx_pps' },
  { key: 'networkTxPacketsPerSec', column: 'net_tx_pps' },
  { key: 'filesystemUsedBytes', column: 'fs_used_bytes' },
  { key: 'filesystemTotalBytes', column: 'fs_total_bytes' },
] as const;

export type MetricKey = (typeof METRIC_FIELDS)[number]['key'];
export type MetricColumn = (typeof METRIC_FIELDS)[number]['column'];
/** One reading: every measurement, null where the source does not know it. */
export type MetricValues = Record<MetricKey, number | null>;

export const METRIC_SOURCES = ['agent', 'host'] as const;
/** `agent`: sc-metrics-agent inside the guest; `host`: what the hypervisor sees from outside. */
export type MetricSource = (typeof METRIC_SOURCES)[number];

export const METRIC_RANGES = ['1h', '6h', '24h', '7d', '30d'] as const;
export type MetricRange = (typeof METRIC_RANGES)[number];

export type Resolution = 'raw' | '5m' | '1h';

/**
 * Which table answers a range and at what step its points are drawn: about 120–180 points per
 * series whatever the range, so a month costs the console no more than an hour.
 */
export const RANGE_PLAN: Record<MetricRange, { ms: number; resolution: Resolution; stepSeconds: number }> = {
  '1h': { ms: 3_600_000, resolution: 'raw', stepSeconds: 30 },
  '6h': { ms: 6 * 3_600_000, resolution: 'raw', stepSeconds: 180 },
  '24h': { ms: 24 * 3_600_000, resolution: '5m', stepSeconds: 600 },
  '7d': { ms: 7 * 86_400_000, resolution: '5m', stepSeconds: 3_600 },
  '30d': { ms: 30 * 86_400_000, resolution: '1h', stepSeconds: 4 * 3_600 },
};

/**
 * How long each table keeps its rows, in days. Raw 30 s samples serve the 1 h and 6 h ranges,
 * five-minute roll-ups 24 h and 7 d, hourly roll-ups 30 d; each is kept a little past its
 * longest range. The data map states the same numbers (a test compares them).
 */
export const METRICS_RETENTION_DAYS = { raw: 2, '5m': 8, '1h': 32 } as const;

export const emptyValues = (): MetricValues => Object.fromEntries(METRIC_FIELDS.map((f) => [f.key, null])) as MetricValues;
