/**
 * One Fetch to one leader, started now and settled later: the consumer's unit of fetching. A round
 * never throws; its outcome holds the response or the error, to be handled where it is applied.
 *
 * A poll starts a round for each leader that has none outstanding, returns as soon as one round
 * brings records (or every round settled, or the poll's time is up), and keeps the rounds still in
 * flight for the next poll: one leader with nothing new (a long-poll waiting at its high watermark)
 * never holds back records another leader already sent. After a poll that returned records it also
 * prefetches (Kafka's consumer fetches ahead the same way): the next round for each leader, at the
 * new positions, with max_wait_ms 0, so the nodes read and send while the application works; but not
 * to a leader whose last answer, for the same positions, brought nothing (answeredEmpty).
 *
 * A kept round is used only if each of its partitions is still to be fetched at the same offset (a
 * seek, a revocation or a moved leader makes it stale: it is dropped unread), and a settled one only
 * if it brought records or an error (an empty answer is replaced by a fresh long-poll, so
 * poll(maxWaitMs) still waits when caught up). At most one round per leader is outstanding, each at
 * most fetchMaxBytes: the read-ahead is bounded.
 */
import type { FetchResponse__Output } from '../api/generated/runnel/v1/FetchResponse.js';
import { tpKey } from './group-partitions.js';
import type { TopicPartition } from './record-accumulator.js';

export interface FetchPart {
  readonly tp: TopicPartition;
  readonly offset: number;
}

export type FetchOutcome = { readonly res: FetchResponse__Output } | { readonly err: unknown };

/** One Fetch in flight to one leader; `settled` is set once its outcome is known. */
export class FetchRound {
  settled: FetchOutcome | undefined;
  readonly outcome: Promise<FetchOutcome>;

  constructor(
    readonly address: string,
    readonly parts: readonly FetchPart[],
    call: Promise<FetchResponse__Output>,
  ) {
    this.outcome = call.then(
      (res) => (this.settled = { res }),
      (err: unknown) => (this.settled = { err }),
    );
  }
}

/** The same partitions at the same offsets. */
function samePositions(a: readonly FetchPart[], b: readonly FetchPart[]): boolean {
  return a.length === b.length && stillWanted(a, b);
}

/** Every partition of `round` is still to be fetched, at the same offset (`wanted` may hold more). */
function stillWanted(round: readonly FetchPart[], wanted: readonly FetchPart[]): boolean {
  if (round.length > wanted.length) return false;
  const offsets = new Map(wanted.map((p) => [tpKey(p.tp), p.offset]));
  return round.every((p) => offsets.get(tpKey(p.tp)) === p.offset);
}

/** An outcome worth returning from a poll at once: records, or an error to handle. */
function worthReturning(outcome: FetchOutcome): boolean {
  return 'err' in outcome || outcome.res.topics.some((t) => t.partitions.some((p) => p.recordBatches.length > 0 || p.error !== null));
}

/** Resolves once a round settled with something worth returning, every round settled, or `waitMs` passed. */
export function firstUseful(rounds: readonly FetchRound[], waitMs: number): Promise<void> {
  return new Promise((resolve) => {
    let left = rounds.length;
    if (left === 0) return resolve();
    const timer = setTimeout(resolve, Math.max(0, waitMs));
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    for (const r of rounds) {
      void r.outcome.then((o) => {
        left--;
        if (worthReturning(o) || left === 0) done();
      });
    }
  });
}

/** The rounds kept between polls, one per leader address at most. */
export class OutstandingRounds {
  private readonly rounds = new Map<string, FetchRound>();

  /** Keep `round` for the next poll (replacing an older one for its leader, which is dropped). */
  put(round: FetchRound): void {
    this.rounds.set(round.address, round);
  }

  /**
   * The kept round for `address` if it is still usable for `parts` (see above); the slot is emptied.
   * A round for some of `parts` is usable: a partition that became fetchable since (its buffered
   * records all handed out) waits for the next round rather than the round in flight being wasted.
   */
  take(address: string, parts: readonly FetchPart[]): FetchRound | undefined {
    const round = this.rounds.get(address);
    if (round === undefined) return undefined;
    this.rounds.delete(address);
    if (!stillWanted(round.parts, parts)) return undefined;
    if (round.settled !== undefined && !worthReturning(round.settled)) return undefined;
    return round;
  }

  /**
   * The kept round for `address` answered with nothing new for exactly `parts`: that leader is caught
   * up, and asking it again at once would only bring another empty answer. A prefetch skips it (the
   * next poll that has to fetch long-polls it), so polls served from buffered records do not send it
   * an empty fetch each. The round stays kept.
   */
  answeredEmpty(address: string, parts: readonly FetchPart[]): boolean {
    const round = this.rounds.get(address);
    return round?.settled !== undefined && !worthReturning(round.settled) && samePositions(round.parts, parts);
  }

  clear(): void {
    this.rounds.clear();
  }
}
