import { assert, RunnelError, type Offset } from '../core/index.js';

/**
 * Idempotent producers' state in one partition (Kafka's ProducerStateManager): for each producer id
 * its epoch and its last `producerBatchesKept` batches — sequence range and offsets — so that a
 * retried batch is recognised and answered with the offsets it already got, and a batch that skips
 * sequence numbers is refused.
 *
 * Two layers. `committed` follows the applied log on every replica, so a new leader knows every
 * producer the moment it starts leading (it starts only once all earlier entries are applied).
 * `stamped` is the leader's view of its own batches that are proposed but not yet applied; checks
 * read it first. Losing leadership drops it: those batches are Raft's to keep or lose, and whichever
 * happens reaches `committed` through apply.
 *
 * Rules for a batch (producerId, epoch, firstSeq, count), as Kafka's broker applies them:
 *  - unknown producer id (new, or its state expired): must start at sequence 0 — accepting any
 *    sequence would let a pipelined later batch overtake a refused first one;
 *  - older epoch: RUNNEL_ERR_INVALID_PRODUCER_EPOCH (fenced);
 *  - newer epoch: must start at sequence 0;
 *  - same epoch: a batch equal to one of the kept batches is a duplicate; otherwise firstSeq must
 *    follow the last batch's last sequence (sequences wrap from 2^31 - 1 to 0), else
 *    RUNNEL_ERR_OUT_OF_ORDER_SEQUENCE.
 *
 * Bounds: `producersMax` producers (the least recently written is forgotten first) and
 * `producerBatchesKept` batches each; `expire` forgets producers idle longer than a window.
 */

/** Kafka keeps 5: an idempotent producer has at most 5 batches in flight per partition. */
export const producerBatchesKept = 5;
/** Sequence numbers are int32 and wrap to 0. */
export const sequenceModulus = 2 ** 31;

export interface ProducerBatchMeta {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly baseOffset: Offset;
  readonly lastOffset: Offset;
  readonly appendTimeMs: number;
}

interface ProducerEntry {
  readonly epoch: number;
  /** Oldest first; 1..producerBatchesKept. */
  readonly batches: readonly ProducerBatchMeta[];
}

/** A batch's producer fields (Kafka's producerId / producerEpoch / baseSequence). */
export interface BatchProducer {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
}

export type SequenceCheck = { readonly kind: 'append' } | { readonly kind: 'duplicate'; readonly batch: ProducerBatchMeta };

export function lastSequence(firstSeq: number, count: number): number {
  return (firstSeq + count - 1) % sequenceModulus;
}

export class ProducerStates {
  // Map order is least recently written first: eviction and expiry take from the front.
  private readonly committed = new Map<number, ProducerEntry>();
  private readonly stamped = new Map<number, ProducerEntry>();

  constructor(
    private readonly producersMax: number,
    private readonly name: string,
  ) {
    assert(Number.isInteger(producersMax) && producersMax >= 1, 'producersMax must be >= 1');
  }

  get size(): number {
    return this.committed.size;
  }

  /** Whether a batch may be appended, or repeats one already written. Throws the definite refusals. */
  check(p: BatchProducer, count: number): SequenceCheck {
    const e = this.stamped.get(p.producerId) ?? this.committed.get(p.producerId);
    if (e === undefined) {
      if (p.baseSequence !== 0) throw this.outOfOrder(p, 0);
      return { kind: 'append' };
    }
    if (p.producerEpoch < e.epoch) {
      throw new RunnelError('RUNNEL_ERR_INVALID_PRODUCER_EPOCH', [p.producerId, p.producerEpoch, e.epoch, this.name]);
    }
    if (p.producerEpoch > e.epoch) {
      if (p.baseSequence !== 0) throw this.outOfOrder(p, 0);
      return { kind: 'append' };
    }
    const lastSeq = lastSequence(p.baseSequence, count);
    const dup = e.batches.find((b) => b.firstSeq === p.baseSequence && b.lastSeq === lastSeq);
    if (dup !== undefined) return { kind: 'duplicate', batch: dup };
    const expected = (e.batches[e.batches.length - 1]!.lastSeq + 1) % sequenceModulus;
    if (p.baseSequence !== expected) throw this.outOfOrder(p, expected);
    return { kind: 'append' };
  }

  /** The leader proposed this batch (after `check` said append). */
  recordStamped(p: BatchProducer, meta: ProducerBatchMeta): void {
    const base = this.stamped.get(p.producerId) ?? this.committed.get(p.producerId);
    this.stamped.set(p.producerId, withBatch(base, p.producerEpoch, meta));
  }

  /** A committed batch was applied (every replica, in log order). */
  recordApplied(p: BatchProducer, meta: ProducerBatchMeta): void {
    const entry = withBatch(this.committed.get(p.producerId), p.producerEpoch, meta);
    this.committed.delete(p.producerId);
    this.committed.set(p.producerId, entry);
    if (this.committed.size > this.producersMax) this.committed.delete(this.committed.keys().next().value!);
  }

  /** Forget stamped views that the applied log has caught up with (every batch below `highWatermark`). */
  dropStampedBelow(highWatermark: Offset): void {
    for (const [id, e] of this.stamped) if (e.batches[e.batches.length - 1]!.lastOffset < highWatermark) this.stamped.delete(id);
  }

  /** Leadership ended or restarted: only the applied log counts. */
  clearStamped(): void {
    this.stamped.clear();
  }

  /** The log was replaced (a snapshot was installed): nothing is known about its producers. */
  clear(): void {
    this.stamped.clear();
    this.committed.clear();
  }

  /** Forget producers whose last batch was appended before `oldestMs`. */
  expire(oldestMs: number): number {
    let n = 0;
    for (const [id, e] of this.committed) {
      if (e.batches[e.batches.length - 1]!.appendTimeMs >= oldestMs) break;
      this.committed.delete(id);
      n++;
    }
    return n;
  }

  private outOfOrder(p: BatchProducer, expected: number): RunnelError {
    return new RunnelError('RUNNEL_ERR_OUT_OF_ORDER_SEQUENCE', [p.producerId, this.name, expected, p.baseSequence], { expectedSequence: expected });
  }
}

function withBatch(base: ProducerEntry | undefined, epoch: number, meta: ProducerBatchMeta): ProducerEntry {
  const kept = base !== undefined && base.epoch === epoch ? base.batches : [];
  return { epoch, batches: [...kept.slice(-(producerBatchesKept - 1)), meta] };
}
