import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunnelError } from '../../src/core/index.js';
import { decodePartitionSnapshot, encodePartitionSnapshot, type PartitionSnapshot } from '../../src/log/index.js';

const snapshotArb: fc.Arbitrary<PartitionSnapshot> = fc
  .record({
    logStartOffset: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    endOffset: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    producers: fc.uniqueArray(
      fc.record({
        producerId: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
        lastSequence: fc.integer({ min: -1, max: 0x7fffffff }),
        lastOffset: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      }),
      { selector: (p) => p.producerId, maxLength: 5 },
    ),
  })
  .map((s) => ({ ...s, producers: [...s.producers].sort((a, b) => a.producerId - b.producerId) }));

describe('partition snapshot', () => {
  it('round-trips, and equal states encode to equal bytes', () => {
    fc.assert(
      fc.property(snapshotArb, (s) => {
        const data = encodePartitionSnapshot(s);
        expect(decodePartitionSnapshot(data)).toEqual(s);
        expect(encodePartitionSnapshot(decodePartitionSnapshot(data))).toEqual(data);
      }),
    );
  });

  it('detects any damaged byte', () => {
    fc.assert(
      fc.property(snapshotArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (s, at, mask) => {
        const data = encodePartitionSnapshot(s);
        data[at % data.length]! ^= mask;
        expect(() => decodePartitionSnapshot(data)).toThrow(RunnelError);
      }),
    );
  });

  it('refuses producers out of order', () => {
    const p = { producerEpoch: 0, lastSequence: 0, lastOffset: 0 };
    expect(() => encodePartitionSnapshot({ logStartOffset: 0, endOffset: 0, producers: [{ producerId: 2, ...p }, { producerId: 1, ...p }] })).toThrow();
  });
});
