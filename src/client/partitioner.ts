/**
 * Kafka's default partitioner, byte-compatible with the Java client: a keyed record goes to
 * `toPositive(murmur2(keyBytes)) % numPartitions`, so the same key lands on the same partition
 * whether a Kafka or a Runnel producer wrote it. Null keys use the sticky partitioner (KIP-480) or
 * round-robin. Pure: randomness comes from an injected Rng, no I/O.
 */
import { assert, type Rng } from '../core/index.js';

const MURMUR2_SEED = 0x9747b28c;
const MURMUR2_M = 0x5bd1e995;
const MURMUR2_R = 24;

/** `org.apache.kafka.common.utils.Utils.murmur2`: a signed 32-bit hash, same tail handling. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = MURMUR2_SEED ^ length;
  const bodyLength = length & ~3;
  for (let i = 0; i < bodyLength; i += 4) {
    let k = (data[i]! & 0xff) | ((data[i + 1]! & 0xff) << 8) | ((data[i + 2]! & 0xff) << 16) | ((data[i + 3]! & 0xff) << 24);
    k = Math.imul(k, MURMUR2_M);
    k ^= k >>> MURMUR2_R;
    k = Math.imul(k, MURMUR2_M);
    h = Math.imul(h, MURMUR2_M);
    h ^= k;
  }
  h = mixTail(h, data, bodyLength, length & 3);
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR2_M);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's `switch (length % 4)` with fall-through: 3 → 2 → 1, then one multiply. */
function mixTail(h: number, data: Uint8Array, bodyLength: number, rest: number): number {
  if (rest === 0) return h;
  if (rest >= 3) h ^= (data[bodyLength + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[bodyLength + 1]! & 0xff) << 8;
  h ^= data[bodyLength]! & 0xff;
  return Math.imul(h, MURMUR2_M);
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which fails on -2^31). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition of a keyed record, as Kafka's `BuiltInPartitioner.partitionForKey`. */
export function partitionForKey(keyBytes: Uint8Array, numPartitions: number): number {
  assert(Number.isInteger(numPartitions) && numPartitions > 0, () => `numPartitions must be > 0, got ${numPartitions}`);
  return toPositive(murmur2(keyBytes)) % numPartitions;
}

/** What a null-key partitioner knows about a topic: its partition count and which have a leader. */
export interface TopicPartitions {
  readonly topic: string;
  readonly numPartitions: number;
  /** Partitions with a live leader; a subset of `[0, numPartitions)`, may be empty. */
  readonly availablePartitions: readonly number[];
}

/** Chooses partitions for records without a key. */
export interface NullKeyPartitioner {
  partition(topic: TopicPartitions): number;
  /**
   * The accumulator opened a new batch for `prevPartition` (the previous one was full or sent):
   * the sticky partitioner moves on; round-robin ignores it.
   */
  onNewBatch(topic: TopicPartitions, prevPartition: number): void;
}

/**
 * KIP-480: stick to one partition until its batch is sent or full, then pick another at random,
 * preferring available partitions and avoiding the one just used when there is a choice.
 */
export class StickyPartitioner implements NullKeyPartitioner {
  /** topic -> current sticky partition; one entry per topic produced to. */
  private readonly current = new Map<string, number>();

  constructor(private readonly rng: Rng) {}

  partition(topic: TopicPartitions): number {
    const sticky = this.current.get(topic.topic);
    if (sticky !== undefined && sticky < topic.numPartitions) return sticky;
    return this.choose(topic, -1);
  }

  onNewBatch(topic: TopicPartitions, prevPartition: number): void {
    const sticky = this.current.get(topic.topic);
    if (sticky === undefined || sticky === prevPartition) this.choose(topic, prevPartition);
  }

  private choose(topic: TopicPartitions, avoid: number): number {
    assert(topic.numPartitions > 0, () => `topic ${topic.topic} has no partitions`);
    const pool = topic.availablePartitions.length > 0 ? topic.availablePartitions : allPartitions(topic.numPartitions);
    const others = pool.length > 1 ? pool.filter((p) => p !== avoid) : pool;
    const chosen = others[this.rng.int(0, others.length)]!;
    this.current.set(topic.topic, chosen);
    return chosen;
  }
}

/** Kafka's `RoundRobinPartitioner`: cycles through available partitions, else all of them. */
export class RoundRobinPartitioner implements NullKeyPartitioner {
  /** topic -> records partitioned so far; wraps at 2^31 like Kafka's AtomicInteger. */
  private readonly counters = new Map<string, number>();

  partition(topic: TopicPartitions): number {
    assert(topic.numPartitions > 0, () => `topic ${topic.topic} has no partitions`);
    const next = this.counters.get(topic.topic) ?? 0;
    this.counters.set(topic.topic, (next + 1) & 0x7fffffff);
    const pool = topic.availablePartitions;
    return pool.length > 0 ? pool[next % pool.length]! : next % topic.numPartitions;
  }

  onNewBatch(): void {}
}

/** The producer's partitioner: murmur2 for keys, the configured strategy for null keys. */
export class Partitioner {
  constructor(private readonly nullKey: NullKeyPartitioner) {}

  partition(topic: TopicPartitions, keyBytes: Uint8Array | null): number {
    if (keyBytes === null) return this.nullKey.partition(topic);
    return partitionForKey(keyBytes, topic.numPartitions);
  }

  onNewBatch(topic: TopicPartitions, prevPartition: number): void {
    this.nullKey.onNewBatch(topic, prevPartition);
  }
}

function allPartitions(numPartitions: number): number[] {
  return Array.from({ length: numPartitions }, (_, p) => p);
}
