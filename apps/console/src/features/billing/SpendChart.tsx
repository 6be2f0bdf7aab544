import { useEffect, useId, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import type { DailySpend } from '../../api/billing.ts';
import { formatRwf } from '../../lib/format.ts';

/**
 * Daily spend as an SVG bar chart, drawn at the container's real width so its text stays
 * readable on a phone. Pointer hover and the arrow keys (the chart is one tab stop) show a day's
 * amount; the same numbers are in a table below it for screen readers and for copying.
 */

const HEIGHT = 220;
const MARGIN = { top: 16, right: 12, bottom: 30, left: 76 };
/** Height a tooltip needs above a bar's top. */
const TOOLTIP_ROOM = 56;

const dayShort = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const dayLong = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const dateOf = (day: string) => new Date(`${day}T00:00:00Z`);

/** 1, 2 or 5 times a power of ten, at least `value`: the step of a readable axis. */
function niceStep(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  const unit = value / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

/** The axis: from zero to a round maximum in four steps (RWF 1,000 when nothing was spent). */
export function axisTicks(max: number): number[] {
  const step = max <= 0 ? 250 : Math.max(1, niceStep(max / 4));
  const top = Math.max(step * 4, Math.ceil(max / step) * step);
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step) ticks.push(v);
  return ticks;
}

/** The element's width in CSS pixels, followed as it resizes (the compute graphs use it too). */
export function useWidth<T extends HTMLElement>(): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const node = ref.current;
    if (!node) return;
    setWidth(node.clientWidth);
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry?.contentRect.width ?? 0)));
    observer.observe(node);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export function SpendChart({ days, captionId }: { days: DailySpend[]; captionId: string }) {
  const [boxRef, width] = useWidth<HTMLDivElement>();
  const [active, setActive] = useState<number | null>(null);
  const [focused, setFocused] = useState(false);
  const tableId = useId();
  const total = days.reduce((sum, d) => sum + d.amount, 0);
  const highest = days.reduce<DailySpend | null>((best, d) => (d.amount > (best?.amount ?? 0) ? d : best), null);
  const ticks = axisTicks(highest?.amount ?? 0);
  const top = ticks[ticks.length - 1]!;

  const plotWidth = Math.max(0, width - MARGIN.left - MARGIN.right);
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = days.length > 0 ? plotWidth / days.length : 0;
  const barWidth = Math.max(2, Math.min(28, slot * 0.68));
  const y = (amount: number) => MARGIN.top + plotHeight - (amount / top) * plotHeight;
  // A date label every few days, whatever the width: never so many that they overlap.
  const labelEvery = Math.max(1, Math.ceil(days.length / Math.max(2, Math.floor(plotWidth / 64))));
  const first = days[0];
  const last = days[days.length - 1];
  const summary =
    first && last
      ? `Daily spend from ${dayShort.format(dateOf(first.day))} to ${dayShort.format(dateOf(last.day))}: ${formatRwf(total)} in total` +
        (highest ? `, highest ${formatRwf(highest.amount)} on ${dayShort.format(dateOf(highest.day))}.` : ', nothing charged.')
      : 'No days to show.';

  const shown = active !== null ? days[active] : undefined;
  const onKeyDown = (event: KeyboardEvent<SVGSVGElement>) => {
    const lastIndex = days.length - 1;
    const current = active ?? lastIndex;
    const next = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: lastIndex }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    setActive(Math.min(lastIndex, Math.max(0, next)));
  };

  return (
    <div className="spend-chart">
      <div className="spend-chart-figure" ref={boxRef} onPointerLeave={() => !focused && setActive(null)}>
        {width > 0 ? (
          <svg
            width={width}
            height={HEIGHT}
            role="img"
            aria-labelledby={captionId}
            aria-describedby={`${tableId}-summary`}
            tabIndex={0}
            onKeyDown={onKeyDown}
            onFocus={() => {
              setFocused(true);
              setActive((a) => a ?? days.length - 1);
            }}
            onBlur={() => {
              setFocused(false);
              setActive(null);
            }}
          >
            {ticks.map((tick) => (
              <g key={tick}>
                <line className={tick === 0 ? 'spend-chart-baseline' : 'spend-chart-grid'} x1={MARGIN.left} x2={width - MARGIN.right} y1={y(tick)} y2={y(tick)} />
                <text className="spend-chart-tick" x={MARGIN.left - 8} y={y(tick)} dy="0.32em" textAnchor="end">
                  {formatRwf(tick)}
                </text>
              </g>
            ))}
            {days.map((d, i) => {
              const cx = MARGIN.left + slot * i + slot / 2;
              const h = Math.max(d.amount > 0 ? 2 : 0, y(0) - y(d.amount));
              return (
                <g key={d.day} onPointerEnter={() => setActive(i)}>
                  {/* The whole column answers the pointer, not only the bar: thin or zero bars stay easy to hover. */}
                  <rect className="spend-chart-hit" x={cx - slot / 2} y={MARGIN.top} width={slot} height={plotHeight} />
                  <rect className={i === active ? 'spend-chart-bar is-active' : 'spend-chart-bar'} x={cx - barWidth / 2} y={y(0) - h} width={barWidth} height={h} rx={Math.min(3, barWidth / 3)} />
                  {i % labelEvery === (days.length - 1) % labelEvery ? (
                    <text className="spend-chart-tick" x={cx} y={HEIGHT - MARGIN.bottom + 18} textAnchor="middle">
                      {dayShort.format(dateOf(d.day))}
                    </text>
                  ) : null}
                </g>
              );
            })}
            {total === 0 ? (
              <text className="spend-chart-empty" x={MARGIN.left + plotWidth / 2} y={MARGIN.top + plotHeight / 2} textAnchor="middle">
                Nothing charged in these days
              </text>
            ) : null}
          </svg>
        ) : (
          <div style={{ height: HEIGHT }} />
        )}
        {shown && active !== null ? (
          <div
            // Above the bar; below its top when a tall bar leaves no room above.
            className={y(shown.amount) < TOOLTIP_ROOM ? 'spend-chart-tooltip is-below' : 'spend-chart-tooltip'}
            aria-hidden="true"
            style={{
              left: Math.min(Math.max(MARGIN.left + slot * active + slot / 2, 96), Math.max(96, width - 96)),
              top: y(shown.amount) < TOOLTIP_ROOM ? y(shown.amount) + 8 : y(shown.amount) - 8,
            }}
          >
            <span className="spend-chart-tooltip-day">{dayLong.format(dateOf(shown.day))}</span>
            <strong>{formatRwf(shown.amount)}</strong>
          </div>
        ) : null}
      </div>
      <p id={`${tableId}-summary`} className="spend-chart-summary">
        {summary}
      </p>
      <p className="visually-hidden" aria-live="polite">
        {focused && shown ? `${dayLong.format(dateOf(shown.day))}: ${formatRwf(shown.amount)}` : ''}
      </p>
      <details className="spend-chart-table">
        <summary>Show the numbers</summary>
        <div className="table-scroll">
          <table className="table" aria-label="Daily spend">
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col" className="num">
                  Spend
                </th>
              </tr>
            </thead>
            <tbody>
              {[...days].reverse().map((d) => (
                <tr key={d.day}>
                  <td>{dayLong.format(dateOf(d.day))}</td>
                  <td className="num">{formatRwf(d.amount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
