/** What the AdminClient takes and returns. Per-item outcomes carry `error: RunnelError | null`. */
import type { RunnelError } from '../core/index.js';
import type { PartitionInfo } from './metadata-cache.js';

export interface NewTopic {
  readonly name: string;
  /** Broker default (`num.partitions`) when unset. */
  readonly numPartitions?: number;
  /** Broker default (`default.replication.factor`) when unset. */
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
}

export interface CreateTopicResult {
  readonly name: string;
  readonly error: RunnelError | null;
  readonly topicId: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

/** Kafka's NewPartitions: grow `name` to `totalCount` partitions (more than it has now). */
export interface NewPartitions {
  readonly name: string;
  readonly totalCount: number;
}

/** The outcome for one named topic (delete, create partitions). */
export interface TopicResult {
  readonly name: string;
  readonly error: RunnelError | null;
}

export type DeleteTopicResult = TopicResult;
export type CreatePartitionsResult = TopicResult;

/** Kafka's incrementalAlterConfigs for one topic: keys to set, keys to delete (back to the default). */
export interface TopicConfigChange {
  readonly topic: string;
  readonly set?: Readonly<Record<string, string>>;
  readonly delete?: readonly string[];
}

export interface AlterConfigsResult {
  readonly topic: string;
  readonly error: RunnelError | null;
}

export interface TopicDescription {
  readonly name: string;
  readonly error: RunnelError | null;
  readonly topicId: string;
  readonly partitions: readonly PartitionInfo[];
  readonly configs: Readonly<Record<string, string>>;
}

export interface ClusterNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly alive: boolean;
  readonly metadataVoter: boolean;
}

export interface ClusterDescription {
  readonly clusterId: string;
  readonly controllerId: number;
  readonly nodes: readonly ClusterNode[];
}
