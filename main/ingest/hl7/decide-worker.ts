/**
 * The thread that parses and maps HL7 frames for decide-pool.ts, so the thread that owns the
 * store spends its time committing. Receives batches of frames in one transferred buffer and
 * answers each batch with its decisions, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createVitalCatalog } from '../../../shared/catalog/vital-signs';
import { decide } from './decide';
import type { DecideBatch, DecideReply, DecideWorkerData } from './decide-pool';
import { toWire } from './wire-decision';

const data = workerData as DecideWorkerData;
const options = { catalog: createVitalCatalog(data.localCodes), keepTypes: data.keepTypes };

parentPort?.on('message', (batch: DecideBatch) => {
  const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
  const decisions: DecideReply['decisions'][number][] = [];
  let start = 0;
  for (let i = 0; i < batch.ends.length; i++) {
    const end = batch.ends[i] as number;
    try {
      decisions.push(toWire(decide(bytes.subarray(start, end), options, batch.receivedAt[i] as number)));
    } catch (error) {
      decisions.push({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    }
    start = end;
  }
  parentPort?.postMessage({ id: batch.id, decisions } satisfies DecideReply);
});
