import { GRAIN_MS, type Grain } from '../../shared/api/products';
import { MIN_TIME } from '../products/source';

/**
 * The mesh cursor of an aggregated product (1min, 5min, 1h). A pipeline release reads aggregates
 * in (patient, code, time) order over one snapshot, so it can't simply carry on with rows stored
 * later the way a raw release does (by id). Instead the mesh releases *closed windows* of time:
 *
 * - A bucket [s, s + grain) is closed once its end is at least `latenessMs` in the past: by then
 *   its rows have arrived, and it is released once, complete. The open bucket (and any bucket still
 *   within the lateness allowance) waits for a later pull.
 * - A pull releases the window [from, to): from = where the last window ended, to = the closed
 *   end now (bucket-aligned). Inside a window the pipeline's own cursor resumes exactly.
 * - Rows stored after their bucket was released (arriving more than `latenessMs` after it ended)
 *   are not sent — they would change an aggregate the peer already holds. They are counted (the
 *   `done` cursor keeps the snapshot it covered) and audited by the sender, never lost silently.
 *
 * Forms (opaque to the puller, which only checks that a batch starts where it stands):
 *   ''                         nothing released yet
 *   agg1.done.<to>.<upTo>      every bucket starting before `to` released, from snapshot ≤ upTo
 *   agg1.at.<from>.<to>.<c>    window [from, to) in progress at pipeline cursor c
 */
export type WindowCursor =
  | { readonly kind: 'start' }
  | { readonly kind: 'done'; readonly to: number; readonly upTo: number }
  | { readonly kind: 'at'; readonly from: number; readonly to: number; readonly inner: string };

/** How long after a bucket ends its rows may still arrive (device buffers, FHIR polls). */
export const DEFAULT_LATENESS_MS = 5 * 60_000;

export class WindowCursorError extends Error {
  override name = 'WindowCursorError';
}

export function encodeWindowCursor(c: WindowCursor): string {
  switch (c.kind) {
    case 'start':
      return '';
    case 'done':
      return `agg1.done.${c.to}.${c.upTo}`;
    case 'at':
      return `agg1.at.${c.from}.${c.to}.${c.inner}`;
    default: {
      const never: never = c;
      throw new Error(`unknown window cursor ${JSON.stringify(never)}`);
    }
  }
}

export function decodeWindowCursor(cursor: string | undefined): WindowCursor {
  if (!cursor) return { kind: 'start' };
  const done = /^agg1\.done\.(-?\d+)\.(\d+)$/.exec(cursor);
  if (done) return { kind: 'done', to: Number(done[1]), upTo: Number(done[2]) };
  const at = /^agg1\.at\.(-?\d+)\.(-?\d+)\.(.+)$/.exec(cursor);
  if (at) return { kind: 'at', from: Number(at[1]), to: Number(at[2]), inner: at[3]! };
  throw new WindowCursorError(
    `cursor "${cursor.slice(0, 60)}" is not a cursor of an aggregated product ` +
      '(a cursor from before closed-window releases: unsubscribe and subscribe again)',
  );
}

/** The end of the last closed bucket at `now`: every bucket starting before it has ended ≥ lateness ago. */
export function closedEnd(now: number, grain: Exclude<Grain, 'raw'>, latenessMs: number): number {
  const g = GRAIN_MS[grain];
  return Math.floor((now - latenessMs) / g) * g;
}

/** Where the next window starts after a cursor (MIN_TIME before anything was released). */
export function windowStart(c: WindowCursor): number {
  switch (c.kind) {
    case 'start':
      return MIN_TIME;
    case 'done':
      return c.to;
    case 'at':
      return c.from;
    default: {
      const never: never = c;
      throw new Error(`unknown window cursor ${JSON.stringify(never)}`);
    }
  }
}
