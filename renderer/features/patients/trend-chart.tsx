import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { EffectiveLimit } from '../../../shared/api/vitals';

export interface ChartLine {
  readonly label: string;
  readonly colour: string;
  readonly t: readonly number[];
  readonly v: readonly number[];
}

/** Where the limits come from, in the limits table's words ("catalog" alone meant little). */
const LIMIT_SOURCE: Record<EffectiveLimit['source'], string> = {
  catalog: 'catalog default',
  unit: 'unit default',
  patient: 'set for this patient',
};

/** Horizontal limit lines: dashed yellow at low/high, red at the critical limits. */
function limitsPlugin(limits: readonly EffectiveLimit[]): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
          for (const l of limits) {
            for (const [value, colour] of [
              [l.low, '#f2cc60'],
              [l.high, '#f2cc60'],
              [l.criticalLow, '#f85149'],
              [l.criticalHigh, '#f85149'],
            ] as const) {
              const y = u.valToPos(value, 'y', true);
              if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) continue;
              ctx.strokeStyle = colour;
              ctx.beginPath();
              ctx.moveTo(u.bbox.left, y);
              ctx.lineTo(u.bbox.left + u.bbox.width, y);
              ctx.stroke();
            }
          }
          ctx.restore();
        },
      ],
    },
  };
}

/** Merges lines with their own time stamps onto one x axis (uPlot's aligned columns). */
function align(lines: readonly ChartLine[]): uPlot.AlignedData {
  const ts = [...new Set(lines.flatMap((l) => l.t))].sort((a, b) => a - b);
  const index = new Map(ts.map((t, i) => [t, i]));
  const ys = lines.map((l) => {
    const col: (number | null)[] = new Array<number | null>(ts.length).fill(null);
    l.t.forEach((t, i) => (col[index.get(t) ?? 0] = l.v[i] ?? null));
    return col;
  });
  return [ts.map((t) => t / 1000), ...ys] as uPlot.AlignedData;
}

/**
 * The time axis in the app's forms (renderer/format/time.ts): 24-hour, year first. uPlot's own
 * labels are US-style ("7:55am" over "12/3/26"). Each row, as uPlot reads it: the smallest tick
 * step (s) it serves, the label, then the label added when the year, month, day, hour, minute or
 * second changes from the tick before (null: none), and 1 to add it rather than replace.
 */
const DAY_S = 86_400;
const NEW_DAY = '\n{YYYY}-{MM}-{DD}';
const TIME_AXIS: uPlot.Axis.TimeValuesConfig = [
  [DAY_S, '{YYYY}-{MM}-{DD}', null, null, null, null, null, null, 1],
  [60, '{HH}:{mm}', NEW_DAY, null, NEW_DAY, null, null, null, 1],
  [1, '{HH}:{mm}:{ss}', NEW_DAY, null, NEW_DAY, null, null, null, 1],
];

/**
 * A trend of one parameter with its alarm limits, drawn by uPlot on a canvas (fast enough for
 * 24 h at 1 Hz). The text summary under it says the same in words, for screen readers and tests.
 */
export function TrendChart(props: {
  title: string;
  unit: string;
  lines: readonly ChartLine[];
  limits: readonly EffectiveLimit[];
  from: number;
  to: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { lines, limits, from, to } = props;
  const latest = useRef(lines);
  latest.current = lines;
  const shape = lines.map((l) => `${l.label}:${l.colour}`).join('|') + JSON.stringify(limits);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const yRange = (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => {
      const all = [min, max, ...limits.flatMap((l) => [l.low, l.high])].filter(Number.isFinite);
      const lo = Math.min(...all);
      const hi = Math.max(...all);
      const pad = Math.max(1, (hi - lo) * 0.08);
      return [Math.floor(lo - pad), Math.ceil(hi + pad)];
    };
    let made: uPlot | null = null;
    let gone = false;
    // uPlot is loaded when a chart first shows: it reads matchMedia at import, which a test DOM lacks.
    void import('uplot')
      .then(({ default: UPlot }) => {
        if (gone) return;
        made = new UPlot(
          {
            width: Math.max(200, el.clientWidth),
            height: 150,
            legend: { show: false },
            cursor: { y: false },
            scales: { x: { time: true, range: () => [from / 1000, to / 1000] }, y: { range: yRange } },
            axes: [
              {
                stroke: '#8b949e',
                grid: { stroke: '#21262d' },
                ticks: { stroke: '#30363d' },
                values: TIME_AXIS,
              },
              { stroke: '#8b949e', grid: { stroke: '#21262d' }, ticks: { stroke: '#30363d' }, size: 44 },
            ],
            series: [
              {},
              ...lines.map((l) => ({ label: l.label, stroke: l.colour, width: 2, spanGaps: false })),
            ],
            plugins: [limitsPlugin(limits)],
          },
          align(latest.current),
          el,
        );
        plot.current = made;
      })
      .catch(() => {
        // No canvas (a test DOM): the summary below still says what the chart would show.
      });
    const resize =
      typeof ResizeObserver === 'undefined'
        ? undefined
        : new ResizeObserver(() => made?.setSize({ width: Math.max(200, el.clientWidth), height: 150 }));
    resize?.observe(el);
    return () => {
      gone = true;
      resize?.disconnect();
      made?.destroy();
      plot.current = null;
    };
    // Rebuilt when the series or limits change shape; new points only call setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, from, to]);

  useEffect(() => {
    plot.current?.setData(align(lines), false);
    plot.current?.redraw();
  }, [lines]);

  const main = lines[0];
  const last = main && main.v.length > 0 ? main.v[main.v.length - 1] : undefined;
  const limit = limits[0];
  return (
    <figure className="trend">
      <figcaption className="trend__title">
        {props.title} <span className="trend__unit">{props.unit}</span>
      </figcaption>
      <div className="trend__plot" ref={host} aria-hidden="true" />
      <p className="trend__summary">
        {main && main.v.length > 0 ? `${main.v.length} points, latest ${last}` : 'No values in this period'}
        {limit
          ? ` · limits ${limit.low}–${limit.high} (critical ${limit.criticalLow}–${limit.criticalHigh}, ${LIMIT_SOURCE[limit.source]})`
          : ''}
      </p>
    </figure>
  );
}
