import { memo } from 'react';
import { useStore } from 'zustand';
import type { AlarmView, BedView, LiveValue } from '../../../shared/api/vitals';
import type { LiveModelStore } from './live-model';
import {
  NIBP,
  PARAMS,
  PRIORITY_LABEL,
  alarmText,
  formatAge,
  formatValue,
  isStale,
  topAlarm,
} from './vitals-format';

const NO_VALUES: Readonly<Record<string, LiveValue>> = {};
const NO_ALARMS: readonly AlarmView[] = [];

/** One bed on the unit grid: who, the numerics with their age, and the alarm state in words. */
export const BedTile = memo(function BedTile(props: { bed: BedView; store: LiveModelStore; now: number }) {
  const { bed, store } = props;
  const values = useStore(store, (m) => m.values.get(bed.patientId) ?? NO_VALUES);
  const alarms = useStore(store, (m) => m.alarms.get(bed.patientId) ?? NO_ALARMS);
  const staleAfterMs = useStore(store, (m) => m.staleAfterMs);
  const now = props.now + useStore(store, (m) => m.clockOffsetMs);
  const top = topAlarm(alarms);
  const silenced = top?.silencedUntil !== null && top?.silencedUntil !== undefined && top.silencedUntil > now;
  const alarmCodes = new Set(alarms.map((a) => a.code));
  const state = top ? `tile--${top.priority}${silenced ? ' tile--silenced' : ''}` : '';
  const label = [bed.room, bed.bed].filter(Boolean).join(' · ') || `Patient ${bed.patientId}`;

  return (
    <li className="tile-cell">
      <a
        className={`tile ${state}`}
        href={`#/patients/${bed.patientId}`}
        data-patient-id={bed.patientId}
        aria-label={`${label}${bed.displayName ? `, ${bed.displayName}` : ''}${top ? `, ${PRIORITY_LABEL[top.priority]}: ${alarmText(top)}` : ''}`}
      >
        <header className="tile__head">
          <span className="tile__bed">{label}</span>
          <span className="tile__name">{bed.displayName ?? '—'}</span>
        </header>
        <div className="tile__alarm" aria-hidden={top ? undefined : true}>
          {top ? (
            <>
              <span className="tile__alarm-mark">{top.priority === 'low' ? '◆' : '▲'}</span>
              <span className="tile__alarm-text">{alarmText(top)}</span>
              {alarms.length > 1 ? <span className="tile__alarm-more">+{alarms.length - 1}</span> : null}
              {silenced ? <span className="tile__alarm-ack">ACK · silenced</span> : null}
            </>
          ) : null}
        </div>
        <div className="tile__grid">
          {PARAMS.map((p) => {
            const v = values[p.code];
            if (!v && (p.code === 'etco2' || p.code === 'temp')) return null;
            return (
              <Numeric
                key={p.code}
                label={p.label}
                unit={p.unit}
                colour={p.colour}
                text={formatValue(p.code, v?.value)}
                value={v}
                now={now}
                stale={v ? isStale(v, now, staleAfterMs) : true}
                alarming={alarmCodes.has(p.code)}
                big={p.code === 'hr' || p.code === 'spo2'}
              />
            );
          })}
          <NibpNumeric values={values} now={now} staleAfterMs={staleAfterMs} alarmCodes={alarmCodes} />
        </div>
      </a>
    </li>
  );
});

function Numeric(props: {
  label: string;
  unit: string;
  colour: string;
  text: string;
  value: LiveValue | undefined;
  now: number;
  stale: boolean;
  alarming: boolean;
  big?: boolean;
  wide?: boolean;
}) {
  const age = props.value ? formatAge(props.now - props.value.receivedAt) : 'no data';
  return (
    <div
      className={`num${props.big ? ' num--big' : ''}${props.wide ? ' num--wide' : ''}${props.stale ? ' num--stale' : ''}${props.alarming ? ' num--alarm' : ''}`}
      style={{ color: props.stale ? undefined : props.colour }}
      data-code={props.label}
    >
      <span className="num__label">
        {props.label} <span className="num__unit">{props.unit}</span>
      </span>
      <span className="num__value">{props.text}</span>
      <span className="num__age" title="age of the value">
        {age}
      </span>
    </div>
  );
}

function NibpNumeric(props: {
  values: Readonly<Record<string, LiveValue>>;
  now: number;
  staleAfterMs: Readonly<Record<string, number>>;
  alarmCodes: Set<string>;
}) {
  const sys = props.values[NIBP.sys];
  const dia = props.values[NIBP.dia];
  const mean = props.values[NIBP.mean];
  const text = `${formatValue(NIBP.sys, sys?.value)}/${formatValue(NIBP.dia, dia?.value)}`;
  return (
    <Numeric
      label="NIBP"
      unit="mmHg"
      colour={NIBP.colour}
      text={`${text} (${formatValue(NIBP.mean, mean?.value)})`}
      value={sys}
      now={props.now}
      stale={sys ? isStale(sys, props.now, props.staleAfterMs) : true}
      alarming={[NIBP.sys, NIBP.dia, NIBP.mean].some((c) => props.alarmCodes.has(c))}
      wide
    />
  );
}
