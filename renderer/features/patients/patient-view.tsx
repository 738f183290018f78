import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import type { AlarmView, EffectiveLimit, LiveValue, TrendSeries } from '../../../shared/api/vitals';
import { useClient } from '../../app/context';
import { formatClock, formatClockToday } from '../../format/time';
import { LimitsEditor } from '../alarm-limits/limits-editor';
import { useVitalsStream } from '../live/use-vitals-stream';
import { NIBP, PARAMS, alarmText, labelOf, PRIORITY_LABEL } from '../live/vitals-format';
import { TrendChart, type ChartLine } from './trend-chart';
import '../live/live.css';
import './patients.css';

const RANGES = [
  { id: '15m', label: '15 min', ms: 15 * 60_000 },
  { id: '1h', label: '1 h', ms: 3_600_000 },
  { id: '8h', label: '8 h', ms: 8 * 3_600_000 },
  { id: '24h', label: '24 h', ms: 24 * 3_600_000 },
] as const;
type RangeId = (typeof RANGES)[number]['id'];

const CHARTS: readonly { title: string; unit: string; codes: readonly { code: string; colour: string }[] }[] =
  [
    ...PARAMS.map((p) => ({ title: p.label, unit: p.unit, codes: [{ code: p.code, colour: p.colour }] })),
    {
      title: 'NIBP',
      unit: 'mmHg',
      codes: [
        { code: NIBP.sys, colour: NIBP.colour },
        { code: NIBP.mean, colour: '#c084fc' },
        { code: NIBP.dia, colour: '#a78bfa' },
      ],
    },
  ];

const HISTORY_PRIORITY: Record<AlarmView['priority'], string> = {
  high: 'High',
  medium: 'Medium',
  low: 'Low (technical)',
};

type Live = Record<string, { t: number[]; v: number[] }>;

/** One patient: demographics, trends with limits (stored, then extended live), alarms. */
export function PatientView(props: { patientId: number }) {
  const client = useClient();
  const { patientId } = props;
  const [reason, setReason] = useState<string | undefined>();
  const params = useMemo(
    () => ({ patientId, ...(reason ? { breakGlassReason: reason } : {}) }),
    [patientId, reason],
  );
  const store = useVitalsStream('vitals.patient', params);
  const status = useStore(store, (m) => m.status);
  const error = useStore(store, (m) => m.error);
  const bed = useStore(store, (m) => m.beds[0]);
  const values = useStore(store, (m) => m.values.get(patientId));
  const active = useStore(store, (m) => m.alarms.get(patientId)) ?? [];
  const [range, setRange] = useState<RangeId>('15m');
  const [window_, setWindow] = useState(() => ({ from: Date.now() - RANGES[0].ms, to: Date.now() }));
  const [series, setSeries] = useState<TrendSeries[]>([]);
  const [limits, setLimits] = useState<EffectiveLimit[]>([]);
  const [history, setHistory] = useState<AlarmView[]>([]);
  const [live, setLive] = useState<Live>({});
  const [actionError, setActionError] = useState<string | undefined>();
  const extra = reason ? { breakGlassReason: reason } : {};

  const ready = status === 'live';
  useEffect(() => {
    if (!ready) return;
    const ms = RANGES.find((r) => r.id === range)?.ms ?? RANGES[0].ms;
    const to = Date.now();
    const from = to - ms;
    setWindow({ from, to: to + Math.min(ms / 10, 5 * 60_000) });
    setLive({});
    let current = true;
    void client
      .call('vitals.trend', { patientId, from, to: to + 1000, buckets: 720, ...extra })
      .then((r) => current && r.ok && setSeries(r.value.series));
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, patientId, range, ready, reason]);

  const activeKey = active.map((a) => `${a.id}:${a.acknowledgedAt ?? ''}`).join(',');
  const refreshAlarms = useCallback(() => {
    void client
      .call('alarms.history', { patientId, limit: 50, ...extra })
      .then((r) => r.ok && setHistory(r.value.alarms));
    void client.call('alarms.limits', { patientId, ...extra }).then((r) => r.ok && setLimits(r.value.limits));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, patientId, reason]);
  useEffect(() => {
    if (ready) refreshAlarms();
  }, [ready, refreshAlarms, activeKey]);

  // Live values extend the stored trend; the chart's window slides with them.
  useEffect(() => {
    if (!values) return;
    setLive((prev) => {
      let next = prev;
      for (const v of Object.values<LiveValue>(values)) {
        const line = prev[v.code];
        if (line && line.t.length > 0 && (line.t[line.t.length - 1] ?? 0) >= v.observedAt) continue;
        next = next === prev ? { ...prev } : next;
        next[v.code] = { t: [...(line?.t ?? []), v.observedAt], v: [...(line?.v ?? []), v.value] };
      }
      return next;
    });
  }, [values]);

  if (status === 'stopped' && error?.code === 'forbidden' && !reason) {
    return <BreakGlass message={error.message} onReason={setReason} />;
  }
  if (status === 'stopped') {
    return <p role="alert">Patient unavailable: {error?.message}</p>;
  }

  const lineFor = (code: string, colour: string): ChartLine => {
    const s = series.find((x) => x.code === code);
    const t = [...(s?.t ?? [])];
    const v = [...(s?.mean ?? [])];
    const last = t[t.length - 1] ?? 0;
    const l = live[code];
    l?.t.forEach((lt, i) => {
      if (lt > last) {
        t.push(lt);
        v.push(l.v[i] ?? 0);
      }
    });
    return { label: labelOf(code), colour, t, v };
  };
  const to = Math.max(window_.to, ...Object.values(live).map((l) => l.t[l.t.length - 1] ?? 0));
  // Alarm history reaches back up to 24 h: times not from today carry their date.
  const now = Date.now();

  const acknowledge = async (alarm: AlarmView) => {
    setActionError(undefined);
    const r = await client.call('alarms.acknowledge', { alarmId: alarm.id, silenceMinutes: 2, ...extra });
    if (!r.ok) setActionError(r.error.message);
  };

  return (
    <section className="pv" aria-label="Patient">
      <header className="pv__head">
        <a className="pv__back" href="#/live">
          ← Unit
        </a>
        <h2 className="pv__name">{bed?.displayName ?? `Patient ${patientId}`}</h2>
        <dl className="pv__demo">
          <dt>Born</dt>
          <dd>{bed?.birthDate ?? '—'}</dd>
          <dt>Sex</dt>
          <dd>{bed?.sex ?? '—'}</dd>
          <dt>Location</dt>
          <dd>{[bed?.unit, bed?.room, bed?.bed].filter(Boolean).join(' · ') || '—'}</dd>
        </dl>
        {reason ? <span className="badge badge--breakglass">Break-glass</span> : null}
      </header>

      <div className="pv__alarms" aria-label="Active alarms" role="region">
        {active.length === 0 ? <p className="pv__none">No active alarms.</p> : null}
        {active.map((a) => {
          const silenced = a.silencedUntil !== null && a.silencedUntil > Date.now();
          return (
            <div key={a.id} className={`pv-alarm pv-alarm--${a.priority}`}>
              <span className="pv-alarm__text">
                {a.priority === 'low' ? '◆' : '▲'} {alarmText(a)}
              </span>
              <span className="pv-alarm__meta">
                {PRIORITY_LABEL[a.priority]} · since {formatClock(a.startedAt)}
                {a.acknowledgedBy ? ` · acknowledged by ${a.acknowledgedBy}` : ''}
                {silenced ? ` · silenced until ${formatClock(a.silencedUntil)}` : ''}
              </span>
              <button
                type="button"
                className="btn-primary"
                onClick={() => void acknowledge(a)}
                disabled={silenced}
              >
                {silenced ? 'Acknowledged' : 'Acknowledge (silence 2 min)'}
              </button>
            </div>
          );
        })}
        {actionError ? <p role="alert">{actionError}</p> : null}
      </div>

      <div className="pv__ranges" role="radiogroup" aria-label="Trend period">
        {RANGES.map((r) => (
          <button
            key={r.id}
            type="button"
            role="radio"
            aria-checked={range === r.id}
            className={range === r.id ? 'is-on' : ''}
            onClick={() => setRange(r.id)}
          >
            {r.label}
          </button>
        ))}
      </div>

      <div className="pv__charts">
        {CHARTS.map((c) => (
          <TrendChart
            key={c.title}
            title={c.title}
            unit={c.unit}
            lines={c.codes.map((x) => lineFor(x.code, x.colour))}
            limits={limits.filter((l) => l.code === c.codes[0]?.code)}
            from={window_.from}
            to={to}
          />
        ))}
      </div>

      <LimitsEditor
        title="Alarm limits for this patient"
        limits={limits}
        level="patient"
        clearLabel="Use the unit default"
        save={(code, l) => client.call('alarms.setPatientLimit', { patientId, code, limits: l, ...extra })}
        // A new limit is judged at once by the node; the charts' limit lines follow from here.
        onSaved={(saved) => setLimits((all) => all.map((x) => (x.code === saved.code ? saved : x)))}
      />

      <h3 className="pv__h3">Alarm history</h3>
      <table className="pv__history">
        <thead>
          <tr>
            <th>Started</th>
            <th>Alarm</th>
            <th>Priority</th>
            <th>Ended</th>
            <th>Acknowledged</th>
          </tr>
        </thead>
        <tbody>
          {history.length === 0 ? (
            <tr>
              <td colSpan={5}>No alarms recorded.</td>
            </tr>
          ) : null}
          {history.map((a) => (
            <tr key={a.id}>
              <td>{formatClockToday(a.startedAt, now)}</td>
              <td>{alarmText(a)}</td>
              <td>{HISTORY_PRIORITY[a.priority]}</td>
              <td>{a.endedAt ? formatClockToday(a.endedAt, now) : 'Still active'}</td>
              <td>
                {a.acknowledgedBy ? `${a.acknowledgedBy} ${formatClockToday(a.acknowledgedAt, now)}` : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function BreakGlass(props: { message: string; onReason: (reason: string) => void }) {
  const [text, setText] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim().length >= 10) props.onReason(text.trim());
  };
  return (
    <section className="pv">
      <p role="alert">{props.message}</p>
      <form className="breakglass" onSubmit={submit}>
        <label htmlFor="pv-reason">Reason (recorded for compliance review)</label>
        <input id="pv-reason" value={text} onChange={(e) => setText(e.target.value)} minLength={10} />
        <button type="submit" disabled={text.trim().length < 10}>
          Break the glass
        </button>
      </form>
    </section>
  );
}
