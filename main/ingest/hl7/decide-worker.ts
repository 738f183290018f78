/**
 * The thread that parses and maps HL7 frames for decide-pool.ts, so the thread that owns the
 * store spends its time committing. Receives batches of frames in one transferred buffer and
 * answers each batch with its decisions, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createVitalCatalog } from '../../../shared/catalog/vital-signs';
import { decide } from './decide';
import type { DecideBatch, DecideReply, DecideWorkerData } from './decide-pool';
import { WireBatchWriter } from './wire-decision';

const data = workerData as DecideWorkerData;
const options = { catalog: createVitalCatalog(data.localCodes), keepTypes: data.keepTypes };

parentPort?.on('message', (batch: DecideBatch) => {
  const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
  const out = new WireBatchWriter();
  let start = 0;
  for (let i = 0; i < batch.ends.length; i++) {
    const end = batch.ends[i] as number;
    try {
      out.add(decide(bytes.subarray(start, end), options, batch.receivedAt[i] as number));
    } catch (error) {
      out.addError(error instanceof Error ? error.message : String(error));
    }
    start = end;
  }
  const { batch: decisions, transfer } = out.finish();
  parentPort?.postMessage({ id: batch.id, decisions } satisfies DecideReply, transfer);
});
