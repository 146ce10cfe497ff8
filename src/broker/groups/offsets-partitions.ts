import type { GroupId, Logger, NodeId } from '../../core/index.js';
import { findTopic, type MetadataImage, type PartitionImage } from '../../metadata/index.js';
import type { MultiRaft } from '../../multiraft/index.js';
import type { BrokerStorage } from '../broker-options.js';
import { partitionBootstrap } from '../partition-bootstrap.js';
import { OFFSETS_TOPIC, offsetsPartitionFor, type CoordinatorHost } from './group-coordinator.js';
import { OffsetsStateMachine } from './offsets-state.js';

/** Entries between snapshots of an offsets partition (its log is compacted to the latest offsets). */
export const offsetsSnapshotEntriesMax = 10_000;

/**
 * The `__consumer_offsets` partitions hosted on this node: Raft groups like any partition's, but
 * their state machine is the groups' committed offsets (offsets-state.ts) instead of a record log.
 */
export class OffsetsPartitions implements CoordinatorHost {
  private readonly machines = new Map<GroupId, OffsetsStateMachine>();

  constructor(
    private readonly nodeId: NodeId,
    private readonly image: () => MetadataImage,
    private readonly storage: BrokerStorage,
    private readonly mr: MultiRaft,
    private readonly logger: Logger,
  ) {}

  has(raftGroup: GroupId): boolean {
    return this.machines.has(raftGroup);
  }

  keys(): IterableIterator<GroupId> {
    return this.machines.keys();
  }

  hosted(): Iterable<[GroupId, OffsetsStateMachine]> {
    return this.machines.entries();
  }

  async open(p: PartitionImage, closed: () => boolean): Promise<void> {
    const storage = await this.storage.openGroup(p.groupId, { bootstrap: partitionBootstrap(p, this.nodeId) });
    if (closed()) return;
    const logger = this.logger.child({ groupId: p.groupId, partition: `${p.topicName}-${p.partition}` });
    const sm = new OffsetsStateMachine(logger);
    this.machines.set(p.groupId, sm);
    this.mr.addGroup(p.groupId, { storage, stateMachine: sm, uncompactedEntriesMax: offsetsSnapshotEntriesMax });
    logger.info({ replicas: p.replicas }, 'broker: hosting an offsets partition');
  }

  remove(raftGroup: GroupId): void {
    if (!this.machines.delete(raftGroup)) return;
    this.mr.removeGroup(raftGroup, { deleteData: true });
  }

  offsetsGroupOf(groupId: string): { raftGroup: GroupId; sm: OffsetsStateMachine | undefined } | undefined {
    const t = findTopic(this.image(), OFFSETS_TOPIC);
    if (t === undefined || t.partitions.length === 0) return undefined;
    const p = t.partitions[offsetsPartitionFor(groupId, t.partitions.length)]!;
    return { raftGroup: p.groupId, sm: this.machines.get(p.groupId) };
  }

  partitionsOf(topic: string): number | undefined {
    return topic === OFFSETS_TOPIC ? undefined : findTopic(this.image(), topic)?.partitions.length;
  }
}
