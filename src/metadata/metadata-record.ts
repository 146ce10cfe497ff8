import type { GroupId, NodeId, Term } from '../core/index.js';
import type { Uuid } from './uuid.js';

/**
 * The commands of the metadata Raft group (KRaft's `__cluster_metadata` records). Each committed
 * record is applied by every node to its MetadataImage (apply-record.ts) in log order. A record holds
 * every input its application needs — the metadata leader's clock for liveness, the full replica
 * placement for new partitions — so applying is a pure function of (image, record, index) and every
 * replica reaches the same image. The wire encoding is in record-codec.ts and docs/METADATA.md.
 */
export type MetadataRecord =
  | RegisterNode
  | NodeHeartbeat
  | FenceNode
  | UnregisterNode
  | CreateTopic
  | DeleteTopic
  | AlterTopicConfigs
  | CreatePartitions
  | PartitionLeaderChange
  | ReassignPartition
  | CompleteReassignment
  | CancelReassignment
  | NoOp;

export type MetadataRecordType = MetadataRecord['type'];

/** Topic config overrides by Kafka key (`retention.ms`, ...); values as strings, as in Kafka. */
export type TopicConfigs = Readonly<Record<string, string>>;

/** A node joins, or restarts with a new incarnation (which replaces the old one). */
export interface RegisterNode {
  readonly type: 'RegisterNode';
  readonly nodeId: NodeId;
  /** New on every process start, so the image can tell a restart from a duplicate registration. */
  readonly incarnationId: Uuid;
  /** `host:port` clients use (`advertised.listeners`). */
  readonly clientAddress: string;
  /** `host:port` other nodes use for Raft traffic. */
  readonly peerAddress: string;
  readonly rack?: string;
  /** The metadata leader's clock when it proposed this; registration counts as a heartbeat. */
  readonly leaderTimeMs: number;
}

/** The metadata leader heard from the node: it is alive (unfenced) as of `leaderTimeMs`. */
export interface NodeHeartbeat {
  readonly type: 'NodeHeartbeat';
  readonly nodeId: NodeId;
  readonly incarnationId: Uuid;
  readonly leaderTimeMs: number;
}

/**
 * The metadata leader saw no heartbeat for `sessionTimeoutMs` of its clock. `lastHeartbeatMs` is the
 * value the leader judged by: if a heartbeat was applied in between, the fence is stale and ignored.
 */
export interface FenceNode {
  readonly type: 'FenceNode';
  readonly nodeId: NodeId;
  readonly incarnationId: Uuid;
  readonly lastHeartbeatMs: number;
  readonly leaderTimeMs: number;
}

/** An operator decommissions a node; rejected while it still hosts a replica. */
export interface UnregisterNode {
  readonly type: 'UnregisterNode';
  readonly nodeId: NodeId;
}

/**
 * `assignments[p]` is partition p's replica list, preferred leader first, computed by the proposer
 * (placement.ts) from the image it saw. The image allocates the partitions' Raft group ids on apply.
 */
export interface CreateTopic {
  readonly type: 'CreateTopic';
  readonly name: string;
  readonly topicId: Uuid;
  readonly replicationFactor: number;
  readonly configs: TopicConfigs;
  readonly assignments: readonly (readonly NodeId[])[];
}

export interface DeleteTopic {
  readonly type: 'DeleteTopic';
  readonly topicId: Uuid;
}

/** Kafka's incremental alter: `set` keys are set or replaced, `remove` keys revert to the default. */
export interface AlterTopicConfigs {
  readonly type: 'AlterTopicConfigs';
  readonly topicId: Uuid;
  readonly set: TopicConfigs;
  readonly remove: readonly string[];
}

/** New partitions numbered from the topic's current count, one replica list each. */
export interface CreatePartitions {
  readonly type: 'CreatePartitions';
  readonly topicId: Uuid;
  readonly assignments: readonly (readonly NodeId[])[];
}

/** A partition group reports the leader it elected in `term`; reports of older terms are ignored. */
export interface PartitionLeaderChange {
  readonly type: 'PartitionLeaderChange';
  readonly groupId: GroupId;
  readonly leader: NodeId;
  readonly term: Term;
}

/** Start moving a partition to `targetReplicas` (preferred leader first). */
export interface ReassignPartition {
  readonly type: 'ReassignPartition';
  readonly groupId: GroupId;
  readonly targetReplicas: readonly NodeId[];
}

/**
 * The partition group's membership now equals the target: the removed replicas stop hosting it.
 * `targetReplicas` must equal the reassignment's target, so a late report cannot finish another one.
 */
export interface CompleteReassignment {
  readonly type: 'CompleteReassignment';
  readonly groupId: GroupId;
  readonly targetReplicas: readonly NodeId[];
}

/**
 * Revert an ongoing reassignment (Kafka's cancel): the replicas being added are now being removed
 * and the removed ones re-added, so the partition returns to its original replica set.
 */
export interface CancelReassignment {
  readonly type: 'CancelReassignment';
  readonly groupId: GroupId;
}

/** Changes nothing but the applied index: a leader's barrier, a test filler. */
export interface NoOp {
  readonly type: 'NoOp';
}
