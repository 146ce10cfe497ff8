/**
 * The consumer's fetch rounds (src/client/fetch-round.ts) as pure logic: a poll returns on the first
 * useful answer without waiting for a leader that is long-polling, keeps unsettled rounds for the
 * next poll only while each of their partitions is still wanted at the same offset, and never reuses
 * an empty answer.
 */
import { describe, expect, it } from 'vitest';
import { FetchRound, firstUseful, OutstandingRounds, type FetchPart } from '../../src/client/fetch-round.js';
import type { FetchResponse__Output } from '../../src/api/generated/runnel/v1/FetchResponse.js';

const parts = (offset: number): FetchPart[] => [{ tp: { topic: 't', partition: 0 }, offset }];

function response(batches: number): FetchResponse__Output {
  return {
    topics: [
      {
        topic: 't',
        partitions: [{ partition: 0, error: null, highWatermark: 10, logStartOffset: 0, records: [], recordBatches: Array.from({ length: batches }, () => Buffer.alloc(1)), nextOffset: 10 }],
      },
    ],
  };
}

/** A round whose answer the test releases by hand. */
function manualRound(address: string, offset: number) {
  let answer!: (res: FetchResponse__Output) => void;
  const call = new Promise<FetchResponse__Output>((resolve) => (answer = resolve));
  return { round: new FetchRound(address, parts(offset), call), answer };
}

describe('fetch rounds', () => {
  it('firstUseful resolves on the first answer with records, leaving a long-polling round unsettled', async () => {
    const slow = manualRound('a', 0);
    const fast = manualRound('b', 0);
    const waiting = firstUseful([slow.round, fast.round], 60_000);
    fast.answer(response(1));
    await waiting;
    expect(fast.round.settled).toBeDefined();
    expect(slow.round.settled).toBeUndefined();
  });

  it('firstUseful waits past empty answers until every round settled (or the time is up)', async () => {
    const a = manualRound('a', 0);
    const b = manualRound('b', 0);
    let done = false;
    const waiting = firstUseful([a.round, b.round], 60_000).then(() => (done = true));
    a.answer(response(0));
    await a.round.outcome;
    await Promise.resolve();
    expect(done).toBe(false);
    b.answer(response(0));
    await waiting;
    expect(done).toBe(true);
    const timedOut = manualRound('c', 0);
    const t0 = Date.now();
    await firstUseful([timedOut.round], 20);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    expect(timedOut.round.settled).toBeUndefined();
  });

  it('keeps a round only for the same positions, and drops a settled empty one', async () => {
    const kept = new OutstandingRounds();
    const r = manualRound('a', 5);
    kept.put(r.round);
    expect(kept.take('a', parts(6))).toBeUndefined(); // the position moved: stale, dropped
    expect(kept.take('a', parts(5))).toBeUndefined(); // and gone
    kept.put(r.round);
    expect(kept.take('a', parts(5))).toBe(r.round); // unsettled, same position: reused
    r.answer(response(0));
    await r.round.outcome;
    kept.put(r.round);
    expect(kept.take('a', parts(5))).toBeUndefined(); // settled with nothing: a fresh long-poll instead
    const full = manualRound('a', 5);
    full.answer(response(2));
    await full.round.outcome;
    kept.put(full.round);
    expect(kept.take('a', parts(5))).toBe(full.round);
  });

  it('answeredEmpty: a settled empty round for exactly the wanted positions (a caught-up leader), kept in its slot', async () => {
    const kept = new OutstandingRounds();
    const r = manualRound('a', 5);
    kept.put(r.round);
    expect(kept.answeredEmpty('a', parts(5))).toBe(false); // still in flight
    r.answer(response(0));
    await r.round.outcome;
    expect(kept.answeredEmpty('a', parts(5))).toBe(true);
    expect(kept.answeredEmpty('a', parts(6))).toBe(false); // the position moved: worth asking
    expect(kept.answeredEmpty('a', [...parts(5), { tp: { topic: 't', partition: 1 }, offset: 0 }])).toBe(false); // another partition wants data
    expect(kept.answeredEmpty('b', parts(5))).toBe(false);
    expect(kept.answeredEmpty('a', parts(5))).toBe(true); // asking did not empty the slot
    const full = manualRound('a', 5);
    full.answer(response(1));
    await full.round.outcome;
    kept.put(full.round);
    expect(kept.answeredEmpty('a', parts(5))).toBe(false); // it brought records
  });

  it('a round for some of the partitions wanted is used; one for a partition no longer wanted is dropped', () => {
    const kept = new OutstandingRounds();
    const r = manualRound('a', 5);
    const more: FetchPart[] = [...parts(5), { tp: { topic: 't', partition: 1 }, offset: 0 }];
    kept.put(r.round);
    expect(kept.take('a', more)).toBe(r.round); // partition 1 just became fetchable: it waits for the next round
    const both = new FetchRound('a', more, new Promise<FetchResponse__Output>(() => {}));
    kept.put(both);
    expect(kept.take('a', parts(5))).toBeUndefined(); // partition 1 is no longer fetched here (buffered, revoked)
  });
});
