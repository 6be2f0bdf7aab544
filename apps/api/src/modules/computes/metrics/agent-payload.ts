import snappy from 'snappyjs';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.ts';
import type { Reading } from './readings.ts';

/**
 * What sc-metrics-agent pushes (reference "SC Metrics Agent"; its `tsclient` and the resource
 * manager's mock): `POST …/metrics/ingest` with `Content-Type: application/timeseries-binary-0`,
 * `Content-Encoding: snappy` (the block format, `snappy.Encode`), a JSON array of
 * `{ name, labels, value, timestamp (ms), type }` in node_exporter's names, every metric labelled
 * `vm_id` (the SMBIOS UUID, which is our compute id). Counters arrive as totals; rates are ours.
 */

/** Largest body accepted on the wire; a 30 s push of the six collectors is a few KiB. */
export const MAX_PUSH_BYTES = 256 * 1024;
/** Largest body after decompression: snappy states the length first, so a bomb is refused unread. */
export const MAX_DECODED_BYTES = 2 * 1024 * 1024;
export const MAX_METRICS_PER_PUSH = 5_000;
/** The resource manager answers at most ten error lines; so do we. */
const MAX_ERRORS = 10;

const label = z.string().max(512);
export const AgentMetricSchema = z.object({
  name: z.string().min(1).max(200),
  labels: z.record(z.string().min(1).max(100), label).refine((l) => Object.keys(l).length <= 32, 'at most 32 labels'),
  value: z.number(),
  timestamp: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  type: z.string().max(16),
});
export const AgentPushSchema = z.array(AgentMetricSchema).min(1).max(MAX_METRICS_PER_PUSH);
export type AgentMetric = z.infer<typeof AgentMetricSchema>;

export const AgentHeartbeatSchema = z.object({
  agentType: z.string().min(1).max(64),
  eventTime: z.string().max(64),
  // A Debian version (`3.17.1`, `3.18.0-beta.2`, `1:2.0~rc1`): nothing else is stored.
  version: z.string().regex(/^[A-Za-z0-9.+~:_-]{1,64}$/),
});

/**
 * The body as JSON. The agent sets `Content-Encoding: snappy` on every request, its heartbeat's
 * plain JSON included, so a snappy body that does not decode is read as JSON when it looks like it.
 */
export function decodeAgentBody(body: Buffer, contentEncoding: string | undefined): unknown {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'snappy') throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Content-Encoding must be snappy or none.');
  let text: string | null = null;
  if (encoding === 'snappy') {
    try {
      text = Buffer.from(snappy.uncompress(body, MAX_DECODED_BYTES)).toString('utf8');
    } catch {
      text = null;
    }
  }
  if (text === null || !looksLikeJson(text)) {
    if (!looksLikeJson(body.subarray(0, 64).toString('utf8'))) throw new AppError('BAD_REQUEST', 'The body is neither snappy-compressed JSON nor JSON.');
    text = body.toString('utf8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('MALFORMED_JSON');
  }
}

const looksLikeJson = (s: string) => /^\s*[[{]/.test(s);

/** Validates with zod; field problems as VALIDATION_ERROR details (at most ten). */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new AppError(
    'VALIDATION_ERROR',
    undefined,
    parsed.error.issues.slice(0, MAX_ERRORS).map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
  );
}

/** The metric names the resource manager accepts, plus the filesystem's free space the agent sends beside its size. */
const SUPPORTED = new Set([
  'node_cpu_seconds_total',
  'node_memory_MemTotal_bytes', 'node_memory_MemFree_bytes', 'node_memory_MemAvailable_bytes', 'node_memory_Buffers_bytes', 'node_memory_Cached_bytes', 'node_memory_SwapTotal_bytes', 'node_memory_SwapFree_bytes',
  'node_load1', 'node_load5', 'node_load15',
  'node_disk_reads_completed_total', 'node_disk_writes_completed_total', 'node_disk_read_bytes_total', 'node_disk_written_bytes_total',
  'node_network_receive_bytes_total', 'node_network_transmit_bytes_total', 'node_network_receive_packets_total', 'node_network_transmit_packets_total',
  'node_filesystem_size_bytes', 'node_filesystem_free_bytes', 'node_filesystem_avail_bytes',
]);

const COUNTERS: Record<string, string> = {
  node_disk_read_bytes_total: 'disk_read_bytes',
  node_disk_written_bytes_total: 'disk_write_bytes',
  node_disk_reads_completed_total: 'disk_read_ops',
  node_disk_writes_completed_total: 'disk_write_ops',
  node_network_receive_bytes_total: 'net_rx_bytes',
  node_network_transmit_bytes_total: 'net_tx_bytes',
  node_network_receive_packets_total: 'net_rx_packets',
  node_network_transmit_packets_total: 'net_tx_packets',
};
const CPU_MODES = new Set(['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal']);

export interface AgentPushOutcome {
  processed: number;
  failed: number;
  errors: string[];
  /** Null when nothing usable arrived. */
  reading: Reading | null;
}

/**
 * One push as a reading of `computeId`. Like the resource manager, a metric without `vm_id`, with
 * another machine's `vm_id`, with a bad timestamp or an unknown name counts as failed and the rest
 * is kept. Counters are summed over CPUs and devices (loopback excluded), filesystems over devices.
 */
export function readAgentPush(metrics: AgentMetric[], computeId: string): AgentPushOutcome {
  const errors: string[] = [];
  let failed = 0;
  const fail = (message: string) => {
    failed++;
    if (errors.length < MAX_ERRORS) errors.push(message);
  };
  const counters: Record<string, number> = {};
  const add = (key: string, v: number) => (counters[key] = (counters[key] ?? 0) + v);
  const memory: Record<string, number> = {};
  const load: Record<string, number> = {};
  const filesystems = new Map<string, { size?: number; free?: number }>();
  let readAt = 0;
  const ok: AgentMetric[] = [];

  metrics.forEach((m, i) => {
    const vmId = m.labels.vm_id;
    if (vmId === undefined) return fail(`Metric ${i}: vm_id label is required`);
    if (vmId.toLowerCase() !== computeId.toLowerCase()) return fail(`Metric ${i}: vm_id is not the machine this token belongs to`);
    if (!SUPPORTED.has(m.name)) return fail(`Unsupported metric: ${m.name.slice(0, 100)}`);
    if (!Number.isFinite(m.value) || m.value < 0) return fail(`Metric ${i}: value must be a finite number of at least 0`);
    ok.push(m);
  });

  for (const m of ok) {
    readAt = Math.max(readAt, m.timestamp);
    const device = m.labels.device ?? '';
    if (m.name === 'node_cpu_seconds_total') {
      const mode = m.labels.mode ?? '';
      if (CPU_MODES.has(mode)) add(`cpu_${mode}`, m.value);
    } else if (COUNTERS[m.name]) {
      if (m.name.startsWith('node_network_') && device === 'lo') continue;
      add(COUNTERS[m.name]!, m.value);
    } else if (m.name.startsWith('node_memory_')) {
      memory[m.name.slice('node_memory_'.length, -'_bytes'.length)] = m.value;
    } else if (m.name.startsWith('node_load')) {
      load[m.name] = m.value;
    } else if (m.name.startsWith('node_filesystem_')) {
      // One filesystem mounted twice (bind mounts) is counted once.
      const key = device || m.labels.mountpoint || '';
      const fs = filesystems.get(key) ?? {};
      if (m.name === 'node_filesystem_size_bytes') fs.size = m.value;
      else if (m.name === 'node_filesystem_free_bytes') fs.free = m.value;
      filesystems.set(key, fs);
    }
  }

  if (ok.length === 0) return { processed: 0, failed, errors, reading: null };

  const gauges: Reading['gauges'] = {};
  if (memory.MemTotal !== undefined) {
    gauges.memoryTotalBytes = memory.MemTotal;
    // Used as `free` shows it: what is not available; without MemAvailable (old kernels), free minus caches.
    const available = memory.MemAvailable ?? (memory.MemFree !== undefined ? memory.MemFree + (memory.Buffers ?? 0) + (memory.Cached ?? 0) : undefined);
    if (available !== undefined) gauges.memoryUsedBytes = Math.max(0, memory.MemTotal - available);
  }
  if (load.node_load1 !== undefined) gauges.load1 = load.node_load1;
  if (load.node_load5 !== undefined) gauges.load5 = load.node_load5;
  if (load.node_load15 !== undefined) gauges.load15 = load.node_load15;
  const fsList = [...filesystems.values()].filter((f) => f.size !== undefined);
  if (fsList.length) {
    gauges.filesystemTotalBytes = fsList.reduce((s, f) => s + f.size!, 0);
    // As df counts it: size minus free (root's reserved blocks are used space to the guest).
    if (fsList.every((f) => f.free !== undefined)) gauges.filesystemUsedBytes = fsList.reduce((s, f) => s + Math.max(0, f.size! - f.free!), 0);
  }
  // The guest's counters restart at a reboot: that shows as a counter going down, not as an epoch.
  return { processed: ok.length, failed, errors, reading: { readAt, epoch: 'agent', counters, gauges } };
}
