import type { NodeId } from '../core/index.js';
import type { RunnelError } from '../core/index.js';
import type { OffsetSpec } from '../log/index.js';

export type { OffsetSpec };

export type Acks = 'none' | 'leader' | 'all';

export interface ProduceRecordInput {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array;
  readonly headers: readonly { readonly key: string; readonly value: Uint8Array }[];
  /** 0: the leader's clock. */
  readonly timestampMs: number;
}

/** An idempotent producer's identity for one partition's batch (ProducerIdentity in produce.proto). */
export interface ProducerIdentityIn {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
}

export interface ProduceOutcome {
  /** -1 with acks=none. */
  readonly baseOffset: number;
  readonly logAppendTimeMs: number;
  readonly logStartOffset: number;
}

export interface FetchedRecordOut {
  readonly offset: number;
  readonly timestampMs: number;
  readonly logAppendTimeMs: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array;
  readonly headers: readonly { readonly key: string; readonly value: Uint8Array }[];
}

export interface FetchPartitionRequest {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** 0: 1 MiB. */
  readonly maxBytes: number;
}

export interface FetchPartitionResult {
  readonly error?: RunnelError;
  /** Whole committed batches as stored (CRC-checked); the first may start below the fetch offset. */
  readonly batches: readonly Uint8Array[];
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly nextOffset: number;
  /** Encoded bytes of the batches read. */
  readonly bytes: number;
}

export interface FetchRequestIn {
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly partitions: readonly FetchPartitionRequest[];
}

export interface ListOffsetsRequestIn {
  readonly topic: string;
  readonly partition: number;
  readonly spec: OffsetSpec;
}

export interface PartitionView {
  readonly partition: number;
  readonly leaderId: NodeId;
  readonly leaderEpoch: number;
  readonly replicas: readonly NodeId[];
  readonly inSyncReplicas: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly offlineReplicas: readonly NodeId[];
}

export interface TopicView {
  readonly name: string;
  readonly error?: RunnelError;
  readonly topicId: string;
  readonly partitions: readonly PartitionView[];
  readonly configs: Readonly<Record<string, string>>;
}

export interface NodeView {
  readonly nodeId: NodeId;
  readonly host: string;
  readonly port: number;
  readonly peerHost: string;
  readonly peerPort: number;
  readonly metadataVoter: boolean;
  readonly alive: boolean;
}

export interface ClusterView {
  readonly clusterId: string;
  readonly controllerId: NodeId;
  readonly nodes: readonly NodeView[];
  readonly topics: readonly TopicView[];
}

export interface CreateTopicIn {
  readonly name: string;
  /** 0: num.partitions. */
  readonly numPartitions: number;
  /** 0: default.replication.factor. */
  readonly replicationFactor: number;
  /** Explicit placement, partition p's replicas at [p]; empty for automatic placement. */
  readonly assignments: readonly (readonly NodeId[])[];
  readonly configs: Readonly<Record<string, string>>;
}

export interface CreateTopicOut {
  readonly topicId: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

export interface ConfigEntryOut {
  readonly name: string;
  readonly value: string;
  readonly source: 'default' | 'static' | 'topic';
  readonly readOnly: boolean;
}
