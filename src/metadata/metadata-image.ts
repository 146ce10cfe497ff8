import type { GroupId, Index, NodeId, Term } from '../core/index.js';
import type { TopicConfigs } from './metadata-record.js';
import type { Uuid } from './uuid.js';

/**
 * The cluster image: the state every node derives from the committed metadata log (KRaft's
 * MetadataImage). Immutable: applying a record returns a new image that shares every unchanged node,
 * topic and partition with the old one, so a reader holding an old image (a Metadata RPC in flight,
 * the previous image a change feed diffs against) never sees it change.
 *
 * Invariants (image-invariants.ts checks them; decodeImage enforces them):
 *  - every replica of every partition is a registered node;
 *  - group ids are unique, in [1, nextGroupId), and `groups` maps each to its partition;
 *  - topic names and ids are unique and `topicIdsByName` is the inverse of `topics`;
 *  - partitions of a topic are numbered 0..n-1 in order.
 */
export interface MetadataImage {
  /** The index of the last record applied; the image is the state as of this log index. */
  readonly appliedIndex: Index;
  /** The Raft group id the next partition gets: monotonic, so a group id is never reused. */
  readonly nextGroupId: GroupId;
  readonly nodes: ReadonlyMap<NodeId, NodeImage>;
  readonly topics: ReadonlyMap<Uuid, TopicImage>;
  readonly topicIdsByName: ReadonlyMap<string, Uuid>;
  readonly groups: ReadonlyMap<GroupId, PartitionKey>;
}

export interface NodeImage {
  readonly nodeId: NodeId;
  readonly incarnationId: Uuid;
  readonly clientAddress: string;
  readonly peerAddress: string;
  readonly rack: string | undefined;
  /**
   * The index of the record that last registered, fenced or unfenced the node (KRaft's broker epoch,
   * extended to liveness): it strictly increases on every change, so a reader can tell "went away
   * and came back" from "never left".
   */
  readonly livenessEpoch: Index;
  /** Fenced: the metadata leader saw no heartbeat for a session timeout. Alive = registered and not fenced. */
  readonly fenced: boolean;
  /** The metadata leader's clock at the last heartbeat or registration; never decreases. */
  readonly lastHeartbeatMs: number;
}

export interface TopicImage {
  readonly topicId: Uuid;
  readonly name: string;
  /** As created; a reassignment may give one partition a different number of replicas. */
  readonly replicationFactor: number;
  /** Overrides only; a key not here takes the broker's default. */
  readonly configs: TopicConfigs;
  /** `partitions[p].partition === p`. */
  readonly partitions: readonly PartitionImage[];
}

export interface PartitionImage {
  readonly topicId: Uuid;
  readonly topicName: string;
  readonly partition: number;
  /** The partition's Raft group, unique in the cluster for ever. */
  readonly groupId: GroupId;
  /**
   * Every node that hosts the group, preferred leader first. During a reassignment this is the
   * target followed by the replicas being removed (Kafka's order), so the old replicas keep hosting
   * the group until the membership change that removes them completes.
   */
  readonly replicas: readonly NodeId[];
  /** Being added by an ongoing reassignment: in `replicas`, not yet voters (they join as learners). */
  readonly adding: readonly NodeId[];
  /** Being removed by an ongoing reassignment: in `replicas` until CompleteReassignment. */
  readonly removing: readonly NodeId[];
  /** The leader last reported by the group, NO_NODE if none yet. */
  readonly leader: NodeId;
  /** The Raft term of that report; older reports are ignored. */
  readonly leaderTerm: Term;
}

export interface PartitionKey {
  readonly topicId: Uuid;
  readonly partition: number;
}

export const emptyImage: MetadataImage = {
  appliedIndex: 0,
  nextGroupId: 1,
  nodes: new Map(),
  topics: new Map(),
  topicIdsByName: new Map(),
  groups: new Map(),
};

/** A reassignment is in progress while some replica is still being added or removed. */
export function isReassigning(p: PartitionImage): boolean {
  return p.adding.length > 0 || p.removing.length > 0;
}

/** Where a reassignment is heading: the replicas minus those being removed, in order. */
export function targetReplicas(p: PartitionImage): NodeId[] {
  return p.replicas.filter((n) => !p.removing.includes(n));
}

/** Alive in the image's deterministic sense: registered and not fenced. */
export function liveNodeIds(image: MetadataImage): NodeId[] {
  return [...image.nodes.values()].filter((n) => !n.fenced).map((n) => n.nodeId).sort((a, b) => a - b);
}

/** Kafka's `TopicPartition` text form: `orders-3`. */
export function partitionName(p: PartitionImage): string {
  return `${p.topicName}-${p.partition}`;
}
