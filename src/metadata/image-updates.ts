import type { GroupId, NodeId } from '../core/index.js';
import type { MetadataImage, NodeImage, PartitionImage, TopicImage } from './metadata-image.js';

/**
 * Copy-on-write edits of an image: each copies only the maps and the one topic it changes and shares
 * everything else. The cost is one copy of the changed map per record (O(topics) for a leader
 * change), which keeps the image a plain immutable value that old readers can keep using.
 */
export function putNode(image: MetadataImage, node: NodeImage): MetadataImage {
  return { ...image, nodes: new Map(image.nodes).set(node.nodeId, node) };
}

export function deleteNode(image: MetadataImage, nodeId: NodeId): MetadataImage {
  const nodes = new Map(image.nodes);
  nodes.delete(nodeId);
  return { ...image, nodes };
}

/** Adds or replaces a topic; registers the group ids of its partitions and advances nextGroupId past them. */
export function putTopic(image: MetadataImage, topic: TopicImage): MetadataImage {
  const groups = new Map(image.groups);
  let nextGroupId = image.nextGroupId;
  for (const p of topic.partitions) {
    groups.set(p.groupId, { topicId: topic.topicId, partition: p.partition });
    nextGroupId = Math.max(nextGroupId, p.groupId + 1);
  }
  return {
    ...image,
    nextGroupId,
    topics: new Map(image.topics).set(topic.topicId, topic),
    topicIdsByName: new Map(image.topicIdsByName).set(topic.name, topic.topicId),
    groups,
  };
}

/** Removes a topic and its partitions' group ids; nextGroupId stays, so the ids are never reused. */
export function deleteTopic(image: MetadataImage, topic: TopicImage): MetadataImage {
  const topics = new Map(image.topics);
  const names = new Map(image.topicIdsByName);
  const groups = new Map(image.groups);
  topics.delete(topic.topicId);
  names.delete(topic.name);
  for (const p of topic.partitions) groups.delete(p.groupId);
  return { ...image, topics, topicIdsByName: names, groups };
}

/** Replaces an existing topic whose partitions are unchanged (configs). */
export function replaceTopic(image: MetadataImage, topic: TopicImage): MetadataImage {
  return { ...image, topics: new Map(image.topics).set(topic.topicId, topic) };
}

/** Replaces one partition of an existing topic (its group id is unchanged). */
export function putPartition(image: MetadataImage, partition: PartitionImage): MetadataImage {
  const topic = image.topics.get(partition.topicId)!;
  const partitions = topic.partitions.slice();
  partitions[partition.partition] = partition;
  return { ...image, topics: new Map(image.topics).set(topic.topicId, { ...topic, partitions }) };
}

/** The partition behind a group id, if the group exists. */
export function partitionOfGroup(image: MetadataImage, groupId: GroupId): PartitionImage | undefined {
  const key = image.groups.get(groupId);
  return key === undefined ? undefined : image.topics.get(key.topicId)?.partitions[key.partition];
}

/** An image from its parts, building the derived indexes once (decoding a snapshot). */
export function buildImage(
  base: Pick<MetadataImage, 'appliedIndex' | 'nextGroupId'>,
  nodes: readonly NodeImage[],
  topics: readonly TopicImage[],
): MetadataImage {
  const groups = new Map<GroupId, { topicId: TopicImage['topicId']; partition: number }>();
  for (const t of topics) for (const p of t.partitions) groups.set(p.groupId, { topicId: t.topicId, partition: p.partition });
  return {
    ...base,
    nodes: new Map(nodes.map((n) => [n.nodeId, n])),
    topics: new Map(topics.map((t) => [t.topicId, t])),
    topicIdsByName: new Map(topics.map((t) => [t.name, t.topicId])),
    groups,
  };
}
