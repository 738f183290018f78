import type { LiveObservation } from '../../live/bus';
import type { StoredObservations } from './pipeline';

/**
 * What the live bus takes from one group commit: the numeric observations, with the node's
 * receive time (signal-lost timing uses it, not the device clock). Text values (ST/CWE) and
 * channels sent without a value (a dropout, OBX-11 "X") are left out: nothing to plot.
 * Wire it in main/node.ts: `onStored: (batch) => bus.publish(liveObservationsOf(batch))`.
 */
export function liveObservationsOf(batch: readonly StoredObservations[]): LiveObservation[] {
  const out: LiveObservation[] = [];
  for (const message of batch) {
    for (const o of message.observations) {
      if (o.valueNum === undefined || !Number.isFinite(o.valueNum)) continue;
      out.push({
        patientId: message.patientId,
        code: o.code,
        value: o.valueNum,
        unit: o.unit ?? null,
        observedAt: o.observedAt,
        receivedAt: message.receivedAt,
      });
    }
  }
  return out;
}
