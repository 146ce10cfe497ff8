import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RECORD_OVERHEAD_BYTES,
  RecordAccumulator,
  type ProducerBatch,
  type RecordAccumulatorConfig,
  type TopicPartition,
} from '../../src/client/record-accumulator.js';

const tp0: TopicPartition = { topic: 't', partition: 0 };
const tp1: TopicPartition = { topic: 't', partition: 1 };

/** A record whose accounted size is exactly `bytes` (≥ RECORD_OVERHEAD_BYTES); `tag` goes in the key. */
function rec(bytes: number, tag = 0): { key: Uint8Array; value: Uint8Array; timestampMs: number } {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, tag);
  return { key, value: new Uint8Array(bytes - RECORD_OVERHEAD_BYTES - 4), timestampMs: 0 };
}
const tagOf = (r: { key: Uint8Array | null }): number => new DataView(r.key!.buffer).getUint32(0);

const config = (over: Partial<RecordAccumulatorConfig> = {}): RecordAccumulatorConfig => ({
  batchSizeBytes: 100,
  lingerMs: 10,
  bufferMemoryBytesMax: 1000,
  inFlightBatchesPerPartitionMax: 5,
  retryBackoffMs: 20,
  ...over,
});

const drainBatches = (acc: RecordAccumulator, nowMs: number, maxRequestBytes = 1_000_000): ProducerBatch[] =>
  acc.drain(nowMs, maxRequestBytes).flatMap((r) => r.batches);

describe('RecordAccumulator triggers', () => {
  it('holds a non-full batch until it has lingered lingerMs', () => {
    const acc = new RecordAccumulator(config());
    acc.append(tp0, rec(30), 100);
    expect(drainBatches(acc, 109)).toHaveLength(0);
    expect(acc.nextReadyMs(109)).toBe(110);
    const [batch] = drainBatches(acc, 110);
    expect(batch?.records).toHaveLength(1);
  });

  it('sends a full batch at once, and a batch behind a full one', () => {
    const acc = new RecordAccumulator(config());
    const a = acc.append(tp0, rec(50), 0);
    const b = acc.append(tp0, rec(50), 0);
    expect(b).toMatchObject({ kind: 'appended', batchFull: true, newBatch: false });
    expect(a.kind === 'appended' && b.kind === 'appended' && a.batchId === b.batchId).toBe(true);
    expect(drainBatches(acc, 0).map((x) => x.records.length)).toEqual([2]);
    acc.append(tp0, rec(60), 1);
    const c = acc.append(tp0, rec(60), 1); // does not fit: closes the first, opens a second
    expect(c).toMatchObject({ kind: 'appended', newBatch: true });
    expect(drainBatches(acc, 1).map((x) => x.sizeBytes)).toEqual([60]);
  });

  it('gives a record larger than batchSizeBytes a batch of its own', () => {
    const acc = new RecordAccumulator(config());
    acc.append(tp0, rec(20), 0);
    expect(acc.append(tp0, rec(250), 0)).toMatchObject({ kind: 'appended', newBatch: true, batchFull: true });
    expect(acc.append(tp0, rec(20), 0)).toMatchObject({ kind: 'appended', newBatch: true });
    expect(acc.queued(tp0).map((b) => b.sizeBytes)).toEqual([20, 250, 20]);
  });

  it('answers wait when the buffer is full, and too-large for a record beyond it', () => {
    const acc = new RecordAccumulator(config({ bufferMemoryBytesMax: 200 }));
    acc.append(tp0, rec(100), 0);
    acc.append(tp1, rec(90), 0);
    expect(acc.append(tp0, rec(20), 0)).toEqual({ kind: 'wait', bufferedBytes: 190, recordBytes: 20 });
    expect(acc.append(tp0, rec(201), 0)).toMatchObject({ kind: 'too-large' });
    // Under memory pressure lingering batches go at once; completion frees their bytes.
    const sent = drainBatches(acc, 0);
    expect(sent).toHaveLength(2);
    sent.forEach((b) => acc.complete(b));
    expect(acc.bufferedBytesTotal).toBe(0);
    expect(acc.append(tp0, rec(20), 0).kind).toBe('appended');
  });

  it('bounds in-flight batches per partition', () => {
    const acc = new RecordAccumulator(config({ inFlightBatchesPerPartitionMax: 2 }));
    for (let i = 0; i < 4; i++) acc.append(tp0, rec(100, i), 0);
    expect(drainBatches(acc, 0)).toHaveLength(1); // one batch per partition per drain
    expect(drainBatches(acc, 0)).toHaveLength(1);
    expect(drainBatches(acc, 0)).toHaveLength(0);
    expect(acc.inFlightCount(tp0)).toBe(2);
  });

  it('packs requests up to maxRequestBytes, grouped by leader', () => {
    const acc = new RecordAccumulator(config());
    const tps = [0, 1, 2, 3].map((partition) => ({ topic: 't', partition }));
    tps.forEach((tp) => acc.append(tp, rec(100), 0));
    const requests = acc.drain(0, 250, (tp) => (tp.partition % 2 === 0 ? 1 : 2));
    expect(requests.map((r) => [r.leader, r.batches.length]).sort()).toEqual([[1, 2], [2, 2]]);
    const acc2 = new RecordAccumulator(config());
    tps.forEach((tp) => acc2.append(tp, rec(100), 0));
    expect(acc2.drain(0, 150).map((r) => r.batches.length)).toEqual([1]);
  });
});

describe('RecordAccumulator retries', () => {
  it('re-enqueues a failed batch at the front, keeping its sequence, after the backoff', () => {
    const acc = new RecordAccumulator(config());
    acc.append(tp0, rec(100, 1), 0);
    const [first] = drainBatches(acc, 0);
    acc.append(tp0, rec(100, 2), 0);
    const [second] = drainBatches(acc, 0);
    expect([first?.baseSequence, second?.baseSequence]).toEqual([0, 1]);
    acc.append(tp0, rec(30, 3), 0);
    acc.reenqueue(second!, 5);
    acc.reenqueue(first!, 5);
    expect(acc.queued(tp0).map((b) => b.records.map(tagOf))).toEqual([[1], [2], [3]]);
    expect(drainBatches(acc, 24)).toHaveLength(0);
    const [again] = drainBatches(acc, 25);
    expect(again).toBe(first);
    expect(again?.baseSequence).toBe(0);
    expect(again?.attempts).toBe(2);
    // The retried second batch waits until the earlier one is no longer in flight.
    expect(drainBatches(acc, 30)).toHaveLength(0);
    acc.complete(first!);
    expect(drainBatches(acc, 30)[0]?.baseSequence).toBe(1);
  });

  it('refuses to complete a batch that is not in flight', () => {
    const acc = new RecordAccumulator(config());
    acc.append(tp0, rec(100), 0);
    const [b] = drainBatches(acc, 0);
    acc.complete(b!);
    expect(() => acc.complete(b!)).toThrow(/not in flight/);
  });
});

type Op =
  | { kind: 'append'; partition: number; bytes: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'drain'; maxRequestBytes: number }
  | { kind: 'complete'; pick: number }
  | { kind: 'fail'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), partition: fc.integer({ min: 0, max: 1 }), bytes: fc.integer({ min: 20, max: 260 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('drain' as const), maxRequestBytes: fc.integer({ min: 50, max: 600 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('complete' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fail' as const), pick: fc.nat() }) },
);

const cfgArb = fc.record({
  batchSizeBytes: fc.integer({ min: 50, max: 300 }),
  lingerMs: fc.integer({ min: 0, max: 50 }),
  bufferMemoryBytesMax: fc.integer({ min: 300, max: 1500 }),
  inFlightBatchesPerPartitionMax: fc.integer({ min: 1, max: 5 }),
  retryBackoffMs: fc.integer({ min: 0, max: 40 }),
});

describe('RecordAccumulator properties', () => {
  it('loses and duplicates nothing, keeps per-partition order and sequences, respects every bound', () => {
    fc.assert(
      fc.property(cfgArb, fc.array(opArb, { maxLength: 150 }), (cfg, ops) => {
        const bufferMemoryBytesMax = Math.max(cfg.bufferMemoryBytesMax, cfg.batchSizeBytes);
        const acc = new RecordAccumulator({ ...cfg, bufferMemoryBytesMax });
        const appended = new Map<number, number[]>(); // partition -> tags in append order
        const done = new Map<number, ProducerBatch[]>();
        const sequences = new Map<number, number>(); // batch id -> baseSequence at first send
        let inFlight: ProducerBatch[] = [];
        let nowMs = 0;
        let tag = 0;
        let bytesAccepted = 0;
        const send = (maxRequestBytes: number): void => {
          for (const b of acc.drain(nowMs, maxRequestBytes).flatMap((r) => r.batches)) {
            // Per-partition order: nothing earlier of the partition waits in the queue, and a resend
            // goes only once no earlier batch of the partition is in flight.
            expect(acc.queued(b.tp).every((q) => q.id > b.id)).toBe(true);
            if (b.attempts > 1) expect(inFlight.some((x) => x.tp.partition === b.tp.partition && x.id < b.id)).toBe(false);
            const seen = sequences.get(b.id);
            if (seen !== undefined) expect(b.baseSequence).toBe(seen);
            sequences.set(b.id, b.baseSequence!);
            inFlight.push(b);
          }
        };
        const finish = (b: ProducerBatch): void => {
          acc.complete(b);
          bytesAccepted -= b.sizeBytes;
          done.set(b.tp.partition, [...(done.get(b.tp.partition) ?? []), b]);
        };
        for (const op of ops) {
          if (op.kind === 'append') {
            const r = acc.append({ topic: 't', partition: op.partition }, rec(op.bytes, tag), nowMs);
            if (r.kind === 'appended') {
              appended.set(op.partition, [...(appended.get(op.partition) ?? []), tag]);
              bytesAccepted += op.bytes;
            }
            tag++;
          } else if (op.kind === 'tick') nowMs += op.ms;
          else if (op.kind === 'drain') send(op.maxRequestBytes);
          else if (inFlight.length > 0) {
            const b = inFlight[op.pick % inFlight.length]!;
            inFlight = inFlight.filter((x) => x !== b);
            if (op.kind === 'complete') finish(b);
            else acc.reenqueue(b, nowMs);
          }
          expect(acc.bufferedBytesTotal).toBe(bytesAccepted);
          expect(acc.bufferedBytesTotal).toBeLessThanOrEqual(bufferMemoryBytesMax);
          for (const p of [0, 1, 2]) expect(acc.inFlightCount({ topic: 't', partition: p })).toBeLessThanOrEqual(cfg.inFlightBatchesPerPartitionMax);
        }
        // Heal: let time pass and complete everything, oldest in flight first.
        for (let round = 0; round < 10_000 && (inFlight.length > 0 || acc.bufferedBytesTotal > 0); round++) {
          nowMs += 100;
          send(1_000_000);
          inFlight.sort((a, b) => a.id - b.id);
          inFlight.forEach(finish);
          inFlight = [];
        }
        expect(acc.bufferedBytesTotal).toBe(0);
        for (const [p, tags] of appended) {
          const batches = [...(done.get(p) ?? [])].sort((a, b) => a.baseSequence! - b.baseSequence!);
          expect(batches.flatMap((b) => b.records.map(tagOf))).toEqual(tags);
          let next = 0;
          for (const b of batches) {
            expect(b.baseSequence).toBe(next);
            next += b.records.length;
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('never sends a partition out of sequence order when nothing fails', () => {
    fc.assert(
      fc.property(cfgArb, fc.array(opArb.filter((o) => o.kind !== 'fail'), { maxLength: 100 }), (cfg, ops) => {
        const acc = new RecordAccumulator({ ...cfg, bufferMemoryBytesMax: Math.max(cfg.bufferMemoryBytesMax, cfg.batchSizeBytes) });
        const lastSent = new Map<number, number>();
        let inFlight: ProducerBatch[] = [];
        let nowMs = 0;
        for (const op of ops) {
          if (op.kind === 'append') acc.append({ topic: 't', partition: op.partition }, rec(op.bytes), nowMs);
          else if (op.kind === 'tick') nowMs += op.ms;
          else if (op.kind === 'drain') {
            for (const b of acc.drain(nowMs, op.maxRequestBytes).flatMap((r) => r.batches)) {
              expect(b.baseSequence!).toBeGreaterThan(lastSent.get(b.tp.partition) ?? -1);
              lastSent.set(b.tp.partition, b.baseSequence!);
              inFlight.push(b);
            }
          } else if (inFlight.length > 0) {
            const b = inFlight[op.pick % inFlight.length]!;
            inFlight = inFlight.filter((x) => x !== b);
            acc.complete(b);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
