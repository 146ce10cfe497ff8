/**
 * What a `subscribe()`d consumer reads (no consumer groups yet: every partition of the named
 * topics), kept in step with metadata. A pure state machine: time arrives as `nowMs`, metadata as
 * a lookup.
 *
 * Where a partition starts: those the cluster has at subscribe time start per `autoOffsetReset`;
 * every partition that appears later (added by CreatePartitions, or of a topic created — or
 * re-created under a new id — after subscribe) starts at its earliest offset, whatever
 * `autoOffsetReset` says, so nothing written to it before the consumer noticed it is missed (Kafka's
 * consumer with auto.offset.reset=earliest behaves so; with 'latest' it would skip those records).
 */
import type { TopicPartition } from './record-accumulator.js';

/** A topic as metadata shows it now; undefined when the cluster does not have it. */
export type TopicLookup = (topic: string) => { readonly topicId: string; readonly partitions: readonly number[] } | undefined;

export interface NewPartition {
  readonly tp: TopicPartition;
  /** Appeared after subscribe: read from the log start rather than per autoOffsetReset. */
  readonly fromStart: boolean;
}

export interface SubscriptionChange {
  readonly added: readonly NewPartition[];
  readonly removed: readonly TopicPartition[];
}

export class Subscription {
  readonly topics: readonly string[];
  // topic -> the id and partitions last seen; no entry: not seen yet, or gone.
  private readonly seen = new Map<string, { topicId: string; partitions: Set<number> }>();
  private subscribed = false;
  private refreshedAtMs = -Infinity;

  constructor(
    topics: readonly string[],
    private readonly metadataMaxAgeMs: number,
  ) {
    this.topics = [...new Set(topics)];
  }

  /** Whether metadata is older than `metadataMaxAgeMs` and should be refreshed and passed to `update`. */
  due(nowMs: number): boolean {
    return nowMs - this.refreshedAtMs >= this.metadataMaxAgeMs;
  }

  /** Refresh at the next chance (e.g. a fetch answered UNKNOWN_TOPIC). */
  expire(): void {
    this.refreshedAtMs = -Infinity;
  }

  /** Absorbs fresh metadata: partitions to start reading, and those of topics that are gone. */
  update(nowMs: number, lookup: TopicLookup): SubscriptionChange {
    const fromStart = this.subscribed;
    this.subscribed = true;
    this.refreshedAtMs = nowMs;
    const added: NewPartition[] = [];
    const removed: TopicPartition[] = [];
    for (const topic of this.topics) {
      const now = lookup(topic);
      const before = this.seen.get(topic);
      if (before !== undefined && before.topicId !== now?.topicId) {
        removed.push(...[...before.partitions].map((partition) => ({ topic, partition })));
        this.seen.delete(topic);
      }
      if (now === undefined) continue;
      const known = this.seen.get(topic)?.partitions ?? new Set<number>();
      for (const partition of now.partitions) {
        if (!known.has(partition)) added.push({ tp: { topic, partition }, fromStart });
      }
      this.seen.set(topic, { topicId: now.topicId, partitions: new Set(now.partitions) });
    }
    return { added, removed };
  }
}
