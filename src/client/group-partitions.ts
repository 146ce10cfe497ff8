/** Topic-partition helpers shared by the group client: keys, and the contract's per-topic lists. */
import type { GroupTopicPartitions } from '../api/generated/runnel/v1/GroupTopicPartitions.js';
import type { TopicPartition } from './record-accumulator.js';

/** `topic/partition`: the key of per-partition maps. */
export const tpKey = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

/** Groups partitions by topic (topics and partitions sorted), as GroupTopicPartitions lists them. */
export function byTopic<T extends TopicPartition>(tps: Iterable<T>): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const tp of tps) out.set(tp.topic, [...(out.get(tp.topic) ?? []), tp]);
  for (const list of out.values()) list.sort((a, b) => a.partition - b.partition);
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

export function toGroupTopicPartitions(tps: Iterable<TopicPartition>): GroupTopicPartitions[] {
  return [...byTopic(tps)].map(([topic, list]) => ({ topic, partitions: list.map((tp) => tp.partition) }));
}

export function fromGroupTopicPartitions(list: readonly { readonly topic: string; readonly partitions: readonly number[] }[]): TopicPartition[] {
  return list.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
}

/** A partition's offset: a position to commit, or a committed one (-1: none). */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
}
