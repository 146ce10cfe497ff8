import fc from 'fast-check';
import type { BatchInput, RecordHeader, RecordInput } from '../../src/log/index.js';

const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });

export const headerArb: fc.Arbitrary<RecordHeader> = fc.record({
  // Full Unicode, a leading U+FEFF included: header keys must survive UTF-8 unchanged.
  key: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constant('\uFEFFbom'), fc.constant('')),
  value: bytes(24),
});

/** Timestamps near "now" and at the edges of the allowed range, so deltas of every size occur. */
export const timestampArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }),
  fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  fc.constantFrom(0, 2 ** 48 - 1),
);

export const recordArb: fc.Arbitrary<RecordInput> = fc.record(
  {
    key: fc.oneof(fc.constant(null), fc.constant(new Uint8Array(0)), bytes(40)),
    value: fc.oneof(fc.constant(new Uint8Array(0)), bytes(200)),
    headers: fc.array(headerArb, { maxLength: 4 }),
    timestampMs: timestampArb,
  },
  { requiredKeys: ['key', 'value', 'timestampMs'] },
);

export const batchInputArb: fc.Arbitrary<BatchInput> = fc.record(
  {
    records: fc.array(recordArb, { minLength: 1, maxLength: 30 }),
    producerId: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
    baseSequence: fc.integer({ min: -1, max: 0x7fffffff }),
  },
  { requiredKeys: ['records'] },
);

/** A small batch of simple records, for partition-log tests. */
export function simpleBatch(count: number, tag: string, timestampMs = 1_700_000_000_000): BatchInput {
  const enc = new TextEncoder();
  return {
    records: Array.from({ length: count }, (_, i) => ({ key: null, value: enc.encode(`${tag}/${i}`), timestampMs })),
  };
}
