/**
 * The consumer's fetch buffer (src/client/fetch-buffer.ts) on real encoded batches: at most
 * max.poll.records per drain, every record once and in offset order across batches and partitions,
 * positions moved record by record (and to the answer's next offset at the end), records below the
 * position skipped, stale entries (seek, revocation) dropped unread, and a corrupt batch thrown only
 * after the records before it were returned.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CompletedFetch, FetchBuffer } from '../../src/client/fetch-buffer.js';
import { PartitionPositions } from '../../src/client/consumer-positions.js';
import { tpKey } from '../../src/client/group-partitions.js';
import { encodeBatch, stampBatch } from '../../src/log/index.js';

const tp0 = { topic: 't', partition: 0 };
const tp1 = { topic: 't', partition: 1 };

/** A stored batch of `count` records from `baseOffset`, values "<partition>:<offset>". */
function batch(partition: number, baseOffset: number, count: number): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`${partition}:${baseOffset + i}`), timestampMs: 1_000 + i }));
  const data = encodeBatch({ records });
  stampBatch(data, { baseOffset, appendTimeMs: 2_000, leaderEpoch: 1 });
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function positionsAt(...entries: [{ topic: string; partition: number }, number][]): PartitionPositions {
  const positions = new PartitionPositions();
  for (const [tp, offset] of entries) positions.set(tpKey(tp), { tp, pos: { kind: 'offset', offset } });
  return positions;
}

const offsetOf = (positions: PartitionPositions, tp: { topic: string; partition: number }) => {
  const pos = positions.get(tpKey(tp))!.pos;
  return pos.kind === 'offset' ? pos.offset : undefined;
};

describe('fetch buffer', () => {
  it('hands out every record once, in order, at most max per drain, moving positions as it goes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 60 }),
        (sizes0, sizes1, max) => {
          const positions = positionsAt([tp0, 0], [tp1, 0]);
          const buffer = new FetchBuffer();
          const batchesOf = (partition: number, sizes: number[]) => {
            let next = 0;
            return { batches: sizes.map((n) => batch(partition, (next += n) - n, n)), end: next };
          };
          const b0 = batchesOf(0, sizes0);
          const b1 = batchesOf(1, sizes1);
          buffer.add(new CompletedFetch(tp0, 0, b0.batches, b0.end + 3)); // the next offset may lie past the last record
          buffer.add(new CompletedFetch(tp1, 0, b1.batches, b1.end));
          const seen: string[] = [];
          for (let drained = buffer.drain(max, positions); drained.length > 0; drained = buffer.drain(max, positions)) {
            expect(drained.length).toBeLessThanOrEqual(max);
            for (const r of drained) seen.push(`${r.partition}:${r.offset}:${r.value.toString()}`);
            const last = drained.at(-1)!;
            expect(offsetOf(positions, last)).toBeGreaterThanOrEqual(last.offset + 1);
          }
          const expected = [...Array.from({ length: b0.end }, (_, o) => `0:${o}:0:${o}`), ...Array.from({ length: b1.end }, (_, o) => `1:${o}:1:${o}`)];
          expect(seen).toEqual(expected);
          expect(offsetOf(positions, tp0)).toBe(b0.end + 3);
          expect(offsetOf(positions, tp1)).toBe(b1.end);
          expect(buffer.holds(tpKey(tp0), b0.end + 3)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('skips records below the position (an answer starts at a whole batch)', () => {
    const positions = positionsAt([tp0, 7]);
    const buffer = new FetchBuffer();
    buffer.add(new CompletedFetch(tp0, 7, [batch(0, 5, 4), batch(0, 9, 2)], 11));
    expect(buffer.holds(tpKey(tp0), 7)).toBe(true);
    expect(buffer.drain(500, positions).map((r) => r.offset)).toEqual([7, 8, 9, 10]);
    expect(offsetOf(positions, tp0)).toBe(11);
  });

  it('drops an entry whose partition was sought elsewhere or revoked, unread', () => {
    const positions = positionsAt([tp0, 0], [tp1, 0]);
    const buffer = new FetchBuffer();
    buffer.add(new CompletedFetch(tp0, 0, [batch(0, 0, 10)], 10));
    buffer.add(new CompletedFetch(tp1, 0, [batch(1, 0, 10)], 10));
    expect(buffer.drain(4, positions).map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    positions.get(tpKey(tp0))!.pos = { kind: 'offset', offset: 2 }; // seek back
    positions.delete(tpKey(tp1)); // revoked
    expect(buffer.holds(tpKey(tp0), 2)).toBe(false);
    expect(buffer.drain(500, positions)).toEqual([]);
    expect(offsetOf(positions, tp0)).toBe(2);
  });

  it('a corrupt batch is thrown after the records before it were returned, and again until sought past', () => {
    const positions = positionsAt([tp0, 0]);
    const buffer = new FetchBuffer();
    const bad = batch(0, 3, 3);
    bad[bad.length - 1]! ^= 0xff; // a flipped bit in the last record: the CRC no longer matches
    buffer.add(new CompletedFetch(tp0, 0, [batch(0, 0, 3), bad], 6));
    expect(buffer.drain(500, positions).map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(offsetOf(positions, tp0)).toBe(3);
    expect(() => buffer.drain(500, positions)).toThrow(expect.objectContaining({ code: 'RUNNEL_ERR_CORRUPT' }));
    expect(() => buffer.drain(500, positions)).toThrow(expect.objectContaining({ code: 'RUNNEL_ERR_CORRUPT' }));
    expect(offsetOf(positions, tp0)).toBe(3);
  });
});
