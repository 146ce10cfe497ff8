/**
 * The AdminClient's consumer-group operations (Kafka's Admin: listConsumerGroups,
 * describeConsumerGroups, deleteConsumerGroups, listConsumerGroupOffsets, alterConsumerGroupOffsets).
 * ListGroups goes to every node (each lists the groups it coordinates); the rest to each group's
 * coordinator (group-coordinator.ts), retried there until the operation timeout.
 */
import { RunnelError } from '../core/index.js';
import type { DeleteGroupsRequest } from '../api/generated/runnel/v1/DeleteGroupsRequest.js';
import type { DeleteGroupsResponse__Output } from '../api/generated/runnel/v1/DeleteGroupsResponse.js';
import type { DescribeGroupsRequest } from '../api/generated/runnel/v1/DescribeGroupsRequest.js';
import type { DescribeGroupsResponse__Output } from '../api/generated/runnel/v1/DescribeGroupsResponse.js';
import type { ListGroupsRequest } from '../api/generated/runnel/v1/ListGroupsRequest.js';
import type { ListGroupsResponse__Output } from '../api/generated/runnel/v1/ListGroupsResponse.js';
import { itemError, unary, type Connections, type ResolvedClientOptions } from './connection.js';
import { GroupCoordinator, type CoordinatorNode } from './group-coordinator.js';
import { ADMIN_COMMITTER, commitOffsets, fetchCommitted } from './group-offsets.js';
import { fromGroupTopicPartitions, type TopicPartitionOffset } from './group-partitions.js';
import type { MetadataCache } from './metadata-cache.js';
import type { TopicPartition } from './record-accumulator.js';

/** 'Empty' (no members), 'Reconciling' (partitions are moving), 'Stable'. */
export type GroupState = string;

export interface ListedConsumerGroup {
  readonly groupId: string;
  readonly state: GroupState;
  /** The node that listed it (its coordinator). */
  readonly coordinatorId: number;
}

export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly memberEpoch: number;
  readonly subscribedTopics: readonly string[];
  /** What it may consume now. */
  readonly assignment: readonly TopicPartition[];
  /** What it last reported consuming. */
  readonly owned: readonly TopicPartition[];
}

export interface ConsumerGroupDescription {
  readonly groupId: string;
  readonly error: RunnelError | null;
  readonly state: GroupState;
  readonly groupEpoch: number;
  readonly members: readonly ConsumerGroupMember[];
}

export interface DeleteGroupResult {
  readonly groupId: string;
  readonly error: RunnelError | null;
}

export class GroupAdmin {
  private readonly coordinators = new Map<string, GroupCoordinator>();

  constructor(
    private readonly conns: Connections,
    private readonly metadata: MetadataCache,
    private readonly options: ResolvedClientOptions,
  ) {}

  findCoordinator(groupId: string): Promise<CoordinatorNode> {
    return this.coordinator(groupId).find(this.deadline());
  }

  /**
   * Every node's groups, merged (sorted by id). A node that cannot be reached is skipped (its groups
   * move to other nodes once they elect new leaders); if none answers, the last failure is thrown.
   */
  async listConsumerGroups(): Promise<ListedConsumerGroup[]> {
    await this.metadata.refresh([]);
    const nodes = [...this.metadata.nodeAddresses()];
    const answers = await Promise.allSettled(
      nodes.map(async ([nodeId, address]) => {
        const conn = this.conns.get(address);
        const res = await unary<ListGroupsRequest, ListGroupsResponse__Output>(conn.group.ListGroups.bind(conn.group), {}, this.options.requestTimeoutMs);
        return res.groups.map((g) => ({ groupId: g.groupId, state: g.state, coordinatorId: nodeId }));
      }),
    );
    const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failed && answers.every((a) => a.status === 'rejected')) throw failed.reason;
    const byId = new Map<string, ListedConsumerGroup>();
    for (const a of answers) if (a.status === 'fulfilled') for (const g of a.value) byId.set(g.groupId, g);
    return [...byId.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /** Each group's state and members, from its coordinator; `error` GROUP_ID_NOT_FOUND for an unknown group. */
  async describeConsumerGroups(groupIds: readonly string[]): Promise<ConsumerGroupDescription[]> {
    return Promise.all(groupIds.map((g) => this.describeOne(g)));
  }

  /** Deletes groups without members, with their committed offsets (GROUP_NOT_EMPTY, GROUP_ID_NOT_FOUND otherwise). */
  async deleteConsumerGroups(groupIds: readonly string[]): Promise<DeleteGroupResult[]> {
    return Promise.all(
      groupIds.map(async (groupId) => {
        const res = await this.coordinator(groupId).call(
          'DeleteGroups',
          this.deadline(),
          (conn, timeoutMs) => unary<DeleteGroupsRequest, DeleteGroupsResponse__Output>(conn.group.DeleteGroups.bind(conn.group), { groupIds: [groupId] }, timeoutMs),
          (r) => r.results[0]?.error,
        );
        return { groupId, error: itemError(res.results[0]?.error) };
      }),
    );
  }

  /** The group's committed offsets (of `tps`, or of every partition it has one for), keyed `topic/partition`; -1: none. */
  listConsumerGroupOffsets(groupId: string, tps: readonly TopicPartition[] = []): Promise<Map<string, number>> {
    return fetchCommitted(this.coordinator(groupId), tps, this.deadline());
  }

  /**
   * Sets committed offsets as an admin tool (Kafka's alterConsumerGroupOffsets): only while the group
   * has no members. Resolves to each partition's outcome, keyed `topic/partition`.
   */
  alterConsumerGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<Map<string, RunnelError | null>> {
    return commitOffsets(this.coordinator(groupId), ADMIN_COMMITTER, offsets, this.deadline());
  }

  private async describeOne(groupId: string): Promise<ConsumerGroupDescription> {
    const res = await this.coordinator(groupId).call(
      'DescribeGroups',
      this.deadline(),
      (conn, timeoutMs) => unary<DescribeGroupsRequest, DescribeGroupsResponse__Output>(conn.group.DescribeGroups.bind(conn.group), { groupIds: [groupId] }, timeoutMs),
      (r) => r.groups[0]?.error,
    );
    const g = res.groups[0];
    if (g === undefined) return { groupId, error: new RunnelError('RUNNEL_ERR_INTERNAL', [`no description of group ${groupId}`]), state: '', groupEpoch: 0, members: [] };
    return {
      groupId,
      error: itemError(g.error),
      state: g.state,
      groupEpoch: g.groupEpoch,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        memberEpoch: m.memberEpoch,
        subscribedTopics: m.subscribedTopicNames,
        assignment: fromGroupTopicPartitions(m.assignment),
        owned: fromGroupTopicPartitions(m.owned),
      })),
    };
  }

  private coordinator(groupId: string): GroupCoordinator {
    let c = this.coordinators.get(groupId);
    if (c === undefined) {
      c = new GroupCoordinator(this.conns, this.metadata, this.options, groupId);
      this.coordinators.set(groupId, c);
    }
    return c;
  }

  private deadline(): number {
    return Date.now() + this.options.operationTimeoutMs;
  }
}
