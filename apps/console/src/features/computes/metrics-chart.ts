/**
 * The arithmetic of the compute graphs, apart from React so it can be tested: which source a
 * graph draws, where a line breaks, how values and times are written.
 */

export type MetricSource = 'agent' | 'host';
export type Columns = Record<string, (number | null)[] | undefined>;

export interface SourceSeries {
  source: MetricSource;
  timestamps: string[];
  avg: Columns;
  max: Columns;
}

/** A series drawn on a graph: one measurement of one source. */
export interface Line {
  key: string;
  label: string;
  times: number[];
  values: (number | null)[];
  maxima: (number | null)[];
}

const hasData = (s: SourceSeries | undefined, keys: readonly string[]) => Boolean(s && keys.some((k) => s.avg[k]?.some((v) => v !== null)));

/**
 * The source a graph shows: the agent when it measured any of `keys` in the range (it sees
 * inside the guest), else the hypervisor's own readings, else none. `agentOnly` graphs (memory,
 * load, filesystem) are never drawn from the hypervisor, which cannot see them.
 */
export function pickSource(series: readonly SourceSeries[], keys: readonly string[], agentOnly = false): SourceSeries | null {
  const agent = series.find((s) => s.source === 'agent');
  if (hasData(agent, keys)) return agent!;
  if (agentOnly) return null;
  const host = series.find((s) => s.source === 'host');
  return hasData(host, keys) ? host! : null;
}

export function lineOf(series: SourceSeries, key: string, label: string): Line {
  return { key, label, times: series.timestamps.map((t) => Date.parse(t)), values: series.avg[key] ?? [], maxima: series.max[key] ?? [] };
}

/**
 * Runs of points to join with a line: a missing value, or a gap longer than one and a half steps
 * (the machine was off, the agent silent), starts a new run rather than drawing across it.
 */
export function segments(times: readonly number[], values: readonly (number | null)[], stepMs: number): Array<Array<[number, number]>> {
  const runs: Array<Array<[number, number]>> = [];
  let run: Array<[number, number]> = [];
  let last: number | null = null;
  times.forEach((t, i) => {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      if (run.length) runs.push(run);
      run = [];
      last = null;
      return;
    }
    if (last !== null && t - last > stepMs * 1.5 && run.length) {
      runs.push(run);
      run = [];
    }
    run.push([t, v]);
    last = t;
  });
  if (run.length) runs.push(run);
  return runs;
}

/** The index of the point nearest `t`, or null when there are none. */
export function nearestIndex(times: readonly number[], t: number): number | null {
  if (times.length === 0) return null;
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(times[lo - 1]! - t) <= Math.abs(times[lo]! - t)) return lo - 1;
  return lo;
}

const sig = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Bytes in decimal units, as disks and links are sold: 1 536 000 → "1.54 MB". */
export function formatBytes(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  let n = Math.abs(v);
  let u = 0;
  while (n >= 1000 && u < UNITS.length - 1) {
    n /= 1000;
    u++;
  }
  return `${v < 0 ? '-' : ''}${u === 0 ? Math.round(n) : sig(n)} ${UNITS[u]}`;
}

export const formatByteRate = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : `${formatBytes(v)}/s`);
export const formatPercent = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : `${v >= 10 ? v.toFixed(1) : v.toFixed(2)} %`);
export const formatPerSecond = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : `${sig(v)}/s`);
export const formatNumber = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : sig(v));

/** Short axis labels: "2.50 MB" → "2.5 MB", "1.00 MB" → "1 MB"; zero is "0". */
export function formatAxisBytes(v: number): string {
  return v === 0 ? '0' : trimZeros(formatBytes(v));
}

const trimZeros = (s: string) => s.replace(/\.0+ /, ' ').replace(/(\.\d*?[1-9])0+ /, '$1 ');
const BINARY = ['B', 'MB', 'GB', 'TB'];

/**
 * Memory in binary units named as the console names them elsewhere (`formatMemory`: 1024 MB is
 * "1 GB"), so a 2 GB machine's graph tops out at 2 GB, not 2.15.
 */
export function formatMemoryBytes(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const mib = v / 1024 ** 2;
  if (mib < 1) return `${Math.round(v / 1024)} kB`;
  const [n, u] = mib < 1024 ? [mib, 1] : mib < 1024 ** 2 ? [mib / 1024, 2] : [mib / 1024 ** 2, 3];
  return trimZeros(`${sig(n)} ${BINARY[u]}`);
}

/**
 * About `count` round instants between `from` and `to` for the time axis: minutes or hours for
 * ranges within a day, days beyond.
 */
export function timeTicks(from: number, to: number, count: number): number[] {
  const span = to - from;
  const steps = [60_000, 5 * 60_000, 10 * 60_000, 15 * 60_000, 30 * 60_000, 3_600_000, 2 * 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000, 2 * 86_400_000, 7 * 86_400_000];
  const step = steps.find((s) => span / s <= Math.max(1, count)) ?? steps[steps.length - 1]!;
  const ticks: number[] = [];
  // Days start at local midnight; shorter steps are counted from the epoch in local time.
  const offset = new Date(from).getTimezoneOffset() * 60_000;
  for (let t = Math.ceil((from - offset) / step) * step + offset; t <= to; t += step) ticks.push(t);
  return ticks;
}

/**
 * The top of a value axis: 100 for percentages; for memory, a round number of binary units;
 * else a round number above the highest value (1 when there is none).
 */
export function niceTop(max: number, kind: 'percent' | 'memory' | 'plain' = 'plain'): number {
  if (kind === 'percent') return 100;
  if (kind === 'memory' && max > 0) {
    const unit = max >= 1024 ** 3 ? 1024 ** 3 : 1024 ** 2;
    return niceTop(max / unit) * unit;
  }
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const unit = max / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 2.5 ? 2.5 : unit <= 5 ? 5 : 10) * power;
}
