/**
 * The producer's record accumulator (Kafka's `RecordAccumulator`), as a pure state machine: records
 * are appended to the open batch of their partition; `drain(nowMs, ...)` hands out the batches that
 * are ready (full, lingered `lingerMs`, or behind a full one); the producer reports each sent batch
 * back with `complete` or `reenqueue`. Time arrives as `nowMs`; there are no timers and no I/O.
 *
 * Bounds (all named `...Max`): buffered bytes (`bufferMemoryBytesMax`, Kafka's `buffer.memory`) and
 * in-flight batches per partition (`inFlightBatchesPerPartitionMax`, Kafka's
 * `max.in.flight.requests.per.connection`). When the buffer is full, `append` answers `wait`.
 *
 * Ordering: per partition, batches are created, sequenced and queued in append order. A batch
 * gets its `baseSequence` on its first drain and keeps it through retries; a retried batch goes
 * back to the FRONT of its queue (in sequence order) and is resent only once no earlier batch of
 * the partition is in flight, so the broker sees each partition's sequences in order.
 */
import { assert, NO_NODE, type NodeId } from '../core/index.js';
import type { RecordHeader } from '../log/index.js';

/** Per-record framing overhead counted against the batch and buffer budgets (varints, attributes, offsets). */
export const RECORD_OVERHEAD_BYTES = 16;

/** Sequence numbers are int32 and wrap to 0, as in Kafka. */
export const sequenceModulus = 2 ** 31;

export interface ProducerRecord {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly timestampMs: number;
  readonly headers?: readonly RecordHeader[];
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface RecordAccumulatorConfig {
  /** Kafka's `batch.size`: a batch is closed once it reaches this many bytes. */
  readonly batchSizeBytes: number;
  /** Kafka's `linger.ms`: how long an open, non-full batch waits for more records. */
  readonly lingerMs: number;
  /** Kafka's `buffer.memory`: bytes of records held (queued or in flight) at most. */
  readonly bufferMemoryBytesMax: number;
  /** Kafka's `max.in.flight.requests.per.connection`, applied per partition (≤ 5 with idempotence). */
  readonly inFlightBatchesPerPartitionMax: number;
  /** Kafka's `retry.backoff.ms`: a re-enqueued batch waits this long before it is drained again. */
  readonly retryBackoffMs: number;
}

/** Kafka's defaults, for callers to spread explicitly. */
export const DEFAULT_ACCUMULATOR_CONFIG: RecordAccumulatorConfig = {
  batchSizeBytes: 16_384,
  lingerMs: 5,
  bufferMemoryBytesMax: 33_554_432,
  inFlightBatchesPerPartitionMax: 5,
  retryBackoffMs: 100,
};

export interface ProducerBatch<R extends ProducerRecord = ProducerRecord> {
  /** Unique per accumulator, increasing in creation order (so in append order within a partition). */
  readonly id: number;
  readonly tp: TopicPartition;
  readonly records: R[];
  sizeBytes: number;
  readonly createdMs: number;
  /** No more appends: full, or drained at least once. */
  closed: boolean;
  /** Assigned on the first drain, kept through retries; null before. */
  baseSequence: number | null;
  /** Times drained (1 after the first send). */
  attempts: number;
  /**
   * The idempotent producer id the batch was sent with (-1: none yet). The producer keeps it across
   * retries, so a batch whose fate is unknown is only ever resent under the same identity.
   */
  producerId: number;
  /** A re-enqueued batch is not drained before this time. */
  retryNotBeforeMs: number;
  /** `complete` was called: acknowledged or failed for good. */
  completed: boolean;
  /**
   * The producer's encoding of the batch for its producer id and baseSequence (resends reuse it);
   * cleared when those change.
   */
  encoded: Uint8Array | undefined;
}

export type AppendResult =
  | { readonly kind: 'appended'; readonly batchId: number; readonly newBatch: boolean; readonly batchFull: boolean }
  /** Backpressure: the buffer holds too much; retry after some batches complete. */
  | { readonly kind: 'wait'; readonly bufferedBytes: number; readonly recordBytes: number }
  /** The record alone exceeds `bufferMemoryBytesMax` and can never be accepted. */
  | { readonly kind: 'too-large'; readonly recordBytes: number };

/** Batches for one leader, at most `maxRequestBytes` together (a single larger batch goes alone). */
export interface DrainedRequest<R extends ProducerRecord = ProducerRecord> {
  readonly leader: NodeId;
  readonly batches: readonly ProducerBatch<R>[];
  readonly sizeBytes: number;
}

export type LeaderOf = (tp: TopicPartition) => NodeId;

interface PartitionState<R extends ProducerRecord> {
  readonly tp: TopicPartition;
  /** Sorted by batch id; at most the last one is open (not closed). */
  readonly queue: ProducerBatch<R>[];
  /** Batches drained and not yet completed or re-enqueued; size ≤ inFlightBatchesPerPartitionMax. */
  readonly inFlight: Map<number, ProducerBatch<R>>;
  /** Sequence for the next never-sent batch; ≥ every assigned baseSequence + count. */
  nextSequence: number;
}

export function recordSizeBytes(record: ProducerRecord): number {
  let n = RECORD_OVERHEAD_BYTES + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  if (record.headers !== undefined) for (const h of record.headers) n += 4 + h.key.length + h.value.length;
  return n;
}

export class RecordAccumulator<R extends ProducerRecord = ProducerRecord> {
  /** Every partition's state, in creation order (the drain rotates over them). */
  private readonly states: PartitionState<R>[] = [];
  /** The same states by topic, then partition: a lookup without building a key per record. */
  private readonly byTopic = new Map<string, PartitionState<R>[]>();
  /** Bytes of all records queued or in flight. Invariant: 0 ≤ bufferedBytes ≤ bufferMemoryBytesMax. */
  private bufferedBytes = 0;
  private nextBatchId = 1;
  /** Set when an append had to wait: drain everything non-empty to free memory sooner (as Kafka). */
  private memoryExhausted = false;
  /** Rotates the drain start so that no partition starves under maxRequestBytes. */
  private drainStart = 0;

  constructor(private readonly config: RecordAccumulatorConfig) {
    assert(config.batchSizeBytes > 0, 'batchSizeBytes must be > 0');
    assert(config.lingerMs >= 0, 'lingerMs must be >= 0');
    assert(config.bufferMemoryBytesMax >= config.batchSizeBytes, 'bufferMemoryBytesMax must be >= batchSizeBytes');
    assert(config.inFlightBatchesPerPartitionMax >= 1, 'inFlightBatchesPerPartitionMax must be >= 1');
  }

  get bufferedBytesTotal(): number {
    return this.bufferedBytes;
  }

  append(tp: TopicPartition, record: R, nowMs: number): AppendResult {
    const recordBytes = recordSizeBytes(record);
    if (recordBytes > this.config.bufferMemoryBytesMax) return { kind: 'too-large', recordBytes };
    if (this.bufferedBytes + recordBytes > this.config.bufferMemoryBytesMax) {
      this.memoryExhausted = true;
      return { kind: 'wait', bufferedBytes: this.bufferedBytes, recordBytes };
    }
    const state = this.partitionState(tp);
    let batch = openBatch(state);
    const newBatch = batch === undefined || batch.sizeBytes + recordBytes > this.config.batchSizeBytes;
    if (newBatch) {
      if (batch !== undefined) batch.closed = true;
      batch = this.newBatch(state, nowMs);
    }
    assert(batch !== undefined, 'an open batch exists after append');
    batch.records.push(record);
    batch.sizeBytes += recordBytes;
    this.bufferedBytes += recordBytes;
    if (batch.sizeBytes >= this.config.batchSizeBytes) batch.closed = true;
    this.checkMemory();
    return { kind: 'appended', batchId: batch.id, newBatch, batchFull: batch.closed };
  }

  /** The earliest time a currently queued batch becomes ready; Infinity if none is queued. */
  nextReadyMs(nowMs: number): number {
    let earliest = Infinity;
    for (const state of this.states) {
      const head = state.queue[0];
      if (head !== undefined) earliest = Math.min(earliest, this.readyAtMs(state, head, nowMs));
    }
    return earliest;
  }

  /**
   * Takes at most one ready batch per partition, groups them by leader into requests of at most
   * `maxRequestBytes`, and marks them in flight. Batches that do not fit stay queued for the next drain.
   */
  drain(nowMs: number, maxRequestBytes: number, leaderOf: LeaderOf = () => NO_NODE): DrainedRequest<R>[] {
    const requests = new Map<NodeId, { batches: ProducerBatch<R>[]; sizeBytes: number }>();
    const states = this.states;
    for (let i = 0; i < states.length; i++) {
      const state = states[(this.drainStart + i) % states.length]!;
      const head = state.queue[0];
      if (head === undefined || !this.isSendable(state, head, nowMs)) continue;
      const leader = leaderOf(state.tp);
      const request = requests.get(leader) ?? { batches: [], sizeBytes: 0 };
      if (request.batches.length > 0 && request.sizeBytes + head.sizeBytes > maxRequestBytes) continue;
      this.markInFlight(state, head);
      request.batches.push(head);
      request.sizeBytes += head.sizeBytes;
      requests.set(leader, request);
    }
    this.drainStart = states.length === 0 ? 0 : (this.drainStart + 1) % states.length;
    if (!this.hasQueued()) this.memoryExhausted = false;
    return [...requests].map(([leader, r]) => ({ leader, batches: r.batches, sizeBytes: r.sizeBytes }));
  }

  /** The batch was acknowledged (or failed for good): its memory is freed. */
  complete(batch: ProducerBatch<R>): void {
    const state = this.inFlightState(batch);
    state.inFlight.delete(batch.id);
    batch.completed = true;
    this.bufferedBytes -= batch.sizeBytes;
    this.memoryExhausted = false;
    this.checkMemory();
  }

  /**
   * A retriable failure: the batch goes back to the front of its partition's queue, in sequence
   * order, keeping its records and baseSequence, not drained again before `nowMs + retryBackoffMs`.
   */
  reenqueue(batch: ProducerBatch<R>, nowMs: number): void {
    const state = this.inFlightState(batch);
    state.inFlight.delete(batch.id);
    batch.retryNotBeforeMs = nowMs + this.config.retryBackoffMs;
    const at = state.queue.findIndex((queued) => queued.id > batch.id);
    state.queue.splice(at === -1 ? state.queue.length : at, 0, batch);
  }

  /** Batches queued (not in flight) for a partition, front first. For tests and metrics. */
  queued(tp: TopicPartition): readonly ProducerBatch<R>[] {
    return this.stateOf(tp)?.queue ?? [];
  }

  /** Every batch not yet completed: queued or in flight. */
  unfinished(): ProducerBatch<R>[] {
    const out: ProducerBatch<R>[] = [];
    for (const state of this.states) out.push(...state.queue, ...state.inFlight.values());
    return out;
  }

  /** `batch` (in flight) is its partition's only batch in flight, and no earlier one is queued. */
  isAloneInFlight(batch: ProducerBatch<R>): boolean {
    const state = this.inFlightState(batch);
    return state.inFlight.size === 1 && !state.queue.some((b) => b.id < batch.id);
  }

  /**
   * An idempotent producer's partition starts over under a new producer id: `batch` (alone in flight,
   * refused, so not written) and every queued batch of its partition lose their sequence and id, and
   * are numbered again from 0, in order, when next drained.
   */
  restartSequences(batch: ProducerBatch<R>): void {
    assert(this.isAloneInFlight(batch), () => `batch ${batch.id} is not alone in flight`);
    const state = this.inFlightState(batch);
    for (const b of [batch, ...state.queue]) {
      b.baseSequence = null;
      b.producerId = -1;
      b.encoded = undefined;
    }
    state.nextSequence = 0;
  }

  inFlightCount(tp: TopicPartition): number {
    return this.stateOf(tp)?.inFlight.size ?? 0;
  }

  private isSendable(state: PartitionState<R>, head: ProducerBatch<R>, nowMs: number): boolean {
    if (state.inFlight.size >= this.config.inFlightBatchesPerPartitionMax) return false;
    if (head.baseSequence !== null && hasEarlierInFlight(state, head)) return false;
    return this.memoryExhausted ? nowMs >= head.retryNotBeforeMs : this.readyAtMs(state, head, nowMs) <= nowMs;
  }

  /** When the head batch becomes ready: at once if closed (full or behind a full one), else after linger. */
  private readyAtMs(state: PartitionState<R>, head: ProducerBatch<R>, nowMs: number): number {
    const closedOrBehind = head.closed || state.queue.length > 1;
    const lingeredMs = closedOrBehind ? nowMs : head.createdMs + this.config.lingerMs;
    return Math.max(lingeredMs, head.retryNotBeforeMs);
  }

  private markInFlight(state: PartitionState<R>, batch: ProducerBatch<R>): void {
    assert(state.queue[0] === batch, 'only the head batch is drained');
    state.queue.shift();
    batch.closed = true;
    batch.attempts += 1;
    if (batch.baseSequence === null) {
      batch.baseSequence = state.nextSequence;
      state.nextSequence = (state.nextSequence + batch.records.length) % sequenceModulus;
    }
    state.inFlight.set(batch.id, batch);
    assert(state.inFlight.size <= this.config.inFlightBatchesPerPartitionMax, 'in-flight bound exceeded');
  }

  private newBatch(state: PartitionState<R>, nowMs: number): ProducerBatch<R> {
    const batch: ProducerBatch<R> = {
      id: this.nextBatchId++,
      tp: state.tp,
      records: [],
      sizeBytes: 0,
      createdMs: nowMs,
      closed: false,
      baseSequence: null,
      attempts: 0,
      producerId: -1,
      retryNotBeforeMs: 0,
      completed: false,
      encoded: undefined,
    };
    state.queue.push(batch);
    return batch;
  }

  private partitionState(tp: TopicPartition): PartitionState<R> {
    let byPartition = this.byTopic.get(tp.topic);
    if (byPartition === undefined) {
      byPartition = [];
      this.byTopic.set(tp.topic, byPartition);
    }
    let state = byPartition[tp.partition];
    if (state === undefined) {
      state = { tp: { topic: tp.topic, partition: tp.partition }, queue: [], inFlight: new Map(), nextSequence: 0 };
      this.states.push(state);
      byPartition[tp.partition] = state;
    }
    return state;
  }

  private stateOf(tp: TopicPartition): PartitionState<R> | undefined {
    return this.byTopic.get(tp.topic)?.[tp.partition];
  }

  private inFlightState(batch: ProducerBatch<R>): PartitionState<R> {
    const state = this.stateOf(batch.tp);
    assert(state !== undefined && state.inFlight.has(batch.id), () => `batch ${batch.id} is not in flight`);
    return state;
  }

  private hasQueued(): boolean {
    for (const state of this.states) if (state.queue.length > 0) return true;
    return false;
  }

  private checkMemory(): void {
    assert(
      this.bufferedBytes >= 0 && this.bufferedBytes <= this.config.bufferMemoryBytesMax,
      () => `bufferedBytes ${this.bufferedBytes} outside [0, ${this.config.bufferMemoryBytesMax}]`,
    );
  }
}

function openBatch<R extends ProducerRecord>(state: PartitionState<R>): ProducerBatch<R> | undefined {
  const last = state.queue[state.queue.length - 1];
  return last !== undefined && !last.closed ? last : undefined;
}

function hasEarlierInFlight<R extends ProducerRecord>(state: PartitionState<R>, batch: ProducerBatch<R>): boolean {
  for (const id of state.inFlight.keys()) if (id < batch.id) return true;
  return false;
}
