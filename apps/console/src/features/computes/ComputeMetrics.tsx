import { useId, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { components } from '@strettch/sdk';
import { api, useSelectedTeamId } from '../../api/client.ts';
import { unwrap } from '../../api/errors.ts';
import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { formatRelativeTime } from '../../lib/format.ts';
import { useNow } from '../../lib/now.ts';
import { useWidth } from '../billing/SpendChart.tsx';
import {
  formatAxisBytes,
  formatByteRate,
  formatBytes,
  formatMemoryBytes,
  formatNumber,
  formatPercent,
  formatPerSecond,
  lineOf,
  nearestIndex,
  niceTop,
  pickSource,
  segments,
  timeTicks,
  type Line,
  type MetricSource,
  type SourceSeries,
} from './metrics-chart.ts';

/**
 * The Metrics tab of a compute (reference "Monitoring graphs"): CPU, memory, load, disk and
 * network over 1 h to 30 d, drawn as SVG lines at the container's width like the billing spend
 * chart. Hover or the arrow keys show a point's exact values. Graphs come from the metrics agent
 * when it reports; CPU, disk and network fall back to what the hypervisor sees, so a compute
 * without the agent still has them. Memory and load exist only inside the guest.
 */

type ComputeMetricsData = components['schemas']['ComputeMetrics'];
type Range = ComputeMetricsData['range'];

const RANGES: readonly { id: Range; label: string; title: string }[] = [
  { id: '1h', label: '1h', title: 'Last hour' },
  { id: '6h', label: '6h', title: 'Last 6 hours' },
  { id: '24h', label: '24h', title: 'Last 24 hours' },
  { id: '7d', label: '7d', title: 'Last 7 days' },
  { id: '30d', label: '30d', title: 'Last 30 days' },
];

const SOURCE_LABEL: Record<MetricSource, string> = { agent: 'Metrics agent', host: 'Hypervisor' };
const HEIGHT = 190;
const MARGIN = { top: 12, right: 12, bottom: 26, left: 64 };

function useComputeMetrics(computeId: string, range: Range) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: ['computes', teamId ?? '', 'metrics', computeId, range],
    queryFn: async ({ signal }) => (await unwrap(api.GET('/computes/{id}/metrics', { params: { path: { id: computeId }, query: { range } }, signal }))).data,
    enabled: teamId !== null,
    // New readings arrive every 30 s; roll-ups every five minutes.
    refetchInterval: range === '1h' || range === '6h' ? 30_000 : 300_000,
    placeholderData: keepPreviousData,
  });
}

const timeShort = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const dayShort = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' });
const pointTime = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

interface ChartSpec {
  id: string;
  title: string;
  /** Measurements drawn, in legend order. */
  lines: readonly { key: string; label: string }[];
  format: (v: number | null) => string;
  axis: (v: number) => string;
  scale?: 'percent' | 'memory';
  agentOnly?: boolean;
  /** What the empty graph says. */
  empty: string;
}

const CHARTS: readonly ChartSpec[] = [
  {
    id: 'cpu',
    title: 'CPU usage',
    lines: [
      { key: 'cpuUserPercent', label: 'User' },
      { key: 'cpuSystemPercent', label: 'System' },
      { key: 'cpuPercent', label: 'Total' },
    ],
    format: formatPercent,
    axis: (v) => `${v} %`,
    scale: 'percent',
    empty: 'No CPU readings in this range.',
  },
  {
    id: 'memory',
    title: 'Memory',
    lines: [
      { key: 'memoryUsedBytes', label: 'Used' },
      { key: 'memoryTotalBytes', label: 'Total' },
    ],
    format: formatMemoryBytes,
    axis: formatMemoryBytes,
    scale: 'memory',
    agentOnly: true,
    empty: 'Memory use is seen only from inside the machine: it needs the metrics agent.',
  },
  {
    id: 'load',
    title: 'Load average',
    lines: [
      { key: 'load1', label: '1 min' },
      { key: 'load5', label: '5 min' },
      { key: 'load15', label: '15 min' },
    ],
    format: formatNumber,
    axis: (v) => String(v),
    agentOnly: true,
    empty: 'The load average is seen only from inside the machine: it needs the metrics agent.',
  },
  {
    id: 'disk',
    title: 'Disk I/O',
    lines: [
      { key: 'diskReadBytesPerSec', label: 'Read' },
      { key: 'diskWriteBytesPerSec', label: 'Write' },
    ],
    format: formatByteRate,
    axis: (v) => `${formatAxisBytes(v)}/s`,
    empty: 'No disk readings in this range.',
  },
  {
    id: 'iops',
    title: 'Disk IOPS',
    lines: [
      { key: 'diskReadOpsPerSec', label: 'Reads' },
      { key: 'diskWriteOpsPerSec', label: 'Writes' },
    ],
    format: formatPerSecond,
    axis: (v) => String(v),
    empty: 'No disk readings in this range.',
  },
  {
    id: 'network',
    title: 'Network',
    lines: [
      { key: 'networkRxBytesPerSec', label: 'In' },
      { key: 'networkTxBytesPerSec', label: 'Out' },
    ],
    format: formatByteRate,
    axis: (v) => `${formatAxisBytes(v)}/s`,
    empty: 'No network readings in this range.',
  },
  {
    id: 'packets',
    title: 'Network packets',
    lines: [
      { key: 'networkRxPacketsPerSec', label: 'In' },
      { key: 'networkTxPacketsPerSec', label: 'Out' },
    ],
    format: formatPerSecond,
    axis: (v) => String(v),
    empty: 'No network readings in this range.',
  },
];

function LineChart({ spec, source, data }: { spec: ChartSpec; source: SourceSeries; data: ComputeMetricsData }) {
  const [boxRef, width] = useWidth<HTMLDivElement>();
  const [active, setActive] = useState<number | null>(null);
  const captionId = useId();
  const lines: Line[] = spec.lines.map((l) => lineOf(source, l.key, l.label)).filter((l) => l.values.some((v) => v !== null));
  const times = lines[0]?.times ?? [];
  const from = Date.parse(data.from);
  const to = Date.parse(data.to);
  const stepMs = data.stepSeconds * 1000;
  const highest = Math.max(0, ...lines.flatMap((l) => l.values.filter((v): v is number => v !== null)));
  const top = niceTop(highest, spec.scale);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * top);

  const plotWidth = Math.max(0, width - MARGIN.left - MARGIN.right);
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (t: number) => MARGIN.left + ((t - from) / Math.max(1, to - from)) * plotWidth;
  const y = (v: number) => MARGIN.top + plotHeight - (Math.min(v, top) / top) * plotHeight;
  const longRange = to - from > 36 * 3_600_000;
  const xTicks = timeTicks(from, to, Math.max(2, Math.floor(plotWidth / 90)));

  const onPointer = (event: PointerEvent<SVGSVGElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const t = from + ((event.clientX - box.left - MARGIN.left) / Math.max(1, plotWidth)) * (to - from);
    setActive(nearestIndex(times, t));
  };
  const onKeyDown = (event: KeyboardEvent<SVGSVGElement>) => {
    const last = times.length - 1;
    const current = active ?? last;
    const next = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: last }[event.key];
    if (next === undefined || last < 0) return;
    event.preventDefault();
    setActive(Math.min(last, Math.max(0, next)));
  };
  const at = active !== null ? times[active] : undefined;
  const rolledUp = data.resolution !== 'raw';
  const describe = (i: number) => lines.map((l) => `${l.label} ${spec.format(l.values[i] ?? null)}${rolledUp && l.maxima[i] != null ? ` (max ${spec.format(l.maxima[i] ?? null)})` : ''}`).join(', ');

  return (
    <figure className="metrics-chart" aria-labelledby={captionId}>
      <figcaption className="metrics-chart-head">
        <span className="metrics-chart-title" id={captionId}>
          {spec.title}
          <span className="metrics-source">{SOURCE_LABEL[source.source]}</span>
        </span>
        <span className="metrics-legend">
          {lines.map((l, i) => (
            <span key={l.key} className="metrics-legend-item">
              <span className={`metrics-swatch metrics-series-${i + 1}`} aria-hidden="true" />
              {l.label}
            </span>
          ))}
        </span>
      </figcaption>
      <div className="metrics-chart-figure" ref={boxRef} onPointerLeave={() => setActive(null)}>
        {width > 0 ? (
          <svg
            width={width}
            height={HEIGHT}
            role="img"
            aria-label={`${spec.title}, ${SOURCE_LABEL[source.source].toLowerCase()}${at !== undefined && active !== null ? `: ${pointTime.format(at)}, ${describe(active)}` : ''}`}
            tabIndex={0}
            onPointerMove={onPointer}
            onKeyDown={onKeyDown}
            onBlur={() => setActive(null)}
          >
            {ticks.map((tick) => (
              <g key={tick}>
                <line className={tick === 0 ? 'metrics-baseline' : 'metrics-gridline'} x1={MARGIN.left} x2={width - MARGIN.right} y1={y(tick)} y2={y(tick)} />
                <text className="metrics-tick" x={MARGIN.left - 8} y={y(tick)} dy="0.32em" textAnchor="end">
                  {spec.axis(tick)}
                </text>
              </g>
            ))}
            {xTicks.map((t) => (
              <text key={t} className="metrics-tick" x={x(t)} y={HEIGHT - 6} textAnchor="middle">
                {longRange ? dayShort.format(t) : timeShort.format(t)}
              </text>
            ))}
            {lines.map((l, i) =>
              segments(l.times, l.values, stepMs).map((run) =>
                run.length === 1 ? (
                  <circle key={`${l.key}-${run[0]![0]}`} className={`metrics-dot metrics-series-${i + 1}`} cx={x(run[0]![0])} cy={y(run[0]![1])} r={2} />
                ) : (
                  <path key={`${l.key}-${run[0]![0]}`} className={`metrics-line metrics-series-${i + 1}`} d={run.map(([t, v], k) => `${k ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('')} />
                ),
              ),
            )}
            {at !== undefined && active !== null ? (
              <g>
                <line className="metrics-rule" x1={x(at)} x2={x(at)} y1={MARGIN.top} y2={MARGIN.top + plotHeight} />
                {lines.map((l, i) => {
                  const v = l.values[active];
                  return v === null || v === undefined ? null : <circle key={l.key} className={`metrics-marker metrics-series-${i + 1}`} cx={x(at)} cy={y(v)} r={3.5} />;
                })}
              </g>
            ) : null}
          </svg>
        ) : (
          <div style={{ height: HEIGHT }} />
        )}
        {at !== undefined && active !== null ? (
          <div className={x(at) > width / 2 ? 'metrics-tooltip is-left' : 'metrics-tooltip'} aria-hidden="true" style={{ left: x(at), top: MARGIN.top }}>
            <span className="metrics-tooltip-time">{pointTime.format(at)}</span>
            {lines.map((l, i) => (
              <span key={l.key} className="metrics-tooltip-row">
                <span className={`metrics-swatch metrics-series-${i + 1}`} />
                {l.label}
                <strong>{spec.format(l.values[active] ?? null)}</strong>
                {rolledUp && l.maxima[active] != null ? <span className="metrics-tooltip-max">max {spec.format(l.maxima[active] ?? null)}</span> : null}
              </span>
            ))}
          </div>
        ) : null}
      </div>
    </figure>
  );
}

function ChartCard({ spec, data }: { spec: ChartSpec; data: ComputeMetricsData }) {
  const source = pickSource(data.series as SourceSeries[], spec.lines.map((l) => l.key), spec.agentOnly);
  return (
    <div className="metrics-card" data-chart={spec.id} data-source={source?.source ?? 'none'}>
      {source ? (
        <LineChart spec={spec} source={source} data={data} />
      ) : (
        <div className="metrics-chart metrics-chart-empty">
          <span className="metrics-chart-title">{spec.title}</span>
          <p className="muted-text">{spec.empty}</p>
        </div>
      )}
    </div>
  );
}

/** The agent's last filesystem reading: how full the machine's disks are. */
function FilesystemUsage({ data }: { data: ComputeMetricsData }) {
  const agent = data.series.find((s) => s.source === 'agent');
  const used = agent?.avg.filesystemUsedBytes ?? [];
  const total = agent?.avg.filesystemTotalBytes ?? [];
  let i = used.length - 1;
  while (i >= 0 && (used[i] == null || total[i] == null)) i--;
  if (i < 0) return null;
  const share = Math.min(100, (used[i]! / Math.max(1, total[i]!)) * 100);
  return (
    <div className="metrics-filesystem">
      <span className="metrics-chart-title">Filesystem</span>
      <div className="metrics-meter" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(share)} aria-label="Filesystem used">
        <span style={{ width: `${share}%` }} />
      </div>
      <span className="muted-text">
        {formatBytes(used[i]!)} of {formatBytes(total[i]!)} used ({share.toFixed(0)} %)
      </span>
    </div>
  );
}

export function ComputeMetrics({ computeId, running }: { computeId: string; running: boolean }) {
  const [range, setRange] = useState<Range>('1h');
  const metrics = useComputeMetrics(computeId, range);
  const now = useNow();
  const headingId = useId();

  return (
    <Card
      title="Metrics"
      headingId={headingId}
      description={RANGES.find((r) => r.id === range)!.title}
      actions={
        <div className="segmented metrics-ranges" role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button key={r.id} type="button" className="segmented-option" aria-pressed={r.id === range} title={r.title} onClick={() => setRange(r.id)}>
              {r.label}
            </button>
          ))}
        </div>
      }
    >
      <QueryView query={metrics} what="the metrics">
        {(data) => {
          const agent = data.series.find((s) => s.source === 'agent');
          if (data.series.length === 0) {
            return (
              <EmptyState icon="activity" title="No metrics in this range">
                <p>
                  {running
                    ? 'CPU, disk and network readings from the hypervisor appear within a minute of the compute running.'
                    : 'Metrics are recorded while the compute runs.'}{' '}
                  Memory and load are measured inside the machine by the metrics agent (sc-metrics-agent), which Strettch images install; on another image, install it with{' '}
                  <code>curl -sSL https://repo.cloud.strettch.com/metrics/install.sh | sudo bash</code>.
                </p>
              </EmptyState>
            );
          }
          return (
            <div className="compute-metrics" aria-busy={metrics.isFetching}>
              {agent ? (
                <p className="metrics-agent-status">
                  Metrics agent{data.agent.version ? ` ${data.agent.version}` : ''}, last report {formatRelativeTime(data.agent.lastPushAt, now, 'not yet')}.
                </p>
              ) : (
                <Notice tone="info" title="Hypervisor readings only">
                  CPU, disk and network are what the hypervisor sees from outside. Memory and load come from inside the machine: install the metrics agent (sc-metrics-agent) to see them.
                </Notice>
              )}
              <div className="metrics-grid">
                {CHARTS.filter((c) => c.id !== 'load' || agent).map((c) => (
                  <ChartCard key={c.id} spec={c} data={data} />
                ))}
              </div>
              <FilesystemUsage data={data} />
            </div>
          );
        }}
      </QueryView>
    </Card>
  );
}
