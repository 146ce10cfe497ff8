import type { Clock, GroupId, Logger, NodeId } from '../core/index.js';
import type { EntryRecords, GroupStorage, MultiRaft, OpenGroupOptions, Transport } from '../multiraft/index.js';
import type { PartitionStore } from '../log/index.js';
import { RAFT_DEFAULTS } from '../raft/index.js';

/**
 * The node's storage engine as the broker needs it: multiraft's StorageEngine whose groups are also
 * the partition log's PartitionStore (src/storage's LevelDbEngine is one; src/cli builds it).
 */
export interface BrokerStorage {
  openGroup(groupId: GroupId, options?: OpenGroupOptions): Promise<GroupStorage & PartitionStore>;
}

/** What a node tells the metadata leader every heartbeat interval (the internal controller RPC). */
export interface NodeHeartbeatRequest {
  readonly nodeId: NodeId;
  readonly incarnationId: string;
  readonly clientAddress: string;
  readonly peerAddress: string;
  /** Partition groups this node leads, as its Raft groups know it; reported into the image. */
  readonly leaderReports: readonly { readonly groupId: GroupId; readonly leader: NodeId; readonly term: number }[];
  /** Moving partitions led by this node whose Raft membership now equals the target. */
  readonly completedReassignments?: readonly { readonly groupId: GroupId; readonly targetReplicas: readonly NodeId[] }[];
  /** auto.create.topics.enable: unknown topics this node was asked to produce to or describe. */
  readonly autoCreateTopics?: readonly string[];
  /** Graceful stop: fence this incarnation now so a restart can register at once. */
  readonly fence?: boolean;
}

/**
 * Node-to-metadata-leader calls (KRaft's BrokerRegistration / BrokerHeartbeat). Implemented over gRPC
 * in src/api (controller-service.ts); `address` is the leader's advertised CLIENT address.
 */
export interface ControllerClient {
  heartbeat(address: string, request: NodeHeartbeatRequest, timeoutMs: number): Promise<void>;
  close(): void;
}

export interface BrokerOptions {
  readonly nodeId: NodeId;
  /** Same on every node of a cluster (derived from controller.quorum.voters by src/cli). */
  readonly clusterId: string;
  /** Advertised CLIENT and PEER addresses, host:port. */
  readonly clientAddress: string;
  readonly peerAddress: string;
  /** controller.quorum.voters: the metadata group's voters. */
  readonly metadataVoters: readonly NodeId[];
  readonly storage: BrokerStorage;
  readonly multiRaft: MultiRaft;
  readonly transport: Transport;
  readonly controllerClient: ControllerClient;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  /** `offsets.topic.num.partitions` / `.replication.factor`; default BROKER_DEFAULTS'. */
  readonly offsetsTopicPartitions?: number;
  readonly offsetsTopicReplicationFactor?: number;
  /** auto.create.topics.enable: producing to or describing an unknown topic creates it. */
  readonly autoCreateTopics?: boolean;
  /** The largest gRPC message (runnel.request.max.bytes): bounds a fetch response. */
  readonly requestMaxBytes: number;
  /** log.retention.ms / log.retention.bytes: the defaults DescribeConfigs shows (-1 = unlimited). */
  readonly retentionMs?: number;
  readonly retentionBytes?: number;
  /** How often retention runs over the hosted partitions (Kafka's log.retention.check.interval.ms). */
  readonly retentionCheckIntervalMs?: number;
  /** How often a node heartbeats the metadata leader (and the leader checks sessions). */
  readonly heartbeatIntervalMs?: number;
  /** A node silent this long (by the metadata leader's clock) is fenced. */
  readonly sessionTimeoutMs?: number;
  /** Must equal MultiRaft's pendingProposalsMax, so produce refuses before the group would. */
  readonly pendingProposalsMax?: number;
  /** Metadata log entries between snapshots of the image. */
  readonly metadataSnapshotEntriesMax?: number;
}

export const BROKER_DEFAULTS = {
  heartbeatIntervalMs: 500,
  sessionTimeoutMs: 6_000,
  pendingProposalsMax: 10_000,
  metadataSnapshotEntriesMax: 10_000,
  /** Fetch long-polls and FetchStreams waiting for a high watermark to move, per node. */
  fetchWaitersMax: 10_000,
  /**
   * Bytes a partition leader stamps ahead of its high watermark: half the Raft core's
   * maxUncommittedBytes (64 MiB), so the core never drops a queued batch (docs/BROKER.md).
   */
  partitionUncommittedBytesMax: RAFT_DEFAULTS.maxUncommittedBytes / 2,
  /** Recent metadata apply outcomes kept for proposers to read their answer. */
  metadataOutcomesMax: 4_096,
  produceTimeoutMsDefault: 30_000,
  produceTimeoutMsMax: 300_000,
  adminTimeoutMsDefault: 30_000,
  fetchWaitMsMax: 60_000,
  partitionFetchBytesDefault: 1 << 20,
  fetchResponseBytesDefault: 50 << 20,
  retentionCheckIntervalMs: 60_000,
  /** Unknown topic names waiting to be auto-created, per node. */
  autoCreatePendingMax: 1_000,
  /** CreatePartitions requests queued on the metadata leader (they run one at a time). */
  createPartitionsQueuedMax: 100,
  /** `__consumer_offsets` when first needed (config: offsets.topic.num.partitions / .replication.factor). */
  offsetsTopicPartitions: 5,
  offsetsTopicReplicationFactor: 3,
  /** How often a coordinator looks for members whose session expired. */
  groupSessionCheckMs: 100,
  groupRequestTimeoutMsDefault: 30_000,
} as const;

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

/** EntryRecords is structurally the log's BatchRecords; re-exported for the describeEntry signature. */
export type { EntryRecords };
