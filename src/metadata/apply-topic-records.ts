import { type ErrorCode, type GroupId, NO_NODE, type NodeId } from '../core/index.js';
import { type ApplyResult, applied, rejected } from './apply-outcome.js';
import { deleteTopic, putTopic, replaceTopic } from './image-updates.js';
import type { MetadataImage, PartitionImage, TopicImage } from './metadata-image.js';
import { groupIdMax, partitionsPerTopicMax, replicationFactorMax } from './metadata-limits.js';
import type { AlterTopicConfigs, CreatePartitions, CreateTopic, DeleteTopic } from './metadata-record.js';
import { sortedConfigs } from './configs-codec.js';
import { assignmentsProblem } from './replica-set.js';
import { configKeysProblem, topicConfigsProblem } from './topic-configs.js';
import { topicNameProblem } from './topic-name.js';

/**
 * Topic records. The proposer validated against the image it saw, but two proposals can race (two
 * creates of one name, a node unregistered in between), so every rule is checked again here, against
 * the image the record is applied to: the first record wins on every replica, the second is rejected
 * with the error the proposer would have reported.
 */
export function applyCreateTopic(image: MetadataImage, r: CreateTopic): ApplyResult {
  const nameProblem = topicNameProblem(r.name);
  if (nameProblem !== undefined) return rejected(image, 'RUNNEL_ERR_INVALID_TOPIC', r.name, nameProblem);
  if (image.topicIdsByName.has(r.name)) return rejected(image, 'RUNNEL_ERR_TOPIC_ALREADY_EXISTS', r.name);
  if (image.topics.has(r.topicId)) return rejected(image, 'RUNNEL_ERR_TOPIC_ALREADY_EXISTS', `with id ${r.topicId}`);
  if (r.replicationFactor < 1 || r.replicationFactor > replicationFactorMax) {
    return rejected(image, 'RUNNEL_ERR_INVALID_REPLICATION_FACTOR', `${r.replicationFactor} is outside [1, ${replicationFactorMax}]`);
  }
  const problem = partitionsProblem(image, 0, r.assignments, r.replicationFactor);
  if (problem !== undefined) return rejected(image, ...problem);
  const configProblem = topicConfigsProblem(r.configs);
  if (configProblem !== undefined) return rejected(image, 'RUNNEL_ERR_INVALID_CONFIG', configProblem);
  const topic: TopicImage = {
    topicId: r.topicId,
    name: r.name,
    replicationFactor: r.replicationFactor,
    configs: sortedConfigs(r.configs),
    partitions: [],
  };
  return applied(putTopic(image, withPartitions(topic, r.assignments, image.nextGroupId)));
}

export function applyDeleteTopic(image: MetadataImage, r: DeleteTopic): ApplyResult {
  const topic = image.topics.get(r.topicId);
  if (topic === undefined) return rejected(image, 'RUNNEL_ERR_UNKNOWN_TOPIC', `with id ${r.topicId}`);
  return applied(deleteTopic(image, topic));
}

export function applyAlterTopicConfigs(image: MetadataImage, r: AlterTopicConfigs): ApplyResult {
  const topic = image.topics.get(r.topicId);
  if (topic === undefined) return rejected(image, 'RUNNEL_ERR_UNKNOWN_TOPIC', `with id ${r.topicId}`);
  const problem = topicConfigsProblem(r.set) ?? configKeysProblem(r.remove) ?? setAndRemoved(r);
  if (problem !== undefined) return rejected(image, 'RUNNEL_ERR_INVALID_CONFIG', problem);
  const merged: Record<string, string> = { ...topic.configs, ...r.set };
  for (const key of r.remove) delete merged[key];
  return applied(replaceTopic(image, { ...topic, configs: sortedConfigs(merged) }));
}

function setAndRemoved(r: AlterTopicConfigs): string | undefined {
  const both = r.remove.find((k) => Object.hasOwn(r.set, k));
  return both === undefined ? undefined : `${both} is both set and removed`;
}

export function applyCreatePartitions(image: MetadataImage, r: CreatePartitions): ApplyResult {
  const topic = image.topics.get(r.topicId);
  if (topic === undefined) return rejected(image, 'RUNNEL_ERR_UNKNOWN_TOPIC', `with id ${r.topicId}`);
  const problem = partitionsProblem(image, topic.partitions.length, r.assignments, topic.replicationFactor);
  if (problem !== undefined) return rejected(image, ...problem);
  return applied(putTopic(image, withPartitions(topic, r.assignments, image.nextGroupId)));
}

/** A rejection's catalog code and argument. */
type Problem = readonly [ErrorCode, string];

/** Checks `assignments` as partitions existing..existing+n-1 of a topic, with group ids still available. */
function partitionsProblem(
  image: MetadataImage,
  existing: number,
  assignments: readonly (readonly NodeId[])[],
  rf: number,
): Problem | undefined {
  const total = existing + assignments.length;
  if (assignments.length === 0 || total > partitionsPerTopicMax) {
    return ['RUNNEL_ERR_INVALID_PARTITIONS', `${total} is outside [${existing + 1}, ${partitionsPerTopicMax}]`];
  }
  if (image.nextGroupId + assignments.length - 1 > groupIdMax) {
    return ['RUNNEL_ERR_INVALID_PARTITIONS', 'the cluster has used up its Raft group ids'];
  }
  const problem = assignmentsProblem(image, assignments, rf);
  return problem === undefined ? undefined : ['RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT', problem];
}

/** Appends one partition per assignment, numbered after the existing ones, group ids from `firstGroupId`. */
function withPartitions(topic: TopicImage, assignments: readonly (readonly NodeId[])[], firstGroupId: GroupId): TopicImage {
  const added = assignments.map((replicas, i): PartitionImage => ({
    topicId: topic.topicId,
    topicName: topic.name,
    partition: topic.partitions.length + i,
    groupId: firstGroupId + i,
    replicas: [...replicas],
    adding: [],
    removing: [],
    leader: NO_NODE,
    leaderTerm: 0,
  }));
  return { ...topic, partitions: [...topic.partitions, ...added] };
}
