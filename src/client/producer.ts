/**
 * The producer: `send` picks a partition (explicit, murmur2 of the key, or sticky/round-robin for a
 * null key), appends to the RecordAccumulator and returns a promise of the record's offset. A sender
 * loop (the only timers) drains ready batches and sends one Produce RPC per leader.
 *
 * Idempotence (on by default with acks 'all', as in Kafka 3): the producer gets a producer id from
 * any node (InitProducerId) and numbers each partition's records; the partition leader answers a
 * resent batch it already has with the original offsets. So every failure whose outcome is unknown
 * (timeout, lost leadership, connection lost mid-call) is retried as well, always with the batch's
 * first identity and sequence, and a record is written exactly once.
 *
 * Retries, with backoff, at most `retries` times and within `deliveryTimeoutMs`: definite failures
 * such as NOT_LEADER (after a metadata refresh or following the hint), PROPOSAL_DROPPED, a node that
 * could not be reached before anything was sent; with idempotence also indefinite failures and
 * OUT_OF_ORDER_SEQUENCE (a batch that overtook an earlier one). Without idempotence an indefinite
 * failure is reported to the caller as a RunnelError with `definite === false`: the records may or may
 * not have been written.
 *
 * A sequence gap no pending batch can fill (an earlier batch failed for good, e.g. its delivery
 * timeout expired, or the leader forgot an idle producer) would block the partition for ever; the
 * partition then takes a fresh producer id and numbers its unsent batches from 0 again (KIP-360's
 * answer, with a new id instead of a bumped epoch).
 */
import { RunnelError, type Rng } from '../core/index.js';
import { asRunnelError } from '../api/errors.js';
import type { ProduceRequest } from '../api/generated/runnel/v1/ProduceRequest.js';
import { Connections, isRetriable, itemError, resolveClientOptions, unanswered, type ClientOptions, type ResolvedClientOptions } from './connection.js';
import { MetadataCache, type TopicInfo } from './metadata-cache.js';
import { Partitioner, RoundRobinPartitioner, StickyPartitioner, type TopicPartitions } from './partitioner.js';
import { ProducerIdentity } from './producer-identity.js';
import { RecordAccumulator, DEFAULT_ACCUMULATOR_CONFIG, recordSizeBytes, type ProducerBatch, type ProducerRecord } from './record-accumulator.js';
import { encodeBatch, type RecordHeader } from '../log/index.js';

/** Kafka's bound for idempotent producers: the broker remembers a producer's last 5 batches per partition. */
export const idempotentInFlightMax = 5;

export type AcksSetting = 'all' | '1' | '0';

export interface ProducerOptions extends ClientOptions {
  /** `acks`: 'all' (default: a majority fsynced), '1' (the leader), '0' (no answer awaited, offset -1). */
  readonly acks?: AcksSetting;
  readonly lingerMs?: number;
  readonly batchSizeBytes?: number;
  readonly bufferMemoryBytes?: number;
  /**
   * Kafka's `enable.idempotence`: default true with acks 'all', and it requires acks 'all'. Retries
   * then never duplicate a record.
   */
  readonly enableIdempotence?: boolean;
  /**
   * Batches in flight per partition. Default 5 with idempotence (at most 5), else 1: without it more
   * could reorder a partition on retry.
   */
  readonly maxInFlightPerPartition?: number;
  /** Retries of one batch at most (Kafka's `retries`; default 100, bounded in time by `deliveryTimeoutMs`). */
  readonly retries?: number;
  /** A record fails with RUNNEL_ERR_TIMEOUT if not acknowledged this long after `send`. */
  readonly deliveryTimeoutMs?: number;
  /** Bytes of batches in one Produce request at most. */
  readonly maxRequestBytes?: number;
  readonly nullKeyPartitioner?: 'sticky' | 'round-robin';
  /** Randomness for the sticky partitioner (tests pass a SeededRng). */
  readonly rng?: Rng;
}

export interface SendRecord {
  readonly key?: Uint8Array | string | null;
  readonly value: Uint8Array | string | null;
  readonly headers?: Readonly<Record<string, Uint8Array | string>>;
  /** Overrides the partitioner. */
  readonly partition?: number;
  /** 0 or unset: the leader's clock. */
  readonly timestampMs?: number;
}

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** -1 with acks '0'. */
  readonly offset: number;
}

/** A record in the accumulator with the settlement of its `send` promise. */
interface PendingRecord extends ProducerRecord {
  readonly value: Uint8Array;
  readonly done: SendCallback;
}

/** Called once per record: with the error, or with null and the record's metadata. */
export type SendCallback = (err: RunnelError | null, metadata: RecordMetadata | null) => void;

type Batch = ProducerBatch<PendingRecord>;

const noHeaders: readonly RecordHeader[] = [];

const mathRng: Rng = {
  next: () => Math.random(),
  int: (lo, hi) => lo + Math.floor(Math.random() * (hi - lo)),
  chance: (p) => Math.random() < p,
};

function partitionKey(b: Batch): string {
  return `${b.tp.topic}/${b.tp.partition}`;
}

const empty = Buffer.alloc(0);

function bytes(v: Uint8Array | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** A callback that throws must not break the producer's bookkeeping of the rest of the batch. */
function settle(r: PendingRecord, err: RunnelError | null, metadata: RecordMetadata | null): void {
  try {
    r.done(err, metadata);
  } catch (thrown) {
    queueMicrotask(() => {
      throw thrown;
    });
  }
}

export class Producer {
  private readonly options: ResolvedClientOptions;
  private readonly conns: Connections;
  readonly metadata: MetadataCache;
  private readonly accumulator: RecordAccumulator<PendingRecord>;
  private readonly partitioner: Partitioner;
  /** Per topic, for the partitioner: rebuilt when the metadata cache's entry for the topic changes. */
  private readonly topicPartitions = new Map<string, { readonly info: TopicInfo; readonly tps: TopicPartitions }>();
  private readonly acks: 'ACKS_ALL' | 'ACKS_LEADER' | 'ACKS_NONE';
  /** Set when idempotent. */
  private readonly identity: ProducerIdentity | undefined;
  private readonly retries: number;
  private readonly deliveryTimeoutMs: number;
  private readonly maxRequestBytes: number;
  private readonly batchSizeBytes: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAtMs = Infinity;
  private closed = false;
  private refreshing: Promise<void> | undefined;
  private retriedBatches = 0;
  /** Woken whenever a batch completes (buffer space freed, flush progress). */
  private waiters: (() => void)[] = [];

  constructor(options: ProducerOptions) {
    this.options = resolveClientOptions(options);
    this.conns = new Connections(this.options.tls);
    this.metadata = new MetadataCache(this.conns, this.options);
    this.acks = options.acks === '0' ? 'ACKS_NONE' : options.acks === '1' ? 'ACKS_LEADER' : 'ACKS_ALL';
    const idempotent = options.enableIdempotence ?? this.acks === 'ACKS_ALL';
    const inFlightMax = options.maxInFlightPerPartition ?? (idempotent ? idempotentInFlightMax : 1);
    if (idempotent && this.acks !== 'ACKS_ALL') throw new RunnelError('RUNNEL_ERR_INVALID_CONFIG', ['enableIdempotence requires acks all']);
    if (idempotent && inFlightMax > idempotentInFlightMax) {
      throw new RunnelError('RUNNEL_ERR_INVALID_CONFIG', [`maxInFlightPerPartition ${inFlightMax} is above ${idempotentInFlightMax}, the most an idempotent producer may have`]);
    }
    this.identity = idempotent ? new ProducerIdentity(this.metadata) : undefined;
    this.retries = options.retries ?? 100;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 30_000;
    this.maxRequestBytes = options.maxRequestBytes ?? 1 << 20;
    const batchSizeBytes = options.batchSizeBytes ?? DEFAULT_ACCUMULATOR_CONFIG.batchSizeBytes;
    this.batchSizeBytes = batchSizeBytes;
    this.accumulator = new RecordAccumulator({
      batchSizeBytes,
      lingerMs: options.lingerMs ?? DEFAULT_ACCUMULATOR_CONFIG.lingerMs,
      bufferMemoryBytesMax: Math.max(batchSizeBytes, options.bufferMemoryBytes ?? DEFAULT_ACCUMULATOR_CONFIG.bufferMemoryBytesMax),
      inFlightBatchesPerPartitionMax: inFlightMax,
      retryBackoffMs: this.options.retryBackoffMs,
    });
    const rng = options.rng ?? mathRng;
    this.partitioner = new Partitioner(options.nullKeyPartitioner === 'round-robin' ? new RoundRobinPartitioner() : new StickyPartitioner(rng));
  }

  /**
   * Sends one record; resolves once it is acknowledged per `acks`, rejects with a RunnelError. The
   * record's timestamp (CreateTime) is taken now unless given.
   */
  send(topic: string, record: SendRecord): Promise<RecordMetadata> {
    return new Promise((resolve, reject) => this.sendWithCallback(topic, record, (err, metadata) => (err === null ? resolve(metadata!) : reject(err))));
  }

  /**
   * Kafka's `send(record, callback)`: the same as `send` without a promise per record (the cheaper
   * way to send many). `callback` is called exactly once, never before this returns. Synchronous up
   * to the buffer append when the topic's metadata is known and the buffer has room.
   */
  sendWithCallback(topic: string, record: SendRecord, callback: SendCallback): void {
    try {
      if (this.closed) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['the producer is closed']);
      const tps = this.partitionsOf(topic);
      if (tps === undefined || !this.tryAppend(topic, tps, record, callback)) this.appendWhenRoom(topic, record, callback).catch((err: unknown) => callback(asRunnelError(err), null));
    } catch (err) {
      queueMicrotask(() => callback(asRunnelError(err), null));
    }
  }

  /** Appends `record` to its partition's batch; false when the buffer is full. Throws for a bad record. */
  private tryAppend(topic: string, tps: TopicPartitions, record: SendRecord, callback: SendCallback): boolean {
    const nowMs = Date.now();
    const rec = this.pendingRecord(record, nowMs, callback);
    const partition = this.pickPartition(tps, record, rec);
    const r = this.accumulator.append({ topic, partition }, rec, nowMs);
    if (r.kind === 'too-large') throw new RunnelError('RUNNEL_ERR_RECORD_TOO_LARGE', [r.recordBytes, 'buffer.memory']);
    if (r.kind === 'wait') return false;
    // Readiness changes only when a batch opens (its linger starts) or fills up.
    if (r.newBatch || r.batchFull) this.wake();
    return true;
  }

  /** When the topic's metadata must be fetched first, or the buffer is full: waits for room. */
  private async appendWhenRoom(topic: string, record: SendRecord, callback: SendCallback): Promise<void> {
    const deadline = Date.now() + this.deliveryTimeoutMs;
    for (;;) {
      if (this.closed) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['the producer is closed']);
      const tps = this.partitionsOf(topic) ?? (await this.metadata.requireTopic(topic), this.partitionsOf(topic));
      if (tps === undefined) throw new RunnelError('RUNNEL_ERR_UNKNOWN_TOPIC', [topic]);
      if (this.tryAppend(topic, tps, record, callback)) return;
      const nowMs = Date.now();
      if (nowMs >= deadline) throw new RunnelError('RUNNEL_ERR_TIMEOUT', [`after ${this.deliveryTimeoutMs} ms waiting for buffer memory; nothing was sent`]);
      this.wake();
      await this.completion(deadline - nowMs);
    }
  }

  /** The partitioner's view of the topic, cached while the metadata cache keeps the same entry. */
  private partitionsOf(topic: string): TopicPartitions | undefined {
    const info = this.metadata.topic(topic);
    if (info === undefined) return undefined;
    const cached = this.topicPartitions.get(topic);
    if (cached !== undefined && cached.info === info) return cached.tps;
    const tps: TopicPartitions = { topic, numPartitions: info.partitions.length, availablePartitions: info.partitions.filter((p) => p.leaderId !== 0).map((p) => p.partition) };
    this.topicPartitions.set(topic, { info, tps });
    return tps;
  }

  private pendingRecord(record: SendRecord, nowMs: number, done: SendCallback): PendingRecord {
    const headers = record.headers === undefined ? noHeaders : Object.entries(record.headers).map(([k, v]): RecordHeader => ({ key: k, value: bytes(v) ?? empty }));
    return {
      key: bytes(record.key),
      value: bytes(record.value) ?? empty,
      timestampMs: record.timestampMs || nowMs,
      headers,
      done,
    };
  }

  private pickPartition(tps: TopicPartitions, record: SendRecord, rec: PendingRecord): number {
    const { topic, numPartitions } = tps;
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= numPartitions) {
        throw new RunnelError('RUNNEL_ERR_UNKNOWN_PARTITION', [`${topic}-${record.partition} (the topic has ${numPartitions})`]);
      }
      return record.partition;
    }
    const partition = this.partitioner.partition(tps, rec.key);
    // KIP-480: a null-keyed record that would open a new batch first lets the sticky partitioner move on.
    if (rec.key === null && !this.fitsOpenBatch(topic, partition, rec)) {
      this.partitioner.onNewBatch(tps, partition);
      return this.partitioner.partition(tps, rec.key);
    }
    return partition;
  }

  /** Sends everything buffered now and waits until every record sent before the call is acknowledged or failed. */
  async flush(): Promise<void> {
    const all = this.accumulator.unfinished();
    while (all.some((b) => !b.completed)) {
      this.wake();
      await this.completion(100);
    }
  }

  /** Counters for monitoring and tests: batch resends so far. */
  stats(): { readonly retriedBatches: number } {
    return { retriedBatches: this.retriedBatches };
  }

  /** Flushes, then stops the sender and closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.conns.close();
  }

  private fitsOpenBatch(topic: string, partition: number, rec: PendingRecord): boolean {
    const q = this.accumulator.queued({ topic, partition });
    const last = q[q.length - 1];
    return last !== undefined && !last.closed && last.sizeBytes + recordSizeBytes(rec) <= this.batchSizeBytes;
  }

  private completion(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, Math.max(1, timeoutMs));
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Schedules the sender for when the accumulator next has a ready batch (now, if `force`). */
  private wake(): void {
    const now = Date.now();
    const at = this.accumulator.nextReadyMs(now);
    if (at === Infinity || at >= this.timerAtMs) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAtMs = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAtMs = Infinity;
      this.runSender();
    }, Math.max(0, at - now));
  }

  private runSender(): void {
    const now = Date.now();
    const requests = this.accumulator.drain(now, this.maxRequestBytes, (tp) => this.metadata.leaderId(tp.topic, tp.partition));
    for (const req of requests) void this.sendRequest(req.leader, req.batches);
    // A batch ready now but not drained waits for an in-flight one: a completion wakes the sender.
    if (requests.length > 0 || this.accumulator.nextReadyMs(now) > now) this.wake();
  }

  /** Idempotent: a batch sent for the first time (or after a gap) takes its partition's producer id. */
  private async assignProducerIds(batches: readonly Batch[]): Promise<void> {
    const identity = this.identity;
    if (identity === undefined) return;
    for (const b of batches) if (b.producerId < 0) b.producerId = await identity.producerIdFor(partitionKey(b));
  }

  private async sendRequest(leaderId: number, drained: readonly Batch[]): Promise<void> {
    try {
      await this.assignProducerIds(drained);
    } catch (err) {
      const e = asRunnelError(err);
      for (const b of drained) this.retryOrFail(b, e, false);
      this.afterCompletions();
      return;
    }
    // Encoded only now: the encoding carries the producer id (and keeps it for resends).
    const batches = this.encoded(drained);
    const address = leaderId === 0 ? undefined : this.metadata.nodeAddress(leaderId);
    if (address === undefined || !(await this.conns.ready(address, Math.min(1_000, this.options.requestTimeoutMs)))) {
      // Nothing was sent: retrying cannot duplicate anything.
      this.requestRefresh();
      for (const b of batches) this.retryOrFail(b, new RunnelError('RUNNEL_ERR_NOT_LEADER', [leaderId, `${b.tp.topic}-${b.tp.partition} (no reachable leader known)`]), false);
      this.afterCompletions();
      return;
    }
    const byTopic = new Map<string, Batch[]>();
    for (const b of batches) {
      const list = byTopic.get(b.tp.topic);
      if (list === undefined) byTopic.set(b.tp.topic, [b]);
      else list.push(b);
    }
    const req: ProduceRequest = {
      acks: this.acks,
      timeoutMs: this.options.requestTimeoutMs,
      topics: [...byTopic].map(([topic, bs]) => ({
        topic,
        partitions: bs.map((b) => ({ partition: b.tp.partition, recordBatch: b.encoded as Buffer })),
      })),
    };
    const conn = this.conns.get(address);
    try {
      const res = await conn.produceStream.send(req, this.options.requestTimeoutMs + 1_000);
      for (const b of batches) {
        const p = res.topics.find((t) => t.topic === b.tp.topic)?.partitions.find((x) => x.partition === b.tp.partition);
        const err = p ? itemError(p.error) : new RunnelError('RUNNEL_ERR_INTERNAL', [`no result for ${b.tp.topic}-${b.tp.partition}`]);
        if (err === null && p) this.succeed(b, this.acks === 'ACKS_NONE' ? -1 : p.baseOffset);
        else this.retryOrFail(b, err ?? new RunnelError('RUNNEL_ERR_INTERNAL', ['no result']));
      }
    } catch (err) {
      const e = asRunnelError(err);
      if (unanswered(e)) {
        // The leader may be gone (cut off, paused): look the leaders up again before the retry.
        this.metadata.noteUnanswered(address);
        this.requestRefresh();
      }
      for (const b of batches) this.retryOrFail(b, e);
    }
    this.afterCompletions();
  }

  private succeed(b: Batch, baseOffset: number): void {
    this.accumulator.complete(b);
    const { topic, partition } = b.tp;
    const records = b.records;
    for (let i = 0; i < records.length; i++) settle(records[i]!, null, { topic, partition, offset: baseOffset < 0 ? -1 : baseOffset + i });
  }

  private fail(b: Batch, err: RunnelError): void {
    this.accumulator.complete(b);
    for (const r of b.records) settle(r, err, null);
  }

  /**
   * Encodes each batch for its producer id and sequence (kept for resends). A batch that cannot be
   * encoded (a record beyond a limit of docs/LOG.md) fails alone, definitely: nothing was sent.
   */
  private encoded(batches: readonly Batch[]): Batch[] {
    const out: Batch[] = [];
    for (const b of batches) {
      try {
        b.encoded ??= encodeBatch({
          records: b.records,
          ...(b.producerId < 0 ? {} : { producerId: b.producerId, producerEpoch: 0, baseSequence: b.baseSequence ?? 0 }),
        });
        out.push(b);
      } catch (err) {
        this.fail(b, asRunnelError(err));
      }
    }
    return out;
  }

  /** `sent`: false when nothing reached a node (no leader known): only the delivery timeout bounds that. */
  private retryOrFail(b: Batch, err: RunnelError, sent = true): void {
    if (err.code === 'RUNNEL_ERR_NOT_LEADER') {
      this.metadata.onNotLeader(b.tp.topic, b.tp.partition, err);
      if (this.metadata.leaderId(b.tp.topic, b.tp.partition) === 0) this.requestRefresh();
    }
    if (err.code === 'RUNNEL_ERR_OUT_OF_ORDER_SEQUENCE') this.onSequenceGap(b);
    const expired = Date.now() - b.createdMs >= this.deliveryTimeoutMs;
    if (this.retriable(err) && (!sent || b.attempts <= this.retries) && !expired) {
      this.retriedBatches++;
      this.accumulator.reenqueue(b, Date.now());
    } else {
      this.fail(b, err);
    }
  }

  /** Idempotent: an unknown outcome is safe to resend; so is a batch that overtook an earlier one. */
  private retriable(err: RunnelError): boolean {
    if (this.identity === undefined) return isRetriable(err);
    return isRetriable(err) || !err.definite || err.code === 'RUNNEL_ERR_OUT_OF_ORDER_SEQUENCE';
  }

  /**
   * The leader refused `b` (definitely not written) because its sequence does not follow the last
   * one of its producer id. While other batches of the partition are pending it just waits its turn
   * (an earlier one may fill the gap; later ones come back refused too). Alone, the gap is permanent:
   * the partition takes a fresh producer id and numbers `b` and everything after it from 0 again.
   */
  private onSequenceGap(b: Batch): void {
    if (this.identity === undefined || !this.accumulator.isAloneInFlight(b)) return;
    this.identity.replace(partitionKey(b), b.producerId);
    this.accumulator.restartSequences(b);
  }

  private afterCompletions(): void {
    this.notify();
    this.wake();
  }

  /** One metadata refresh at a time; failures are left to the next retry. */
  private requestRefresh(): void {
    this.refreshing ??= this.metadata
      .refresh([])
      .catch(() => undefined)
      .then(() => {
        this.refreshing = undefined;
        this.wake();
      });
  }
}
