import { NO_NODE } from '../core/index.js';
import type { MetadataImage, PartitionImage, TopicImage } from './metadata-image.js';
import { groupIdMax, replicationFactorMax } from './metadata-limits.js';
import { topicConfigsProblem } from './topic-configs.js';
import { topicNameProblem } from './topic-name.js';

/**
 * The first broken invariant of an image (those listed on MetadataImage), or undefined. Applying
 * records keeps them by construction; decodeImage checks them so a snapshot cannot smuggle in a state
 * the log could never produce, and the property tests check them after every record.
 */
export function imageProblem(image: MetadataImage): string | undefined {
  return nodesProblem(image) ?? topicsProblem(image) ?? indexesProblem(image);
}

function nodesProblem(image: MetadataImage): string | undefined {
  for (const [id, node] of image.nodes) {
    if (node.nodeId !== id) return `node ${node.nodeId} is filed under ${id}`;
    if (node.livenessEpoch > image.appliedIndex) return `node ${id} has liveness epoch ${node.livenessEpoch} after the applied index`;
  }
  return undefined;
}

function topicsProblem(image: MetadataImage): string | undefined {
  if (image.nextGroupId < 1 || image.nextGroupId > groupIdMax + 1) return `next group id ${image.nextGroupId} out of range`;
  for (const [id, topic] of image.topics) {
    if (topic.topicId !== id) return `topic ${topic.topicId} is filed under ${id}`;
    const problem = topicProblem(image, topic);
    if (problem !== undefined) return `topic ${topic.name}: ${problem}`;
  }
  return undefined;
}

function topicProblem(image: MetadataImage, topic: TopicImage): string | undefined {
  const nameProblem = topicNameProblem(topic.name);
  if (nameProblem !== undefined) return nameProblem;
  if (topic.replicationFactor < 1 || topic.replicationFactor > replicationFactorMax) return `replication factor ${topic.replicationFactor}`;
  if (topic.partitions.length === 0) return 'no partitions';
  const configProblem = topicConfigsProblem(topic.configs);
  if (configProblem !== undefined) return configProblem;
  for (let p = 0; p < topic.partitions.length; p++) {
    const problem = partitionProblem(image, topic, topic.partitions[p]!, p);
    if (problem !== undefined) return `partition ${p}: ${problem}`;
  }
  return undefined;
}

function partitionProblem(image: MetadataImage, topic: TopicImage, p: PartitionImage, index: number): string | undefined {
  if (p.partition !== index || p.topicId !== topic.topicId || p.topicName !== topic.name) return 'misfiled';
  if (p.groupId < 1 || p.groupId >= image.nextGroupId) return `group id ${p.groupId} not below the next ${image.nextGroupId}`;
  const problem = replicasProblem(image, p);
  if (problem !== undefined) return problem;
  if (p.leader !== NO_NODE && !p.replicas.includes(p.leader)) return `leader ${p.leader} is not a replica`;
  return undefined;
}

function replicasProblem(image: MetadataImage, p: PartitionImage): string | undefined {
  const { replicas, adding, removing } = p;
  if (replicas.length === 0 || replicas.length > 2 * replicationFactorMax) return `${replicas.length} replicas`;
  if (new Set(replicas).size !== replicas.length) return 'a replica repeats';
  if (replicas.some((n) => !image.nodes.has(n))) return 'a replica is not a registered node';
  if (adding.some((n) => !replicas.includes(n)) || removing.some((n) => !replicas.includes(n))) return 'adding/removing outside the replicas';
  if (adding.some((n) => removing.includes(n)) || new Set([...adding, ...removing]).size !== adding.length + removing.length) {
    return 'adding and removing overlap or repeat';
  }
  if (removing.length >= replicas.length) return 'the reassignment target is empty';
  return undefined;
}

/** `topicIdsByName` and `groups` are exactly the indexes of `topics`. */
function indexesProblem(image: MetadataImage): string | undefined {
  if (image.topicIdsByName.size !== image.topics.size) return 'the name index and the topics differ in size';
  let partitions = 0;
  for (const topic of image.topics.values()) {
    if (image.topicIdsByName.get(topic.name) !== topic.topicId) return `name ${topic.name} is not indexed`;
    for (const p of topic.partitions) {
      const key = image.groups.get(p.groupId);
      if (key?.topicId !== topic.topicId || key.partition !== p.partition) return `group ${p.groupId} is not indexed`;
    }
    partitions += topic.partitions.length;
  }
  return image.groups.size === partitions ? undefined : 'the group index and the partitions differ in size';
}
