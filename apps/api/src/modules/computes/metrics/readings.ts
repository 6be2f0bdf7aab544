import { emptyValues, type MetricValues } from './metrics.fields.ts';

/**
 * From counters to rates. Both sources report cumulative counters (CPU seconds, bytes and
 * operations so far) beside plain gauges (memory, load, filesystem); a rate is the difference
 * of two successive readings over the time between them, as Prometheus' `rate()` does.
 */
export interface Reading {
  /** The source's own time of the reading, in ms: differences between readings are what count. */
  readAt: number;
  /** Changes when the counters start again from zero (a new QEMU process); the agent keeps one. */
  epoch: string;
  counters: Record<string, number>;
  /** Values measured as they are (memory, load, filesystem): no previous reading needed. */
  gauges: Partial<MetricValues>;
}

export interface PreviousReading {
  readAt: number;
  epoch: string;
  counters: Record<string, number>;
}

/** Rates need two readings between 1 s and 15 min apart: closer is noise, further is a gap in the graph. */
export const MIN_RATE_INTERVAL_MS = 1_000;
export const MAX_RATE_INTERVAL_MS = 15 * 60_000;

/**
 * Per-second increases of the counters both readings have, or null when none can be trusted: no
 * previous reading, another epoch, an interval out of bounds, or a counter that went down (the
 * guest rebooted, a device went away), which makes the whole reading a new start.
 */
export function counterRates(prev: PreviousReading | null, cur: Reading): { seconds: number; perSecond: Record<string, number> } | null {
  if (!prev || prev.epoch !== cur.epoch) return null;
  const ms = cur.readAt - prev.readAt;
  if (!(ms >= MIN_RATE_INTERVAL_MS && ms <= MAX_RATE_INTERVAL_MS)) return null;
  const seconds = ms / 1000;
  const perSecond: Record<string, number> = {};
  for (const [name, value] of Object.entries(cur.counters)) {
    const before = prev.counters[name];
    if (before === undefined) continue;
    if (value < before) return null;
    perSecond[name] = (value - before) / seconds;
  }
  return { seconds, perSecond };
}

const pct = (v: number) => Math.min(100, Math.max(0, v * 100));
const rate = (r: Record<string, number>, name: string): number | null => r[name] ?? null;

/**
 * An agent reading's values. CPU modes are shares of all CPU time in the interval (the agent sums
 * every core): user is user + nice, system is system + irq + softirq, and the total is everything
 * but idle, iowait and steal (time the guest waited rather than worked).
 */
export function agentValues(prev: PreviousReading | null, cur: Reading): MetricValues {
  const v = { ...emptyValues(), ...cur.gauges };
  const r = counterRates(prev, cur)?.perSecond;
  if (!r) return v;
  const modes = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'].map((m) => r[`cpu_${m}`] ?? 0);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = modes as [number, number, number, number, number, number, number, number];
  const all = modes.reduce((a, b) => a + b, 0);
  if (all > 0) {
    v.cpuUserPercent = pct((user + nice) / all);
    v.cpuSystemPercent = pct((system + irq + softirq) / all);
    v.cpuPercent = pct((all - idle - iowait - steal) / all);
  }
  Object.assign(v, ioValues(r));
  return v;
}

/** A hypervisor reading's values: CPU is the machine's process time over its vCPUs (it cannot see user from system inside the guest). */
export function hostValues(prev: PreviousReading | null, cur: Reading, vcpus: number): MetricValues {
  const v = { ...emptyValues(), ...cur.gauges };
  const r = counterRates(prev, cur)?.perSecond;
  if (!r) return v;
  const cpu = rate(r, 'cpu_seconds');
  if (cpu !== null && vcpus > 0) v.cpuPercent = pct(cpu / vcpus);
  Object.assign(v, ioValues(r));
  return v;
}

function ioValues(r: Record<string, number>): Partial<MetricValues> {
  return {
    diskReadBytesPerSec: rate(r, 'disk_read_bytes'),
    diskWriteBytesPerSec: rate(r, 'disk_write_bytes'),
    diskReadOpsPerSec: rate(r, 'disk_read_ops'),
    diskWriteOpsPerSec: rate(r, 'disk_write_ops'),
    networkRxBytesPerSec: rate(r, 'net_rx_bytes'),
    networkTxBytesPerSec: rate(r, 'net_tx_bytes'),
    networkRxPacketsPerSec: rate(r, 'net_rx_packets'),
    networkTxPacketsPerSec: rate(r, 'net_tx_packets'),
  };
}
