import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { usePolled } from '../../app/use-polled';
import { useNow } from '../settings/use-node-health';
import { BedTile } from './bed-tile';
import { useVitalsStream } from './use-vitals-stream';
import { UnitChooser, type UnitChoice } from './unit-chooser';
import './live.css';

const CHOICE_KEY = 'vitalmesh.live.unit';
/**
 * How often the unit chooser's bed and alarm counts are asked again: it is where a clinician sees
 * that another of their units has an alarm, so its counts must not stay as they were at login.
 * Each ask is one audited call, so not more often than a glance at another unit needs.
 */
export const UNITS_REFRESH_MS = 15_000;

/** Live vitals: the beds of one unit, as a central station shows them. */
export function LiveScreen() {
  const { value: units, error: unitsError } = usePolled('units.list', {}, UNITS_REFRESH_MS);
  const [choice, setChoice] = useState<UnitChoice | undefined>();

  useEffect(() => {
    if (!units || choice) return;
    // The last unit watched here if still assigned, else the first assigned unit.
    const saved = window.localStorage.getItem(CHOICE_KEY);
    const first = units.assigned.includes(saved ?? '') ? saved : units.assigned[0];
    if (first) setChoice({ unit: first });
  }, [units, choice]);

  const choose = (next: UnitChoice) => {
    setChoice(next);
    if (!next.breakGlassReason) window.localStorage.setItem(CHOICE_KEY, next.unit);
  };

  return (
    <section className="live" aria-label="Live vitals">
      <div className="live__bar">
        {units ? <UnitChooser units={units} choice={choice} onChoose={choose} /> : null}
        {unitsError ? <p role="alert">Units unavailable: {unitsError.message}</p> : null}
      </div>
      {choice ? (
        <UnitGrid choice={choice} />
      ) : units ? (
        <p className="live__empty">Choose a unit to watch its beds.</p>
      ) : null}
    </section>
  );
}

function UnitGrid(props: { choice: UnitChoice }) {
  const params = useMemo(
    () => ({
      unit: props.choice.unit,
      ...(props.choice.breakGlassReason ? { breakGlassReason: props.choice.breakGlassReason } : {}),
    }),
    [props.choice.unit, props.choice.breakGlassReason],
  );
  const store = useVitalsStream('vitals.unit', params);
  const status = useStore(store, (m) => m.status);
  const error = useStore(store, (m) => m.error);
  const beds = useStore(store, (m) => m.beds);
  const alarmCount = useStore(store, (m) => m.alarms.size);
  const now = useNow(1000);
  const gridRef = useRef<HTMLUListElement>(null);

  return (
    <>
      <p className="live__status" aria-live="polite">
        <span className={`live__dot live__dot--${status}`} aria-hidden="true" />
        {status === 'live'
          ? `${props.choice.unit}: ${beds.length} beds · ${alarmCount === 0 ? 'no beds alarming' : `${alarmCount} ${alarmCount === 1 ? 'bed' : 'beds'} alarming`}`
          : status === 'connecting'
            ? `Connecting to ${props.choice.unit}…`
            : `Live updates stopped: ${error?.message ?? 'the connection ended'}`}
        {props.choice.breakGlassReason ? <span className="badge badge--breakglass">Break-glass</span> : null}
      </p>
      {status === 'live' && beds.length === 0 ? (
        <p className="live__empty">No patients on {props.choice.unit} yet.</p>
      ) : null}
      <ul
        className="tiles"
        ref={gridRef}
        aria-label={`Beds on ${props.choice.unit}`}
        onKeyDown={(e) => moveFocus(e, gridRef.current)}
      >
        {beds.map((bed) => (
          <BedTile key={bed.patientId} bed={bed} store={store} now={now} />
        ))}
      </ul>
    </>
  );
}

/** Arrow keys move between tiles like a grid; Enter opens the focused bed (it is a link). */
function moveFocus(e: KeyboardEvent<HTMLUListElement>, grid: HTMLUListElement | null) {
  if (!grid || !['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End'].includes(e.key)) return;
  const tiles = [...grid.querySelectorAll<HTMLAnchorElement>('a.tile')];
  const index = tiles.findIndex((t) => t === document.activeElement);
  if (index < 0) return;
  const columns = Math.max(1, getComputedStyle(grid).gridTemplateColumns.split(' ').filter(Boolean).length);
  const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns } as Record<
    string,
    number
  >;
  const next = e.key === 'Home' ? 0 : e.key === 'End' ? tiles.length - 1 : index + (step[e.key] ?? 0);
  const target = tiles[Math.min(tiles.length - 1, Math.max(0, next))];
  if (target) {
    e.preventDefault();
    target.focus();
  }
}
