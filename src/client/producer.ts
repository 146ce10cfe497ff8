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
import type { ProduceRequest } from '../api/generated/runnel/v1/ProduceRequest.js';
import type { ProduceResponse__Output } from '../api/generated/runnel/v1/ProduceResponse.js';
import { Connections, isRetriable, itemError, resolveClientOptions, unanswered, unary, type ClientOptions, type ResolvedClientOptions } from './connection.js';
import { MetadataCache } from './metadata-cache.js';
import { Partitioner, RoundRobinPartitioner, StickyPartitioner, type TopicPartitions } from './partitioner.js';
import { ProducerIdentity } from './producer-identity.js';
import { RecordAccumulator, DEFAULT_ACCUMULATOR_CONFIG, recordSizeBytes, type ProducerBatch, type ProducerRecord } from './record-accumulator.js';

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

interface Pending {
  readonly headers: { key: string; value: Buffer }[];
  readonly resolve: (m: RecordMetadata) => void;
  readonly reject: (e: RunnelError) => void;
}

const mathRng: Rng = {
  next: () => Math.random(),
  int: (lo, hi) => lo + Math.floor(Math.random() * (hi - lo)),
  chance: (p) => Math.random() < p,
};

function partitionKey(b: ProducerBatch): string {
  return `${b.tp.topic}/${b.tp.partition}`;
}

function bytes(v: Uint8Array | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export class Producer {
  private readonly options: ResolvedClientOptions;
  private readonly conns: Connections;
  readonly metadata: MetadataCache;
  private readonly accumulator: RecordAccumulator;
  private readonly partitioner: Partitioner;
  private readonly pending = new Map<ProducerRecord, Pending>();
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

  /** Sends one record; resolves once it is acknowledged per `acks`, rejects with a RunnelError. */
  async send(topic: string, record: SendRecord): Promise<RecordMetadata> {
    if (this.closed) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['the producer is closed']);
    const info = this.metadata.topic(topic) ?? (await this.metadata.requireTopic(topic));
    const numPartitions = info.partitions.length;
    const tps: TopicPartitions = { topic, numPartitions, availablePartitions: info.partitions.filter((p) => p.leaderId !== 0).map((p) => p.partition) };
    const key = bytes(record.key);
    const value = bytes(record.value) ?? Buffer.alloc(0);
    let partition: number;
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= numPartitions) {
        throw new RunnelError('RUNNEL_ERR_UNKNOWN_PARTITION', [`${topic}-${record.partition} (the topic has ${numPartitions})`]);
      }
      partition = record.partition;
    } else {
      partition = this.partitioner.partition(tps, key);
    }
    const rec: ProducerRecord = { key, value, timestampMs: record.timestampMs ?? 0 };
    // KIP-480: a null-keyed record that would open a new batch first lets the sticky partitioner move on.
    if (key === null && record.partition === undefined && !this.fitsOpenBatch(topic, partition, rec)) {
      this.partitioner.onNewBatch(tps, partition);
      partition = this.partitioner.partition(tps, key);
    }
    const headers = Object.entries(record.headers ?? {}).map(([k, v]) => ({ key: k, value: bytes(v) ?? Buffer.alloc(0) }));
    const deadline = Date.now() + this.deliveryTimeoutMs;
    for (;;) {
      const r = this.accumulator.append({ topic, partition }, rec, Date.now());
      if (r.kind === 'too-large') throw new RunnelError('RUNNEL_ERR_RECORD_TOO_LARGE', [r.recordBytes, 'buffer.memory']);
      if (r.kind === 'appended') break;
      if (Date.now() >= deadline) throw new RunnelError('RUNNEL_ERR_TIMEOUT', [`${this.deliveryTimeoutMs} (waiting for buffer memory; nothing was sent)`]);
      this.wake();
      await this.completion(deadline - Date.now());
    }
    const done = new Promise<RecordMetadata>((resolve, reject) => this.pending.set(rec, { headers, resolve, reject }));
    this.wake();
    return done;
  }

  /** Sends everything buffered now and waits until every pending record is acknowledged or failed. */
  async flush(): Promise<void> {
    const all = [...this.pending.keys()];
    while (all.some((r) => this.pending.has(r))) {
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

  private fitsOpenBatch(topic: string, partition: number, rec: ProducerRecord): boolean {
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
  private async assignProducerIds(batches: readonly ProducerBatch[]): Promise<void> {
    const identity = this.identity;
    if (identity === undefined) return;
    for (const b of batches) if (b.producerId < 0) b.producerId = await identity.producerIdFor(partitionKey(b));
  }

  private async sendRequest(leaderId: number, batches: readonly ProducerBatch[]): Promise<void> {
    try {
      await this.assignProducerIds(batches);
    } catch (err) {
      const e = err instanceof RunnelError ? err : new RunnelError('RUNNEL_ERR_INTERNAL', [String(err)]);
      for (const b of batches) this.retryOrFail(b, e, false);
      this.afterCompletions();
      return;
    }
    const address = leaderId === 0 ? undefined : this.metadata.nodeAddress(leaderId);
    if (address === undefined || !(await this.conns.ready(address, Math.min(1_000, this.options.requestTimeoutMs)))) {
      // Nothing was sent: retrying cannot duplicate anything.
      this.requestRefresh();
      for (const b of batches) this.retryOrFail(b, new RunnelError('RUNNEL_ERR_NOT_LEADER', [leaderId, `${b.tp.topic}-${b.tp.partition} (no reachable leader known)`]), false);
      this.afterCompletions();
      return;
    }
    const byTopic = new Map<string, ProducerBatch[]>();
    for (const b of batches) byTopic.set(b.tp.topic, [...(byTopic.get(b.tp.topic) ?? []), b]);
    const req: ProduceRequest = {
      acks: this.acks,
      timeoutMs: this.options.requestTimeoutMs,
      topics: [...byTopic].map(([topic, bs]) => ({
        topic,
        partitions: bs.map((b) => ({
          partition: b.tp.partition,
          ...(b.producerId < 0 ? {} : { producer: { producerId: b.producerId, producerEpoch: 0, baseSequence: b.baseSequence ?? 0 } }),
          records: b.records.map((r) => ({
            ...(r.key === null ? {} : { key: r.key as Buffer }),
            value: (r.value ?? Buffer.alloc(0)) as Buffer,
            timestampMs: r.timestampMs,
            headers: this.pending.get(r)?.headers ?? [],
          })),
        })),
      })),
    };
    const conn = this.conns.get(address);
    try {
      const res = await unary<ProduceRequest, ProduceResponse__Output>(conn.produce.Produce.bind(conn.produce), req, this.options.requestTimeoutMs + 1_000);
      for (const b of batches) {
        const p = res.topics.find((t) => t.topic === b.tp.topic)?.partitions.find((x) => x.partition === b.tp.partition);
        const err = p ? itemError(p.error) : new RunnelError('RUNNEL_ERR_INTERNAL', [`no result for ${b.tp.topic}-${b.tp.partition}`]);
        if (err === null && p) this.succeed(b, this.acks === 'ACKS_NONE' ? -1 : p.baseOffset);
        else this.retryOrFail(b, err ?? new RunnelError('RUNNEL_ERR_INTERNAL', ['no result']));
      }
    } catch (err) {
      const e = err instanceof RunnelError ? err : new RunnelError('RUNNEL_ERR_INTERNAL', [String(err)]);
      if (unanswered(e)) {
        // The leader may be gone (cut off, paused): look the leaders up again before the retry.
        this.metadata.noteUnanswered(address);
        this.requestRefresh();
      }
      for (const b of batches) this.retryOrFail(b, e);
    }
    this.afterCompletions();
  }

  private succeed(b: ProducerBatch, baseOffset: number): void {
    this.accumulator.complete(b);
    b.records.forEach((r, i) => {
      this.pending.get(r)?.resolve({ topic: b.tp.topic, partition: b.tp.partition, offset: baseOffset < 0 ? -1 : baseOffset + i });
      this.pending.delete(r);
    });
  }

  private fail(b: ProducerBatch, err: RunnelError): void {
    this.accumulator.complete(b);
    for (const r of b.records) {
      this.pending.get(r)?.reject(err);
      this.pending.delete(r);
    }
  }

  /** `sent`: false when nothing reached a node (no leader known): only the delivery timeout bounds that. */
  private retryOrFail(b: ProducerBatch, err: RunnelError, sent = true): void {
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
  private onSequenceGap(b: ProducerBatch): void {
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
