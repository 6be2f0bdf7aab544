import { describe, expect, it } from 'vitest';
import { formatAxisBytes, formatByteRate, formatBytes, formatMemoryBytes, formatPercent, nearestIndex, niceTop, pickSource, segments, timeTicks, type SourceSeries } from './metrics-chart.ts';

const series = (source: 'agent' | 'host', avg: Record<string, (number | null)[]>): SourceSeries => ({ source, timestamps: ['2026-03-03T10:00:00Z'], avg, max: avg });

describe('pickSource', () => {
  const host = series('host', { cpuPercent: [12], memoryUsedBytes: [null] });
  const agent = series('agent', { cpuPercent: [30], memoryUsedBytes: [5e8] });
  const silentAgent = series('agent', { cpuPercent: [null], memoryUsedBytes: [null] });

  it('prefers the agent, falls back to the hypervisor, and never draws inside-the-guest graphs from it', () => {
    expect(pickSource([host, agent], ['cpuPercent'])?.source).toBe('agent');
    expect(pickSource([host, silentAgent], ['cpuPercent'])?.source).toBe('host');
    expect(pickSource([host], ['memoryUsedBytes'], true)).toBeNull();
    expect(pickSource([], ['cpuPercent'])).toBeNull();
  });
});

describe('segments', () => {
  it('breaks a line at a missing value and at a gap longer than one and a half steps', () => {
    const t = [0, 30, 60, 90, 180, 210].map((s) => s * 1000);
    expect(segments(t, [1, 2, null, 4, 5, 6], 30_000)).toEqual([
      [[0, 1], [30_000, 2]],
      [[90_000, 4]],
      [[180_000, 5], [210_000, 6]],
    ]);
  });
});

describe('graph arithmetic', () => {
  it('finds the point nearest the pointer', () => {
    expect(nearestIndex([0, 10, 20], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20], 16)).toBe(2);
    expect(nearestIndex([0, 10, 20], -5)).toBe(0);
    expect(nearestIndex([], 3)).toBeNull();
  });

  it('writes values as people read them', () => {
    expect(formatBytes(1_536_000)).toBe('1.54 MB');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatByteRate(2_000)).toBe('2.00 kB/s');
    expect(formatPercent(7.256)).toBe('7.26 %');
    expect(formatPercent(null)).toBe('—');
    expect([0, 250_000, 750_000, 1_000_000, 2_500_000].map(formatAxisBytes)).toEqual(['0', '250 kB', '750 kB', '1 MB', '2.5 MB']);
    expect([1024 ** 3, 1.5 * 1024 ** 3, 640 * 1024 ** 2].map(formatMemoryBytes)).toEqual(['1 GB', '1.5 GB', '640 MB']);
  });

  it('rounds axes up and spaces time ticks by whole minutes, hours or days', () => {
    expect(niceTop(37, 'percent')).toBe(100);
    expect(niceTop(2 * 1024 ** 3, 'memory')).toBe(2 * 1024 ** 3);
    expect(niceTop(0)).toBe(1);
    expect(niceTop(1_300_000)).toBe(2_000_000);
    expect(niceTop(0.23)).toBe(0.25);
    const from = Date.UTC(2026, 2, 3, 10, 7);
    const ticks = timeTicks(from, from + 3_600_000, 6);
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(ticks.length).toBeLessThanOrEqual(7);
    // Ten minutes apart, on the clock of the person looking.
    for (const t of ticks) expect((t - new Date(t).getTimezoneOffset() * 60_000) % (10 * 60_000)).toBe(0);
    const days = timeTicks(from, from + 30 * 86_400_000, 5);
    expect(days.every((t, i) => i === 0 || t - days[i - 1]! >= 86_400_000)).toBe(true);
  });
});
