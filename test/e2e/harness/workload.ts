/**
 * The workload (Jepsen's generator and client parts): unique values spread over partitions, sent as
 * batches by an idempotent producer, one request in flight per partition, and a history of every
 * batch's outcome for the checker.
 */
import { RunnelError } from '../../../src/core/index.js';
import { Backoff, type Deadline } from './deadline.js';
import type { Acks, TestClient } from './test-client.js';

export interface Batch {
  readonly topic: string;
  readonly partition: number;
  /** Unique across the run; each names its partition and position (see valueOf). */
  readonly values: readonly string[];
  /** The idempotent producer's sequence of the batch's first record in its partition. */
  readonly baseSequence: number;
}

export type Outcome = 'ok' | 'fail' | 'unknown';

export interface BatchResult {
  readonly batch: Batch;
  readonly outcome: Outcome;
  /** With 'ok': the offset of values[0]; the others follow densely. */
  readonly baseOffset?: number;
  readonly attempts: number;
  readonly error?: string;
}

/** A record's value: `<run>|<phase>|p<partition>|<index in the phase>`, unique per run. */
export function valueOf(run: string, phase: string, partition: number, i: number): string {
  return `${run}|${phase}|p${partition}|${String(i).padStart(6, '0')}`;
}

/** The partition a value was produced to (parsed back from valueOf's format). */
export function partitionOfValue(value: string): number | undefined {
  const m = /\|p(\d+)\|/.exec(value);
  return m ? Number(m[1]) : undefined;
}

/**
 * Splits `count` records of one phase over `partitions` round-robin (record i to partition i % n),
 * in batches of at most `batchRecordsMax` per partition, continuing each partition's sequence from
 * `nextSequence` (updated in place).
 */
export function planPhase(
  run: string,
  phase: string,
  topic: string,
  partitions: number,
  count: number,
  batchRecordsMax: number,
  nextSequence: number[],
): Batch[][] {
  const perPartition: string[][] = Array.from({ length: partitions }, () => []);
  for (let i = 0; i < count; i++) perPartition[i % partitions]!.push(valueOf(run, phase, i % partitions, i));
  return perPartition.map((values, partition) => {
    const batches: Batch[] = [];
    for (let at = 0; at < values.length; at += batchRecordsMax) {
      const chunk = values.slice(at, at + batchRecordsMax);
      batches.push({ topic, partition, values: chunk, baseSequence: nextSequence[partition]! });
      nextSequence[partition]! += chunk.length;
    }
    return batches;
  });
}

export interface ProduceContext {
  readonly client: TestClient;
  readonly acks: Acks;
  /**
   * With idempotence every failure is retried with the same producer sequence and the leader drops
   * duplicates. Without it a batch whose outcome is unknown is recorded as such and its records are
   * sent again under new values (relabel), so every value stays unique and the checker can tell
   * "present once" from "present twice".
   */
  readonly idempotent: boolean;
  readonly producerId: number;
  readonly producerEpoch: number;
}

/** Resends of a batch whose outcome was unknown (non-idempotent mode), before giving up on it. */
const unknownResendsMax = 10;
const resendBackoffMinMs = 20;
const resendBackoffMaxMs = 250;

/** Sends one batch once (the client retries what is safe); the outcome is ok, fail or unknown. */
export async function sendBatch(ctx: ProduceContext, batch: Batch, deadline: Deadline): Promise<BatchResult> {
  try {
    const r = await ctx.client.produce(batch.topic, batch.partition, batch.values.map((v) => ({ value: Buffer.from(v) })), {
      acks: ctx.acks,
      producer: ctx.idempotent ? { producerId: ctx.producerId, producerEpoch: ctx.producerEpoch, baseSequence: batch.baseSequence } : undefined,
      deadline,
    });
    return { batch, outcome: 'ok', baseOffset: r.baseOffset, attempts: r.attempts };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    // A definite refusal that is not worth retrying means the records are surely not in the log.
    const outcome: Outcome = err instanceof RunnelError && err.definite ? 'fail' : 'unknown';
    return { batch, outcome, attempts: 0, error };
  }
}

/** The same records under new values: `<value>~<n>`. */
export function relabel(batch: Batch, n: number): Batch {
  return { ...batch, values: batch.values.map((v) => `${v}~${n}`) };
}

/**
 * Sends a batch until it is acknowledged: results of every try, the acknowledged one last. In
 * non-idempotent mode an unknown outcome is followed by a relabelled copy (at most unknownResendsMax).
 */
export async function sendUntilAcked(ctx: ProduceContext, batch: Batch, deadline: Deadline): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  const backoff = new Backoff(resendBackoffMinMs, resendBackoffMaxMs);
  let current = batch;
  for (let n = 1; ; n++) {
    const r = await sendBatch(ctx, current, deadline);
    results.push(r);
    if (r.outcome !== 'unknown' || ctx.idempotent || n > unknownResendsMax || deadline.expired()) return results;
    await backoff.wait(deadline);
    current = relabel(batch, n);
  }
}

/**
 * Sends every partition's batches in order, one request in flight per partition (so in flight
 * overall: at most the number of partitions). A partition stops at its first batch that is not
 * acknowledged (with idempotence, later sequences would be out of order).
 */
export async function runPhase(ctx: ProduceContext, plan: readonly (readonly Batch[])[], deadline: Deadline): Promise<BatchResult[]> {
  const perPartition = await Promise.all(
    plan.map(async (batches) => {
      const results: BatchResult[] = [];
      for (const b of batches) {
        const rs = await sendUntilAcked(ctx, b, deadline);
        results.push(...rs);
        if (rs[rs.length - 1]!.outcome !== 'ok') break;
      }
      return results;
    }),
  );
  return perPartition.flat();
}
