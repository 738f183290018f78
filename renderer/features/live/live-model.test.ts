import { describe, expect, it } from 'vitest';
import type { VitalsEvent } from '../../../shared/api/vitals';
import { applyEvent, emptyModel } from './live-model';

const event = (over: Partial<VitalsEvent>): VitalsEvent => ({
  snapshot: false,
  serverTime: 0,
  beds: [],
  values: [],
  alarms: [],
  staleAfterMs: {},
  ...over,
});
const hr = (patientId: number, value: number, at: number) => ({
  patientId,
  code: 'hr',
  value,
  unit: null,
  observedAt: at,
  receivedAt: at,
});

describe('live model', () => {
  it("keeps the clock offset through a few ms of jitter, so beds that didn't change keep their objects", () => {
    let m = applyEvent(
      emptyModel(),
      event({ snapshot: true, serverTime: 10_000, values: [hr(1, 70, 9000), hr(2, 80, 9000)] }),
      10_020,
    );
    expect(m.clockOffsetMs).toBe(-20);
    const bed2 = m.values.get(2);
    m = applyEvent(m, event({ serverTime: 11_000, values: [hr(1, 71, 10_900)] }), 11_007);
    expect(m.clockOffsetMs).toBe(-20);
    // A tile's selectors (values of its bed, the offset) return what they returned before.
    expect(m.values.get(2)).toBe(bed2);
    expect(m.values.get(1)?.hr?.value).toBe(71);
    // A real change of the browser's clock (or the node's) is taken.
    m = applyEvent(m, event({ serverTime: 12_000 }), 14_000);
    expect(m.clockOffsetMs).toBe(-2000);
    // A new snapshot measures afresh.
    m = applyEvent(m, event({ snapshot: true, serverTime: 20_000 }), 20_003);
    expect(m.clockOffsetMs).toBe(-3);
  });
});
