import { describe, expect, it } from 'vitest';
import { MllpFramer, OVERSIZED_HEAD_BYTES, frame } from './mllp';

function collect(max = 1024) {
  const frames: string[] = [];
  const oversized: { head: string; total: number }[] = [];
  const junk: { bytes: number; why: string }[] = [];
  const framer = new MllpFramer(max, {
    onFrame: (p) => frames.push(p.toString('latin1')),
    onOversized: (head, total) => oversized.push({ head: head.toString('latin1'), total }),
    onJunk: (bytes, why) => junk.push({ bytes, why }),
  });
  return { framer, frames, oversized, junk };
}

describe('MllpFramer', () => {
  it('reassembles a frame split at every byte boundary, FS and CR included', () => {
    const bytes = frame('MSH|^~\\&|A\rPID|1');
    for (let cut = 1; cut < bytes.length; cut++) {
      const { framer, frames } = collect();
      framer.push(bytes.subarray(0, cut));
      framer.push(bytes.subarray(cut));
      expect(frames, `cut at ${cut}`).toEqual(['MSH|^~\\&|A\rPID|1']);
    }
  });

  it('splits several frames in one read and skips junk between them', () => {
    const { framer, frames, junk } = collect();
    framer.push(
      Buffer.concat([
        Buffer.from('garbage'),
        frame('one'),
        Buffer.from('\n\n'),
        frame('two'),
        frame('three'),
      ]),
    );
    expect(frames).toEqual(['one', 'two', 'three']);
    expect(junk).toEqual([
      { bytes: 7, why: 'outside-frame' },
      { bytes: 2, why: 'outside-frame' },
    ]);
  });

  it('drops a frame cut off by a new start block', () => {
    const { framer, frames, junk } = collect();
    framer.push(Buffer.concat([Buffer.from([0x0b]), Buffer.from('half'), frame('whole')]));
    expect(frames).toEqual(['whole']);
    expect(junk).toEqual([{ bytes: 4, why: 'restarted' }]);
  });

  it('refuses an oversized frame keeping only its head, then carries on', () => {
    const { framer, frames, oversized } = collect(10_000);
    const big = 'MSH|' + 'x'.repeat(1_000_000);
    const bytes = frame(big);
    for (let i = 0; i < bytes.length; i += 65536) {
      framer.push(bytes.subarray(i, i + 65536));
      expect(framer.buffered).toBeLessThanOrEqual(10_000);
    }
    framer.push(frame('next'));
    expect(oversized).toHaveLength(1);
    expect(oversized[0]?.total).toBe(big.length);
    expect(oversized[0]?.head).toBe(big.slice(0, OVERSIZED_HEAD_BYTES));
    expect(frames).toEqual(['next']);
  });
});
