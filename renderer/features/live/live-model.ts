import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AlarmView, BedView, LiveValue, VitalsEvent } from '../../../shared/api/vitals';

/**
 * What a live view holds: beds, the latest value per bed and code, and the open alarms. Each
 * patient's values and alarms are their own objects, replaced only when that patient changes,
 * so a tile re-renders only for its own bed (100 beds at 10 Hz stay cheap).
 */
export interface LiveModel {
  readonly status: 'connecting' | 'live' | 'stopped';
  readonly error?: { code: string; message: string };
  readonly beds: readonly BedView[];
  readonly values: ReadonlyMap<number, Readonly<Record<string, LiveValue>>>;
  readonly alarms: ReadonlyMap<number, readonly AlarmView[]>;
  readonly staleAfterMs: Readonly<Record<string, number>>;
  /** node clock − browser clock, so ages are right on a browser whose clock is off. */
  readonly clockOffsetMs: number;
}

export type LiveModelStore = StoreApi<LiveModel>;

export const emptyModel = (): LiveModel => ({
  status: 'connecting',
  beds: [],
  values: new Map(),
  alarms: new Map(),
  staleAfterMs: {},
  clockOffsetMs: 0,
});

export const createLiveModelStore = (): LiveModelStore => createStore<LiveModel>()(() => emptyModel());

/** The model after one event; pure, so tests feed it events directly. */
export function applyEvent(model: LiveModel, event: VitalsEvent, receivedAt = Date.now()): LiveModel {
  const base = event.snapshot ? { ...emptyModel(), staleAfterMs: event.staleAfterMs } : model;
  let beds = base.beds;
  if (event.beds.length > 0) {
    const known = new Set(beds.map((b) => b.patientId));
    beds = [...beds.filter((b) => !event.beds.some((n) => n.patientId === b.patientId)), ...event.beds];
    if (!event.snapshot && event.beds.some((b) => !known.has(b.patientId))) beds = sortBeds(beds);
  }
  const values = new Map(base.values);
  for (const v of event.values) {
    const current = values.get(v.patientId);
    const previous = current?.[v.code];
    if (previous && previous.observedAt > v.observedAt) continue;
    values.set(v.patientId, { ...current, [v.code]: v });
  }
  const alarms = new Map(base.alarms);
  for (const a of event.alarms) {
    const open = (alarms.get(a.patientId) ?? []).filter((x) => x.id !== a.id);
    if (a.endedAt === null) open.push(a);
    if (open.length > 0) alarms.set(a.patientId, open);
    else alarms.delete(a.patientId);
  }
  return {
    ...base,
    status: 'live',
    error: undefined,
    beds,
    values,
    alarms,
    clockOffsetMs: offsetAfter(
      event.snapshot ? undefined : model.clockOffsetMs,
      event.serverTime - receivedAt,
    ),
  };
}

/** Ages are shown in whole seconds: an offset that moved less than this is kept as it was. */
const OFFSET_STEP_MS = 500;

/**
 * Every event measures the offset anew, a few ms off the last (network, event loop). Passing each
 * one on would change a value every tile reads, re-rendering all 100 beds ten times a second for
 * a difference no one can see; so it changes only when it moved by a visible amount.
 */
function offsetAfter(previous: number | undefined, measured: number): number {
  if (previous === undefined || Math.abs(measured - previous) >= OFFSET_STEP_MS) return measured;
  return previous;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
const sortBeds = (beds: readonly BedView[]) =>
  [...beds].sort((a, b) =>
    collator.compare(`${a.room ?? ''} ${a.bed ?? ''}`, `${b.room ?? ''} ${b.bed ?? ''}`),
  );
