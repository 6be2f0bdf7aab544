import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors.ts';
import { decodeAgentBody, MAX_DECODED_BYTES, readAgentPush, type AgentMetric } from './agent-payload.ts';
import { agentValues, counterRates, hostValues } from './readings.ts';

const VM = '3f1c2a9e-8b7d-4c6e-9a1f-2b3c4d5e6f70';
const m = (name: string, value: number, labels: Record<string, string> = {}, timestamp = 1_000_000): AgentMetric => ({ name, labels: { vm_id: VM, ...labels }, value, timestamp, type: 'gauge' });

describe('agent push decoding', () => {
  it('reads snappy-compressed JSON, plain JSON labelled snappy (the heartbeat), and refuses other encodings and bombs', () => {
    const json = Buffer.from(JSON.stringify([{ a: 1 }]));
    expect(decodeAgentBody(Buffer.from(snappy.compress(json)), 'snappy')).toEqual([{ a: 1 }]);
    expect(decodeAgentBody(json, 'snappy')).toEqual([{ a: 1 }]);
    expect(decodeAgentBody(json, undefined)).toEqual([{ a: 1 }]);
    expect(() => decodeAgentBody(json, 'gzip')).toThrow(AppError);
    // A stream whose header announces more than the limit is refused before it is expanded.
    const big = Buffer.from(snappy.compress(Buffer.alloc(MAX_DECODED_BYTES + 1, 0x20)));
    expect(() => decodeAgentBody(big, 'snappy')).toThrow(/neither snappy-compressed JSON nor JSON/);
    expect(() => decodeAgentBody(Buffer.from('[1,'), undefined)).toThrow(expect.objectContaining({ code: 'MALFORMED_JSON' }));
  });
});

describe('agent readings', () => {
  it('sums CPU modes and devices, skips loopback, counts a filesystem mounted twice once, falls back when MemAvailable is missing', () => {
    const out = readAgentPush(
      [
        m('node_cpu_seconds_total', 10, { cpu: 'cpu0', mode: 'user' }),
        m('node_cpu_seconds_total', 5, { cpu: 'cpu1', mode: 'user' }),
        m('node_cpu_seconds_total', 7, { mode: 'guest' }), // not a mode we count
        m('node_disk_read_bytes_total', 100, { device: 'vda' }),
        m('node_disk_read_bytes_total', 50, { device: 'vdb' }),
        m('node_network_receive_bytes_total', 1e9, { device: 'lo' }),
        m('node_network_receive_bytes_total', 300, { device: 'eth0' }),
        m('node_memory_MemTotal_bytes', 1000),
        m('node_memory_MemFree_bytes', 200),
        m('node_memory_Buffers_bytes', 100),
        m('node_memory_Cached_bytes', 300),
        m('node_filesystem_size_bytes', 500, { device: '/dev/vda1', mountpoint: '/' }),
        m('node_filesystem_free_bytes', 100, { device: '/dev/vda1', mountpoint: '/' }),
        m('node_filesystem_size_bytes', 500, { device: '/dev/vda1', mountpoint: '/srv' }),
        m('node_filesystem_free_bytes', 100, { device: '/dev/vda1', mountpoint: '/srv' }),
      ],
      VM.toUpperCase(),
    );
    expect(out).toMatchObject({ processed: 15, failed: 0 });
    expect(out.reading!.counters).toEqual({ cpu_user: 15, disk_read_bytes: 150, net_rx_bytes: 300 });
    expect(out.reading!.gauges).toEqual({ memoryTotalBytes: 1000, memoryUsedBytes: 400, filesystemTotalBytes: 500, filesystemUsedBytes: 400 });
  });

  it('keeps at most ten error lines and nothing usable from a push of strangers', () => {
    const out = readAgentPush(Array.from({ length: 12 }, () => m('node_load1', 1, { vm_id: '00000000-0000-4000-8000-000000000000' })), VM);
    expect(out).toMatchObject({ processed: 0, failed: 12, reading: null });
    expect(out.errors).toHaveLength(10);
  });

  it('gives no rates across a reboot, a new epoch, or readings too close or too far apart', () => {
    const prev = { readAt: 0, epoch: 'e', counters: { cpu_user: 100, disk_read_bytes: 1000 } };
    const at = (readAt: number, counters: Record<string, number>, epoch = 'e') => ({ readAt, epoch, counters, gauges: {} });
    expect(counterRates(prev, at(30_000, { cpu_user: 130, disk_read_bytes: 4000 }))).toEqual({ seconds: 30, perSecond: { cpu_user: 1, disk_read_bytes: 100 } });
    expect(counterRates(prev, at(30_000, { cpu_user: 5, disk_read_bytes: 4000 }))).toBeNull(); // rebooted
    expect(counterRates(prev, at(30_000, { cpu_user: 130 }, 'f'))).toBeNull();
    expect(counterRates(prev, at(500, { cpu_user: 130 }))).toBeNull();
    expect(counterRates(prev, at(16 * 60_000, { cpu_user: 130 }))).toBeNull();
    expect(counterRates(null, at(30_000, { cpu_user: 130 }))).toBeNull();
  });

  it('reads CPU shares from the agent\'s modes and the host\'s process time over its vCPUs', () => {
    const prev = { readAt: 0, epoch: 'agent', counters: { cpu_user: 0, cpu_nice: 0, cpu_system: 0, cpu_idle: 0, cpu_iowait: 0, cpu_steal: 0, cpu_irq: 0, cpu_softirq: 0 } };
    const v = agentValues(prev, { readAt: 10_000, epoch: 'agent', counters: { cpu_user: 3, cpu_nice: 1, cpu_system: 1, cpu_idle: 3, cpu_iowait: 1, cpu_steal: 0.5, cpu_irq: 0.25, cpu_softirq: 0.25 }, gauges: { load1: 2 } });
    expect(v).toMatchObject({ cpuUserPercent: 40, cpuSystemPercent: 15, load1: 2, diskReadBytesPerSec: null });
    expect(v.cpuPercent).toBeCloseTo(55, 9); // all but idle, iowait and steal
    const h = hostValues({ readAt: 0, epoch: 'p', counters: { cpu_seconds: 10 } }, { readAt: 20_000, epoch: 'p', counters: { cpu_seconds: 25 }, gauges: {} }, 2);
    expect(h).toMatchObject({ cpuPercent: 37.5, cpuUserPercent: null, memoryUsedBytes: null });
  });
});
