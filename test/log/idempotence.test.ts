/**
 * Idempotent producers in the partition log (src/log/producer-state.ts through PartitionLog.append):
 * duplicates of committed and of uncommitted batches, sequence gaps, epochs, leadership changes,
 * restarts, sequence wrap-around, and a property test of whole retry schedules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunnelError } from '../../src/core/index.js';
import { decodeBatch, lastSequence, ProducerStates, sequenceModulus, type BatchInput } from '../../src/log/index.js';
import { LogHarness } from './log-harness.js';

const t0 = 1_700_000_000_000;
const pid = 4_398_046_511_104 + 17; // above 2^32: ids are int64 on the wire

function batch(seq: number, count: number, label: string, producerEpoch = 0, producerId = pid): BatchInput {
  const records = Array.from({ length: count }, (_, i) => ({ key: null, value: new TextEncoder().encode(`${label}-${i}`), timestampMs: t0 }));
  return { records, producerId, producerEpoch, baseSequence: seq };
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof RunnelError) return err.code;
    throw err;
  }
  return 'ok';
}

/** The values in the committed log, in offset order. */
async function committedValues(h: LogHarness): Promise<string[]> {
  const out: string[] = [];
  let offset = h.log.logStartOffset;
  while (offset < h.log.highWatermark) {
    const r = await h.log.fetch(offset, 1 << 20);
    for (const b of r.batches) {
      const d = decodeBatch(b);
      for (let i = 0; i < d.recordCount; i++) if (d.offset(i) >= offset) out.push(new TextDecoder().decode(d.value(i)!));
    }
    offset = r.nextOffset;
  }
  return out;
}

async function leader(): Promise<LogHarness> {
  const h = await LogHarness.create();
  h.becomeLeader();
  return h;
}

describe('an idempotent producer in one partition', () => {
  it('answers a retry of a committed batch with its offsets and appends nothing', async () => {
    const h = await leader();
    const first = h.produce(batch(0, 3, 'a'), t0);
    h.commitAll();
    const end = h.log.logEndOffset;
    const retry = h.produce(batch(0, 3, 'a'), t0 + 5);
    expect(retry).toEqual({ ...first, duplicate: true });
    expect(h.log.logEndOffset).toBe(end);
    expect(await committedValues(h)).toEqual(['a-0', 'a-1', 'a-2']);
  });

  it('recognises a retry of a batch that is not committed yet', async () => {
    const h = await leader();
    const first = h.produce(batch(0, 2, 'a'), t0);
    const retry = h.produce(batch(0, 2, 'a'), t0);
    expect(retry.duplicate).toBe(true);
    expect(retry.baseOffset).toBe(first.baseOffset);
    expect(retry.lastOffset).toBeGreaterThanOrEqual(h.log.highWatermark); // the broker waits for it to commit
    h.commitAll();
    expect(await committedValues(h)).toEqual(['a-0', 'a-1']);
  });

  it('refuses a batch that skips sequence numbers, and accepts the gap filled in order', async () => {
    const h = await leader();
    h.produce(batch(0, 2, 'a'), t0);
    expect(codeOf(() => h.produce(batch(5, 1, 'c'), t0))).toBe('RUNNEL_ERR_OUT_OF_ORDER_SEQUENCE');
    expect(codeOf(() => h.produce(batch(1, 2, 'overlap'), t0))).toBe('RUNNEL_ERR_OUT_OF_ORDER_SEQUENCE');
    expect(h.produce(batch(2, 3, 'b'), t0).duplicate).toBe(false);
    expect(h.produce(batch(5, 1, 'c'), t0).duplicate).toBe(false);
    h.commitAll();
    expect(await committedValues(h)).toEqual(['a-0', 'a-1', 'b-0', 'b-1', 'b-2', 'c-0']);
  });

  it('fences an older epoch and starts a newer one at sequence 0', async () => {
    const h = await leader();
    h.produce(batch(0, 1, 'e0', 0), t0);
    expect(codeOf(() => h.produce(batch(7, 1, 'e1', 1), t0))).toBe('RUNNEL_ERR_OUT_OF_ORDER_SEQUENCE');
    expect(h.produce(batch(0, 1, 'e1', 1), t0).duplicate).toBe(false);
    expect(codeOf(() => h.produce(batch(1, 1, 'old', 0), t0))).toBe('RUNNEL_ERR_INVALID_PRODUCER_EPOCH');
    h.commitAll();
    expect(await committedValues(h)).toEqual(['e0-0', 'e1-0']);
  });

  it('starts an unknown producer at sequence 0, and keeps producers apart', async () => {
    const h = await leader();
    expect(codeOf(() => h.produce(batch(1000, 1, 'p1'), t0))).toBe('RUNNEL_ERR_OUT_OF_ORDER_SEQUENCE');
    expect(h.produce(batch(0, 1, 'p1'), t0).duplicate).toBe(false);
    expect(h.produce(batch(0, 1, 'p2', 0, pid + 1), t0).duplicate).toBe(false);
    expect(h.produce(batch(1, 1, 'p1b'), t0).duplicate).toBe(false);
    expect(h.produce(batch(0, 1, 'p2', 0, pid + 1), t0).duplicate).toBe(true);
  });

  it('wraps sequences from 2^31 - 1 to 0', () => {
    const s = new ProducerStates(10, 'p');
    const p = (baseSequence: number) => ({ producerId: pid, producerEpoch: 0, baseSequence });
    s.recordApplied(p(sequenceModulus - 5), { firstSeq: sequenceModulus - 5, lastSeq: sequenceModulus - 3, baseOffset: 0, lastOffset: 2, appendTimeMs: t0 });
    expect(s.check(p(sequenceModulus - 2), 3).kind).toBe('append'); // sequences 2^31-2, 2^31-1, 0
    s.recordApplied(p(sequenceModulus - 2), { firstSeq: sequenceModulus - 2, lastSeq: lastSequence(sequenceModulus - 2, 3), baseOffset: 3, lastOffset: 5, appendTimeMs: t0 });
    expect(lastSequence(sequenceModulus - 2, 3)).toBe(0);
    expect(s.check(p(1), 1).kind).toBe('append');
    expect(s.check(p(sequenceModulus - 2), 3).kind).toBe('duplicate');
    expect(codeOf(() => s.check(p(0), 1))).toBe('RUNNEL_ERR_OUT_OF_ORDER_SEQUENCE');
  });

  it('a new leader that kept the batch treats the retry as a duplicate; one that lost it appends it', async () => {
    const kept = await leader();
    kept.produce(batch(0, 2, 'a'), t0);
    kept.loseLeadership(1); // the next leader has the entry
    kept.becomeLeader(); // commits it with its no-op
    expect(kept.produce(batch(0, 2, 'a'), t0).duplicate).toBe(true);
    expect(await committedValues(kept)).toEqual(['a-0', 'a-1']);

    const lost = await leader();
    lost.produce(batch(0, 2, 'a'), t0);
    lost.loseLeadership(0);
    lost.becomeLeader();
    expect(lost.produce(batch(0, 2, 'a'), t0).duplicate).toBe(false);
    lost.commitAll();
    expect(await committedValues(lost)).toEqual(['a-0', 'a-1']);
  });

  it('rebuilds producer state on restart from the batches inside the window', async () => {
    const h = await leader();
    h.produce(batch(0, 1, 'old'), t0);
    h.produce(batch(0, 1, 'recent', 0, pid + 1), t0 + 20 * 60_000);
    h.commitAll();
    await h.reopen(undefined, t0 + 30 * 60_000); // window 15 min: only "recent" is remembered
    h.becomeLeader();
    expect(h.log.producerCount).toBe(1);
    expect(h.produce(batch(0, 1, 'recent', 0, pid + 1), t0).duplicate).toBe(true);
    expect(h.produce(batch(0, 1, 'old'), t0).duplicate).toBe(false); // forgotten: accepted as new
    await h.reopen(undefined); // no clock: the whole log
    expect(h.log.producerCount).toBe(2);
  });

  it('bounds the producers it remembers and expires idle ones', () => {
    const s = new ProducerStates(3, 'p');
    const meta = (t: number) => ({ firstSeq: 0, lastSeq: 0, baseOffset: t, lastOffset: t, appendTimeMs: t });
    for (let id = 1; id <= 5; id++) s.recordApplied({ producerId: id, producerEpoch: 0, baseSequence: 0 }, meta(id));
    expect(s.size).toBe(3);
    expect(s.check({ producerId: 1, producerEpoch: 0, baseSequence: 0 }, 1).kind).toBe('append'); // evicted: unknown, not a duplicate
    expect(s.check({ producerId: 5, producerEpoch: 0, baseSequence: 0 }, 1).kind).toBe('duplicate');
    expect(s.expire(5)).toBe(2);
    expect(s.size).toBe(1);
  });
});

/**
 * A producer sends batches 0..n-1 (3 records each) with up to 5 in flight; any send may be lost,
 * repeated or delayed, the leader may change (keeping a random prefix of the uncommitted entries),
 * and the producer resends every unacknowledged batch with its sequence until all are acknowledged.
 * Afterwards the log holds every batch exactly once, in sequence order.
 */
describe('retry schedules (property)', () => {
  type Step = { readonly kind: 'send'; readonly pick: number } | { readonly kind: 'commit' } | { readonly kind: 'failover'; readonly keep: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.nat(4).map((pick) => ({ kind: 'send' as const, pick })) },
    { weight: 2, arbitrary: fc.constant({ kind: 'commit' as const }) },
    { weight: 1, arbitrary: fc.nat(3).map((keep) => ({ kind: 'failover' as const, keep })) },
  );

  it('writes each batch exactly once and in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.array(step, { maxLength: 120 }), async (n, steps) => {
        const h = await leader();
        let acked = 0; // batches below this are acknowledged
        const send = (i: number): string => {
          const code = codeOf(() => h.produce(batch(i * 3, 3, `b${i}`), t0));
          expect(['ok', 'RUNNEL_ERR_OUT_OF_ORDER_SEQUENCE']).toContain(code);
          return code;
        };
        const ackCommitted = (): void => {
          while (acked < n && h.log.highWatermark >= 3 * (acked + 1) && h.log.highWatermark > 0) acked++;
        };
        for (const s of steps) {
          if (s.kind === 'send') send(Math.min(n - 1, acked + s.pick));
          else if (s.kind === 'commit') h.commitAll();
          else {
            h.loseLeadership(s.keep);
            h.becomeLeader();
          }
          ackCommitted();
        }
        // Then the producer resends, in order, whatever is not acknowledged: each is either written
        // already (answered as a duplicate) or next in sequence, never refused.
        for (let i = acked; i < n; i++) expect(send(i)).toBe('ok');
        h.commitAll();
        const values = await committedValues(h);
        expect(values).toEqual(Array.from({ length: n }, (_, i) => [0, 1, 2].map((r) => `b${i}-${r}`)).flat());
      }),
      { numRuns: 300, seed: 20261125 },
    );
  });
});
