import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/core/index.js';
import {
  murmur2,
  partitionForKey,
  RoundRobinPartitioner,
  StickyPartitioner,
  toPositive,
  type TopicPartitions,
} from '../../src/client/partitioner.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * Expected values from Kafka's own tests (clients/src/test/.../utils/UtilsTest.java, testMurmur2),
 * as quoted by kafka_ex and kafkabr; "1".."12345" as quoted by Akka's Murmur2Spec.
 */
const KAFKA_VECTORS: ReadonlyArray<readonly [string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
  ['1', -1993445489],
  ['12', 126087238],
  ['123', -267702483],
  ['1234', -1614185708],
  ['12345', -1188365604],
];

/**
 * An independent transcription of the Java code with BigInt and explicit 32-bit wrap, to
 * cross-check the Math.imul version on arbitrary bytes.
 */
function murmur2Reference(data: Uint8Array): number {
  const wrap = (x: bigint): bigint => BigInt.asIntN(32, x);
  const ushr = (x: bigint, n: bigint): bigint => BigInt.asUintN(32, x) >> n;
  const m = 0x5bd1e995n;
  const length = data.length;
  let h = wrap(0x9747b28cn ^ BigInt(length));
  const length4 = Math.floor(length / 4);
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = wrap(BigInt(data[i4]!) + (BigInt(data[i4 + 1]!) << 8n) + (BigInt(data[i4 + 2]!) << 16n) + (BigInt(data[i4 + 3]!) << 24n));
    k = wrap(k * m);
    k = wrap(k ^ ushr(k, 24n));
    k = wrap(k * m);
    h = wrap(h * m);
    h = wrap(h ^ k);
  }
  const base = length & ~3;
  switch (length % 4) {
    case 3:
      h = wrap(h ^ (BigInt(data[base + 2]!) << 16n));
      h = wrap(h ^ (BigInt(data[base + 1]!) << 8n));
      h = wrap(h ^ BigInt(data[base]!));
      h = wrap(h * m);
      break;
    case 2:
      h = wrap(h ^ (BigInt(data[base + 1]!) << 8n));
      h = wrap(h ^ BigInt(data[base]!));
      h = wrap(h * m);
      break;
    case 1:
      h = wrap(h ^ BigInt(data[base]!));
      h = wrap(h * m);
      break;
  }
  h = wrap(h ^ ushr(h, 13n));
  h = wrap(h * m);
  h = wrap(h ^ ushr(h, 15n));
  return Number(h);
}

const topic = (numPartitions: number, availablePartitions: number[] = []): TopicPartitions => ({
  topic: 't',
  numPartitions,
  availablePartitions,
});

describe('murmur2', () => {
  it.each(KAFKA_VECTORS)('matches Kafka for %j', (input, expected) => {
    expect(murmur2(utf8(input))).toBe(expected);
  });

  it('equals an independent BigInt transcription on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(murmur2(bytes)).toBe(murmur2Reference(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('handles the empty key', () => {
    expect(murmur2(new Uint8Array(0))).toBe(murmur2Reference(new Uint8Array(0)));
  });
});

describe('toPositive and partitionForKey', () => {
  it('clears only the sign bit', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(5)).toBe(5);
  });

  it('is toPositive(murmur2) % numPartitions, always in range', () => {
    expect(partitionForKey(utf8('foobar'), 3)).toBe(toPositive(-790332482) % 3);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), fc.integer({ min: 1, max: 1000 }), (key, n) => {
        const p = partitionForKey(key, n);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(n);
      }),
    );
  });

  it('rejects a topic without partitions', () => {
    expect(() => partitionForKey(utf8('k'), 0)).toThrow(/numPartitions/);
  });
});

describe('StickyPartitioner', () => {
  it('sticks until a new batch is opened for the sticky partition, then moves elsewhere', () => {
    const sticky = new StickyPartitioner(new SeededRng(7));
    const t = topic(4);
    const first = sticky.partition(t);
    for (let i = 0; i < 10; i++) expect(sticky.partition(t)).toBe(first);
    sticky.onNewBatch(t, first);
    const second = sticky.partition(t);
    expect(second).not.toBe(first);
    sticky.onNewBatch(t, first); // a stale notification for the old partition changes nothing
    expect(sticky.partition(t)).toBe(second);
  });

  it('prefers available partitions', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 20 }), (seed, switches) => {
        const sticky = new StickyPartitioner(new SeededRng(seed));
        const t = topic(6, [1, 4]);
        for (let i = 0; i < switches; i++) sticky.onNewBatch(t, sticky.partition(t));
        expect([1, 4]).toContain(sticky.partition(t));
      }),
    );
  });

  it('is deterministic for a seed', () => {
    const run = (seed: number): number[] => {
      const sticky = new StickyPartitioner(new SeededRng(seed));
      const t = topic(8);
      const out: number[] = [];
      for (let i = 0; i < 20; i++) {
        out.push(sticky.partition(t));
        sticky.onNewBatch(t, out[out.length - 1]!);
      }
      return out;
    };
    expect(run(42)).toEqual(run(42));
  });
});

describe('RoundRobinPartitioner', () => {
  it('cycles through all partitions, or only the available ones', () => {
    const rr = new RoundRobinPartitioner();
    expect([0, 1, 2, 3].map(() => rr.partition(topic(3)))).toEqual([0, 1, 2, 0]);
    const rr2 = new RoundRobinPartitioner();
    expect([0, 1, 2].map(() => rr2.partition(topic(5, [2, 4])))).toEqual([2, 4, 2]);
  });
});
