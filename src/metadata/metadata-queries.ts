import { type GroupId, type NodeId, RunnelError } from '../core/index.js';
import { partitionOfGroup } from './image-updates.js';
import { type MetadataImage, type NodeImage, type PartitionImage, type TopicImage, isReassigning } from './metadata-image.js';

/**
 * What the broker and the Metadata / Describe RPCs read from an image. Every list comes back in a
 * fixed order (nodes by id, topics by name, partitions by group id), never in map insertion order,
 * so two nodes with equal images give equal answers.
 */

export interface ClusterDescription {
  /** The log index the answer reflects. */
  readonly appliedIndex: number;
  /** Every registered node, by id; `fenced` ones are registered but not alive. */
  readonly nodes: readonly NodeImage[];
}

export function describeCluster(image: MetadataImage): ClusterDescription {
  return { appliedIndex: image.appliedIndex, nodes: [...image.nodes.values()].sort((a, b) => a.nodeId - b.nodeId) };
}

export function listTopics(image: MetadataImage): TopicImage[] {
  return [...image.topics.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function findTopic(image: MetadataImage, name: string): TopicImage | undefined {
  const id = image.topicIdsByName.get(name);
  return id === undefined ? undefined : image.topics.get(id);
}

/** Throws RUNNEL_ERR_UNKNOWN_TOPIC. */
export function describeTopic(image: MetadataImage, name: string): TopicImage {
  const topic = findTopic(image, name);
  if (topic === undefined) throw new RunnelError('RUNNEL_ERR_UNKNOWN_TOPIC', [name]);
  return topic;
}

/** Replicas, leader and group id of `topic`-`partition`; throws RUNNEL_ERR_UNKNOWN_TOPIC / _PARTITION. */
export function describePartition(image: MetadataImage, topic: string, partition: number): PartitionImage {
  const p = describeTopic(image, topic).partitions[partition];
  if (p === undefined) throw new RunnelError('RUNNEL_ERR_UNKNOWN_PARTITION', [`${topic}-${partition}`]);
  return p;
}

/** The partition a Raft group serves, if the group exists (routing a group's messages, its leader reports). */
export function partitionByGroup(image: MetadataImage, groupId: GroupId): PartitionImage | undefined {
  return partitionOfGroup(image, groupId);
}

/** Partitions with a reassignment in progress, by topic name then partition (ListPartitionReassignments). */
export function listReassignments(image: MetadataImage): PartitionImage[] {
  return listTopics(image).flatMap((t) => t.partitions.filter(isReassigning));
}

/**
 * Every partition whose group `nodeId` must host: it is in the replica list, including replicas
 * being added (they host the group as learners) and being removed (until the reassignment completes).
 */
export function hostedPartitions(image: MetadataImage, nodeId: NodeId): PartitionImage[] {
  const out: PartitionImage[] = [];
  for (const topic of image.topics.values()) for (const p of topic.partitions) if (p.replicas.includes(nodeId)) out.push(p);
  return out.sort((a, b) => a.groupId - b.groupId);
}
