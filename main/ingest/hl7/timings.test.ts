import { describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG } from '../../../shared/catalog/vital-signs';
import { startListener } from './listener';
import { createIngest } from './pipeline';
import { openScratchStore, sendOneMllp, silentLogger } from './test-support';
import { SampleWindow } from './timings';

const oru = (id: string) =>
  [
    `MSH|^~\\&|MON^0001^EUI-64|ICU|VM|FAC|20240301120000+0000||ORU^R01^ORU_R01|${id}|P|2.6`,
    'PID|||MRN7^^^HOSP^MR||Doe^Jane||19700101|F',
    'PV1||I|ICU^12^A',
    'OBR|1|||182777000^monitoring of patient^SCT|||20240301120000+0000',
    'OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
  ].join('\r');

describe('ingest timings', () => {
  it('keeps the last samples and reads percentiles from them', () => {
    const w = new SampleWindow();
    for (let i = 1; i <= 100; i++) w.add(i);
    expect(w.percentiles()).toEqual({ p50: 51, p99: 100, max: 100 });
    for (let i = 0; i < 5000; i++) w.add(1);
    expect(w.count).toBe(4096);
    expect(w.percentiles()).toEqual({ p50: 1, p99: 1, max: 1 });
  });

  it('times real messages over MLLP: parse, queue, commit, frame → ACK written', async () => {
    const store = openScratchStore();
    const logger = silentLogger();
    const ingest = createIngest({ db: store.db, catalog: DEFAULT_CATALOG, logger });
    const listener = await startListener({ ingest, logger, port: 0 });
    try {
      for (let i = 0; i < 5; i++) await sendOneMllp(listener.port, oru(`T${i}`));
      await expect.poll(() => ingest.timings().samples).toBe(5);
      const t = ingest.timings();
      expect(t.commitMs.max).toBeGreaterThan(0);
      // The whole is at least the commit it waited for.
      expect(t.inNodeMs.max).toBeGreaterThanOrEqual(t.commitMs.p50);
      expect(t.parseMs.p50).toBeGreaterThan(0);
      expect(t.eventLoopDelayMs.p99).toBeGreaterThanOrEqual(0);
    } finally {
      await listener.close();
      ingest.close();
      store.close();
    }
  });
});
