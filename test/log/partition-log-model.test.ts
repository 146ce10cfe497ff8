import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunnelError, type Index } from '../../src/core/index.js';
import { decodeBatch, type RetentionPolicy } from '../../src/log/index.js';
import { LogHarness } from './log-harness.js';

/**
 * Model-based property test: random produce / commit / leader change / restart / retention / clock
 * steps against one replica's partition log, checking after every step that
 *  - offsets are dense and every committed record reads back with the value it was produced with;
 *  - fetch never returns anything at or above the high watermark, nor below the log start offset;
 *  - append times never decrease along the log;
 *  - ListOffsets by timestamp equals a brute-force scan of the committed batches;
 *  - retention deletes exactly what a brute-force application of Kafka's rules deletes, never past
 *    the high watermark.
 */
type Op =
  | { kind: 'produce'; count: number; clockStepMs: number }
  | { kind: 'commit'; entries: number }
  | { kind: 'leader'; keep: number }
  | { kind: 'restart' }
  /** retentionBytes: a suffix size of the stored log (+ delta), so exact boundaries are hit often. */
  | { kind: 'retain'; retentionMs: number; bytes: { suffix: number; delta: number } | undefined }
  | { kind: 'check'; timestampMs: number; maxBytes: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('produce' as const), count: fc.integer({ min: 1, max: 5 }), clockStepMs: fc.integer({ min: -200, max: 400 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('commit' as const), entries: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leader' as const), keep: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('retain' as const),
      retentionMs: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 3000 })),
      bytes: fc.option(fc.record({ suffix: fc.nat({ max: 30 }), delta: fc.integer({ min: -1, max: 1 }) }), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('check' as const), timestampMs: fc.integer({ min: -10, max: 6000 }), maxBytes: fc.integer({ min: 1, max: 600 }) }) },
);

const t0 = 1_700_000_000_000;

class Model {
  nowMs = t0;
  /** The value produced at each offset; a dropped batch's offsets are re-assigned and overwritten. */
  readonly values = new Map<number, string>();
  snapshot: { index: Index; data: Uint8Array } | undefined;
  produced = 0;

  constructor(readonly h: LogHarness) {}

  async step(op: Op): Promise<void> {
    const h = this.h;
    switch (op.kind) {
      case 'produce':
        return this.produce(op.count, op.clockStepMs);
      case 'commit':
        return h.commitTo(Math.min(h.store.lastIndex, h.committedIndex + op.entries));
      case 'leader':
        h.loseLeadership(op.keep);
        return h.becomeLeader();
      case 'restart':
        await h.reopen(this.snapshot);
        return h.becomeLeader();
      case 'retain':
        return this.retain({ retentionMs: op.retentionMs, retentionBytes: this.suffixBytes(op.bytes) });
      case 'check':
        return this.checkReads(op.timestampMs, op.maxBytes);
    }
  }

  private produce(count: number, clockStepMs: number): void {
    this.nowMs += clockStepMs;
    const tag = `p${this.produced++}`;
    const enc = new TextEncoder();
    const records = Array.from({ length: count }, (_, i) => ({ key: null, value: enc.encode(`${tag}/${i}`), timestampMs: t0 }));
    const r = this.h.produce({ records }, this.nowMs);
    for (let i = 0; i < count; i++) this.values.set(r.baseOffset + i, `${tag}/${i}`);
  }

  private suffixBytes(spec: { suffix: number; delta: number } | undefined): number {
    if (spec === undefined) return -1;
    const sizes = this.h.store.all().filter((e) => e.index > (this.snapshot?.index ?? 0)).map((e) => e.bytes);
    const suffix = sizes.slice(sizes.length - Math.min(spec.suffix, sizes.length)).reduce((a, b) => a + b, 0);
    return Math.max(0, suffix + spec.delta);
  }

  private async retain(policy: RetentionPolicy): Promise<void> {
    const expected = this.expectedLogStart(policy);
    const hwBefore = this.h.log.highWatermark;
    const plan = await this.h.retain(this.nowMs, policy);
    expect(this.h.log.logStartOffset).toBe(expected);
    expect(this.h.log.highWatermark).toBe(hwBefore);
    if (plan) this.snapshot = { index: plan.compactIndex, data: plan.snapshot };
  }

  /** Kafka's retention rules applied by brute force to the stored entries. */
  private expectedLogStart(policy: RetentionPolicy): number {
    const h = this.h;
    const entries = h.store.all().filter((e) => e.index > (this.snapshot?.index ?? 0));
    const hwIndex = h.committedIndex;
    let cut = this.snapshot?.index ?? 0;
    if (policy.retentionMs >= 0) {
      const keep = entries.find((e) => e.index <= hwIndex && e.data !== undefined && e.appendTimeMs >= this.nowMs - policy.retentionMs);
      cut = Math.max(cut, keep ? keep.index - 1 : hwIndex);
    }
    if (policy.retentionBytes >= 0) {
      let size = entries.reduce((n, e) => n + e.bytes, 0);
      for (const e of entries) {
        if (e.index > hwIndex || size - e.bytes < policy.retentionBytes) break;
        size -= e.bytes;
        cut = Math.max(cut, e.index);
      }
    }
    cut = Math.min(cut, hwIndex);
    return entries.filter((e) => e.index <= cut).at(-1)?.endOffset ?? h.log.logStartOffset;
  }

  /** Read everything committed in maxBytes steps, and look up a timestamp both ways. */
  async checkReads(timestampMs: number, maxBytes: number): Promise<void> {
    const log = this.h.log;
    const [start, hw] = [log.logStartOffset, log.highWatermark];
    expect(start).toBeLessThanOrEqual(hw);
    const batches = [];
    for (let next = start; next < hw; ) {
      const r = await log.fetch(next, maxBytes);
      expect(r.batches.length).toBeGreaterThan(0);
      if (r.batches.length > 1) expect(r.batches.reduce((n, b) => n + b.length, 0)).toBeLessThanOrEqual(maxBytes);
      batches.push(...r.batches.map((b) => decodeBatch(b)));
      next = r.nextOffset;
    }
    this.checkDense(batches, start, hw);
    const t = t0 + timestampMs;
    const brute = batches.find((b) => b.header.appendTimeMs >= t)?.header.baseOffset ?? hw;
    expect(await log.listOffsets({ kind: 'timestamp', timestampMs: t })).toBe(brute);
    await expectOutOfRange(log.fetch(hw + 1, maxBytes));
    if (start > 0) await expectOutOfRange(log.fetch(start - 1, maxBytes));
  }

  private checkDense(batches: readonly ReturnType<typeof decodeBatch>[], start: number, hw: number): void {
    let expectedOffset = start;
    let lastAppendTimeMs = -1;
    for (const b of batches) {
      expect(b.header.appendTimeMs).toBeGreaterThanOrEqual(lastAppendTimeMs);
      lastAppendTimeMs = b.header.appendTimeMs;
      for (let i = 0; i < b.recordCount; i++) {
        expect(b.offset(i)).toBe(expectedOffset++);
        expect(new TextDecoder().decode(b.value(i))).toBe(this.values.get(b.offset(i)));
      }
    }
    expect(expectedOffset).toBe(hw);
  }
}

async function expectOutOfRange(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RunnelError);
  expect((err as RunnelError).code).toBe('RUNNEL_ERR_OFFSET_OUT_OF_RANGE');
}

describe('partition log model', () => {
  it('keeps offsets dense, serves only committed data and retains by Kafka rules', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), async (ops) => {
        const h = await LogHarness.create();
        h.becomeLeader();
        const model = new Model(h);
        for (const op of ops) await model.step(op);
        h.commitAll();
        await model.checkReads(0, 1 << 20);
      }),
      { numRuns: 300 },
    );
  });
});
