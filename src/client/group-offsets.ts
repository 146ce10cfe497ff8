/** OffsetCommit and OffsetFetch on a group's coordinator (group-coordinator.ts), for members and admin tools alike. */
import type { OffsetCommitRequest } from '../api/generated/runnel/v1/OffsetCommitRequest.js';
import type { OffsetCommitResponse__Output } from '../api/generated/runnel/v1/OffsetCommitResponse.js';
import type { OffsetFetchRequest } from '../api/generated/runnel/v1/OffsetFetchRequest.js';
import type { OffsetFetchResponse__Output } from '../api/generated/runnel/v1/OffsetFetchResponse.js';
import type { RunnelError } from '../core/index.js';
import { itemError } from './connection.js';
import type { GroupCoordinator } from './group-coordinator.js';
import { byTopic, toGroupTopicPartitions, tpKey, type TopicPartitionOffset } from './group-partitions.js';
import type { TopicPartition } from './record-accumulator.js';

/** Who commits: a member (its id and current epoch), or an admin tool (`ADMIN_COMMITTER`, only while the group has no members). */
export interface Committer {
  readonly memberId: string;
  readonly memberEpoch: number;
}

export const ADMIN_COMMITTER: Committer = { memberId: '', memberEpoch: -1 };

/**
 * Commits `offsets` (each the next offset to read) and resolves to each partition's outcome, keyed
 * `topic/partition` (null: committed). A failure of the whole request is thrown.
 */
export async function commitOffsets(
  coordinator: GroupCoordinator,
  committer: Committer,
  offsets: readonly TopicPartitionOffset[],
  deadlineMs: number,
): Promise<Map<string, RunnelError | null>> {
  const req: OffsetCommitRequest = {
    groupId: coordinator.groupId,
    memberId: committer.memberId,
    memberEpoch: committer.memberEpoch,
    topics: [...byTopic(offsets)].map(([topic, list]) => ({
      topic,
      partitions: list.map((o) => ({ partition: o.partition, committedOffset: o.offset, metadata: '' })),
    })),
  };
  const res = await coordinator.request<OffsetCommitRequest, OffsetCommitResponse__Output>('OffsetCommit', deadlineMs, (c) => c.group.OffsetCommit.bind(c.group), req);
  const out = new Map<string, RunnelError | null>();
  for (const t of res.topics) for (const p of t.partitions) out.set(tpKey({ topic: t.topic, partition: p.partition }), itemError(p.error));
  return out;
}

/**
 * The group's committed offsets of `tps` (every partition it has one for, if empty), keyed
 * `topic/partition`; -1 where it has none.
 */
export async function fetchCommitted(coordinator: GroupCoordinator, tps: readonly TopicPartition[], deadlineMs: number): Promise<Map<string, number>> {
  const req: OffsetFetchRequest = { groupId: coordinator.groupId, topics: toGroupTopicPartitions(tps) };
  const res = await coordinator.request<OffsetFetchRequest, OffsetFetchResponse__Output>('OffsetFetch', deadlineMs, (c) => c.group.OffsetFetch.bind(c.group), req);
  const out = new Map<string, number>(tps.map((tp) => [tpKey(tp), -1]));
  for (const t of res.topics) for (const p of t.partitions) out.set(tpKey({ topic: t.topic, partition: p.partition }), Number(p.committedOffset));
  return out;
}
