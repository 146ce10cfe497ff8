import type { NodeId } from '../core/index.js';
import type { MetadataImage, TopicImage } from './metadata-image.js';
import type {
  AlterTopicConfigs,
  CancelReassignment,
  CreatePartitions,
  CreateTopic,
  DeleteTopic,
  ReassignPartition,
  TopicConfigs,
} from './metadata-record.js';
import { assignReplicas, hasRacks, type PlacementNode, rackAlternated } from './placement.js';
import {
  type CreateTopicRequest,
  validateAlterTopicConfigs,
  validateCancelReassignment,
  validateCreatePartitions,
  validateCreateTopic,
  validateDeleteTopic,
  validateReassignment,
} from './request-validation.js';

/**
 * Builders of the records an admin request proposes: validate against the broker's current image,
 * then compute everything the record must carry (the replica placement) from that image, so the
 * record alone determines its effect. Each throws the catalog error of a failed validation.
 */

export function proposeCreateTopic(image: MetadataImage, req: CreateTopicRequest): CreateTopic {
  validateCreateTopic(image, req);
  const assignments = req.assignments?.map((r) => [...r]) ?? placeTopic(image, req.partitions, req.replicationFactor);
  return {
    type: 'CreateTopic',
    name: req.name,
    topicId: req.topicId,
    replicationFactor: req.replicationFactor,
    configs: req.configs ?? {},
    assignments,
  };
}

/** Automatic placement of a new topic over the live nodes. */
function placeTopic(image: MetadataImage, partitions: number, replicationFactor: number): NodeId[][] {
  const nodes = placementNodes(image);
  return assignReplicas({ nodes, partitions, replicationFactor, ...clusterSlotStart(image.nextGroupId - 1, nodes.length) });
}

export function proposeCreatePartitions(image: MetadataImage, name: string, totalCount: number): CreatePartitions {
  const topic = validateCreatePartitions(image, name, totalCount);
  const nodes = placementNodes(image);
  const start = topicStart(topic, nodes) ?? clusterSlotStart(image.nextGroupId - 1, nodes.length).startIndex;
  const assignments = assignReplicas({
    nodes,
    partitions: totalCount - topic.partitions.length,
    replicationFactor: topic.replicationFactor,
    startIndex: start,
    replicaShift: start, // Kafka's addPartitions uses its fixed start index as the shift too
    firstPartition: topic.partitions.length,
  });
  return { type: 'CreatePartitions', topicId: topic.topicId, assignments };
}

export function proposeDeleteTopic(image: MetadataImage, name: string): DeleteTopic {
  return { type: 'DeleteTopic', topicId: validateDeleteTopic(image, name).topicId };
}

export function proposeAlterTopicConfigs(image: MetadataImage, name: string, set: TopicConfigs, remove: readonly string[]): AlterTopicConfigs {
  const topic = validateAlterTopicConfigs(image, name, set, remove);
  return { type: 'AlterTopicConfigs', topicId: topic.topicId, set, remove };
}

export function proposeReassignment(image: MetadataImage, name: string, partition: number, target: readonly NodeId[]): ReassignPartition {
  const p = validateReassignment(image, name, partition, target);
  return { type: 'ReassignPartition', groupId: p.groupId, targetReplicas: [...target] };
}

export function proposeCancelReassignment(image: MetadataImage, name: string, partition: number): CancelReassignment {
  return { type: 'CancelReassignment', groupId: validateCancelReassignment(image, name, partition).groupId };
}

/** Live nodes, with racks, as placement takes them. */
export function placementNodes(image: MetadataImage): PlacementNode[] {
  return [...image.nodes.values()].filter((n) => !n.fenced).map((n) => ({ nodeId: n.nodeId, rack: n.rack }));
}

/**
 * Start and shift for a new topic from the cluster-wide partition counter: the topic's first
 * partition is led by the node after the one that leads the cluster's previous partition, so with a
 * fixed node set leaders stay round-robin across all topics ever created, not only within one
 * (Kafka picks a random start for the same purpose). The shift moves on every n partitions as in
 * Kafka's loop, so topics do not all pair followers the same way.
 */
function clusterSlotStart(slot: number, n: number): { startIndex: number; replicaShift: number } {
  return { startIndex: slot % n, replicaShift: Math.floor(slot / n) % n };
}

/**
 * Where partition 0's leader sits in today's node order, so added partitions continue the topic's
 * leader rotation (Kafka's addPartitions); undefined if that node is no longer live.
 */
function topicStart(topic: TopicImage, nodes: readonly PlacementNode[]): number | undefined {
  const order = hasRacks(nodes) ? rackAlternated(nodes) : nodes.map((x) => x.nodeId).sort((a, b) => a - b);
  const i = order.indexOf(topic.partitions[0]!.replicas[0]!);
  return i < 0 ? undefined : i;
}
