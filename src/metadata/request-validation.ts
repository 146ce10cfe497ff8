import { type NodeId, RunnelError } from '../core/index.js';
import { type MetadataImage, type PartitionImage, type TopicImage, isReassigning, liveNodeIds } from './metadata-image.js';
import { partitionsPerTopicMax, replicationFactorMax } from './metadata-limits.js';
import type { TopicConfigs } from './metadata-record.js';
import { describePartition, describeTopic } from './metadata-queries.js';
import { assignmentsProblem, replicaSetProblem } from './replica-set.js';
import { configKeysProblem, validateTopicConfigs } from './topic-configs.js';
import { validateTopicName } from './topic-name.js';
import { isUuid, type Uuid } from './uuid.js';

/**
 * Checks the broker runs on an admin request BEFORE proposing a record, against its current image,
 * throwing the catalog error the client gets. Passing them does not guarantee the record applies
 * (another proposal may commit first); apply-time checks settle such races the same way on every node.
 */

export interface CreateTopicRequest {
  readonly name: string;
  /** A fresh UUID from the broker (crypto.randomUUID()). */
  readonly topicId: Uuid;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs?: TopicConfigs;
  /**
   * Explicit placement (Kafka's --replica-assignment): partition p's replicas, preferred leader
   * first. Must hold `partitions` lists of `replicationFactor` distinct live nodes each.
   */
  readonly assignments?: readonly (readonly NodeId[])[];
}

export function validateCreateTopic(image: MetadataImage, req: CreateTopicRequest): void {
  validateTopicName(req.name);
  if (image.topicIdsByName.has(req.name)) throw new RunnelError('RUNNEL_ERR_TOPIC_ALREADY_EXISTS', [req.name]);
  if (!isUuid(req.topicId)) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`topic id ${req.topicId} is not a UUID`]);
  if (image.topics.has(req.topicId)) throw new RunnelError('RUNNEL_ERR_TOPIC_ALREADY_EXISTS', [`with id ${req.topicId}`]);
  checkPartitionCount(req.partitions, 1);
  checkReplicationFactor(image, req.replicationFactor);
  validateTopicConfigs(req.configs ?? {});
  if (req.assignments !== undefined) checkAssignments(image, req.assignments, req.partitions, req.replicationFactor);
}

function checkAssignments(image: MetadataImage, assignments: readonly (readonly NodeId[])[], partitions: number, rf: number): void {
  const problem =
    assignments.length === partitions
      ? (assignmentsProblem(image, assignments, rf) ?? deadNodeProblem(image, assignments.flat()))
      : `${assignments.length} replica lists for ${partitions} partitions`;
  if (problem !== undefined) throw new RunnelError('RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT', [problem]);
}

/** Kafka's CreatePartitions: the new total must exceed the current count. Returns the topic. */
export function validateCreatePartitions(image: MetadataImage, name: string, totalCount: number): TopicImage {
  const topic = describeTopic(image, name);
  checkPartitionCount(totalCount, topic.partitions.length + 1);
  checkReplicationFactor(image, topic.replicationFactor);
  return topic;
}

export function validateDeleteTopic(image: MetadataImage, name: string): TopicImage {
  return describeTopic(image, name);
}

export function validateAlterTopicConfigs(image: MetadataImage, name: string, set: TopicConfigs, remove: readonly string[]): TopicImage {
  const topic = describeTopic(image, name);
  validateTopicConfigs(set);
  const problem = configKeysProblem(remove) ?? bothSetAndRemoved(set, remove);
  if (problem !== undefined) throw new RunnelError('RUNNEL_ERR_INVALID_CONFIG', [problem]);
  return topic;
}

function bothSetAndRemoved(set: TopicConfigs, remove: readonly string[]): string | undefined {
  const key = remove.find((k) => Object.hasOwn(set, k));
  return key === undefined ? undefined : `${key} is both set and removed`;
}

/** The target must be distinct, live nodes; one reassignment per partition at a time. Returns the partition. */
export function validateReassignment(image: MetadataImage, name: string, partition: number, target: readonly NodeId[]): PartitionImage {
  const p = describePartition(image, name, partition);
  if (isReassigning(p)) throw new RunnelError('RUNNEL_ERR_REASSIGNMENT_IN_PROGRESS', [`${name}-${partition}`]);
  const problem = replicaSetProblem(image, target) ?? deadNodeProblem(image, target);
  if (problem !== undefined) throw new RunnelError('RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT', [problem]);
  return p;
}

/** Only a partition with a move in progress can have it cancelled. Returns the partition. */
export function validateCancelReassignment(image: MetadataImage, name: string, partition: number): PartitionImage {
  const p = describePartition(image, name, partition);
  if (!isReassigning(p)) throw new RunnelError('RUNNEL_ERR_NO_REASSIGNMENT_IN_PROGRESS', [`${name}-${partition}`]);
  return p;
}

function deadNodeProblem(image: MetadataImage, nodes: readonly NodeId[]): string | undefined {
  const dead = nodes.find((n) => image.nodes.get(n)?.fenced === true);
  return dead === undefined ? undefined : `node ${dead} is fenced (not alive)`;
}

function checkPartitionCount(count: number, min: number): void {
  if (!Number.isInteger(count) || count < min || count > partitionsPerTopicMax) {
    throw new RunnelError('RUNNEL_ERR_INVALID_PARTITIONS', [`${count} is outside [${min}, ${partitionsPerTopicMax}]`]);
  }
}

/** The replication factor must fit the Raft group bound and the nodes alive now. */
function checkReplicationFactor(image: MetadataImage, rf: number): void {
  if (!Number.isInteger(rf) || rf < 1 || rf > replicationFactorMax) {
    throw new RunnelError('RUNNEL_ERR_INVALID_REPLICATION_FACTOR', [`${rf} is outside [1, ${replicationFactorMax}]`]);
  }
  const live = liveNodeIds(image).length;
  if (rf > live) throw new RunnelError('RUNNEL_ERR_INVALID_REPLICATION_FACTOR', [`${rf} is more than the ${live} live nodes`]);
}
