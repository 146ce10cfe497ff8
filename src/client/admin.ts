/**
 * Admin client (Kafka's `Admin`): topic changes go to the controller (the metadata group's leader),
 * following NOT_LEADER hints; reads go to any node (admin-routing.ts). Per-topic outcomes are
 * returned typed, each with `error: RunnelError | null`; a failure of the whole operation is thrown
 * as a RunnelError (`code`, `definite`).
 */
import type { AlterConfigsRequest } from '../api/generated/runnel/v1/AlterConfigsRequest.js';
import type { AlterConfigsResponse__Output } from '../api/generated/runnel/v1/AlterConfigsResponse.js';
import type { CreatePartitionsRequest } from '../api/generated/runnel/v1/CreatePartitionsRequest.js';
import type { CreatePartitionsResponse__Output } from '../api/generated/runnel/v1/CreatePartitionsResponse.js';
import type { CreateTopicsRequest } from '../api/generated/runnel/v1/CreateTopicsRequest.js';
import type { CreateTopicsResponse__Output } from '../api/generated/runnel/v1/CreateTopicsResponse.js';
import type { DeleteTopicsRequest } from '../api/generated/runnel/v1/DeleteTopicsRequest.js';
import type { DeleteTopicsResponse__Output } from '../api/generated/runnel/v1/DeleteTopicsResponse.js';
import type { DescribeTopicsRequest } from '../api/generated/runnel/v1/DescribeTopicsRequest.js';
import type { DescribeTopicsResponse__Output } from '../api/generated/runnel/v1/DescribeTopicsResponse.js';
import type { DescribeClusterRequest } from '../api/generated/runnel/v1/DescribeClusterRequest.js';
import type { DescribeClusterResponse__Output } from '../api/generated/runnel/v1/DescribeClusterResponse.js';
import { AdminRouting } from './admin-routing.js';
import type {
  AlterConfigsResult,
  ClusterDescription,
  CreatePartitionsResult,
  CreateTopicResult,
  DeleteTopicResult,
  NewPartitions,
  NewTopic,
  TopicConfigChange,
  TopicDescription,
} from './admin-types.js';
import { Connections, itemError, resolveClientOptions, unary, type ClientOptions } from './connection.js';
import { GroupAdmin } from './group-admin.js';
import { MetadataCache } from './metadata-cache.js';

export class AdminClient {
  private readonly conns: Connections;
  private readonly metadata: MetadataCache;
  private readonly routing: AdminRouting;
  /** Consumer groups (group-admin.ts): findCoordinator, list/describe/delete groups, read and set committed offsets. */
  readonly groups: GroupAdmin;

  constructor(options: ClientOptions) {
    const resolved = resolveClientOptions(options);
    this.conns = new Connections(resolved.tls);
    this.metadata = new MetadataCache(this.conns, resolved);
    this.routing = new AdminRouting(this.conns, this.metadata, resolved);
    this.groups = new GroupAdmin(this.conns, this.metadata, resolved);
  }

  close(): void {
    this.conns.close();
  }

  /**
   * Creates topics. A topic whose first attempt had an unknown outcome and whose retry finds it
   * existing counts as created.
   */
  async createTopics(topics: readonly NewTopic[], opts: { validateOnly?: boolean } = {}): Promise<CreateTopicResult[]> {
    const req = (timeoutMs: number): CreateTopicsRequest => ({
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions ?? 0,
        replicationFactor: t.replicationFactor ?? 0,
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs,
      validateOnly: opts.validateOnly ?? false,
    });
    return this.routing.changeItems(
      'CreateTopics',
      (conn, timeoutMs) => unary<CreateTopicsRequest, CreateTopicsResponse__Output>(conn.admin.CreateTopics.bind(conn.admin), req(timeoutMs), timeoutMs + 1_000),
      (res, unknownOutcome) =>
        res.topics.map((t) => {
          let error = itemError(t.error);
          if (error?.code === 'RUNNEL_ERR_TOPIC_ALREADY_EXISTS' && unknownOutcome) error = null;
          return { name: t.name, error, topicId: t.topicId, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor };
        }),
    );
  }

  /**
   * Grows topics to `totalCount` partitions each (Kafka's createPartitions). A topic whose first
   * attempt had an unknown outcome and whose retry is refused (INVALID_PARTITIONS) while it already
   * has exactly `totalCount` partitions counts as grown.
   */
  async createPartitions(topics: readonly NewPartitions[], opts: { validateOnly?: boolean } = {}): Promise<CreatePartitionsResult[]> {
    const req = (timeoutMs: number): CreatePartitionsRequest => ({
      topics: topics.map((t) => ({ name: t.name, totalCount: t.totalCount })),
      timeoutMs,
      validateOnly: opts.validateOnly ?? false,
    });
    return this.routing.changeItems(
      'CreatePartitions',
      (conn, timeoutMs) => unary<CreatePartitionsRequest, CreatePartitionsResponse__Output>(conn.admin.CreatePartitions.bind(conn.admin), req(timeoutMs), timeoutMs + 1_000),
      async (res, unknownOutcome) => {
        const results = res.topics.map((t) => ({ name: t.name, error: itemError(t.error) }));
        if (!unknownOutcome) return results;
        return Promise.all(results.map(async (r, i) => (r.error?.code === 'RUNNEL_ERR_INVALID_PARTITIONS' && (await this.hasPartitions(r.name, topics[i]!.totalCount)) ? { ...r, error: null } : r)));
      },
    );
  }

  /** Deletes topics. A topic whose first attempt had an unknown outcome and whose retry finds it gone counts as deleted. */
  async deleteTopics(names: readonly string[]): Promise<DeleteTopicResult[]> {
    return this.routing.changeItems(
      'DeleteTopics',
      (conn, timeoutMs) => unary<DeleteTopicsRequest, DeleteTopicsResponse__Output>(conn.admin.DeleteTopics.bind(conn.admin), { names: [...names], timeoutMs }, timeoutMs + 1_000),
      (res, unknownOutcome) =>
        res.topics.map((t) => {
          let error = itemError(t.error);
          if (error?.code === 'RUNNEL_ERR_UNKNOWN_TOPIC' && unknownOutcome) error = null;
          return { name: t.name, error };
        }),
    );
  }

  /**
   * Kafka's incrementalAlterConfigs for topics: per topic, sets keys and deletes others (they inherit
   * the broker default again); a topic's changes apply all together or not at all. Setting or
   * deleting a key is idempotent, so a retry after an unknown outcome is safe.
   */
  async incrementalAlterConfigs(changes: readonly TopicConfigChange[], opts: { validateOnly?: boolean } = {}): Promise<AlterConfigsResult[]> {
    const req: AlterConfigsRequest = {
      resources: changes.map((c) => ({
        resource: { type: 'CONFIG_RESOURCE_TYPE_TOPIC', name: c.topic },
        configs: [
          ...Object.entries(c.set ?? {}).map(([name, value]) => ({ name, op: 'ALTER_CONFIG_OP_SET' as const, value })),
          ...(c.delete ?? []).map((name) => ({ name, op: 'ALTER_CONFIG_OP_DELETE' as const, value: '' })),
        ],
      })),
      validateOnly: opts.validateOnly ?? false,
    };
    return this.routing.changeItems(
      'AlterConfigs',
      (conn, timeoutMs) => unary<AlterConfigsRequest, AlterConfigsResponse__Output>(conn.admin.AlterConfigs.bind(conn.admin), req, timeoutMs),
      (res) => res.results.map((r) => ({ topic: r.resource?.name ?? '', error: itemError(r.error) })),
    );
  }

  /** Partitions, leaders, replicas and configs of the named topics (all topics if empty). */
  async describeTopics(names: readonly string[] = []): Promise<TopicDescription[]> {
    return this.routing.onAnyNode('DescribeTopics', async (conn, timeoutMs) => {
      const res = await unary<DescribeTopicsRequest, DescribeTopicsResponse__Output>(conn.admin.DescribeTopics.bind(conn.admin), { names: [...names] }, timeoutMs);
      return res.topics.map((t) => ({
        name: t.name,
        error: itemError(t.error),
        topicId: t.topicId,
        partitions: t.partitions
          .map((p) => ({ partition: p.partition, leaderId: p.leaderId, replicas: p.replicas, inSyncReplicas: p.inSyncReplicas }))
          .sort((a, b) => a.partition - b.partition),
        configs: Object.fromEntries(t.configs.map((c) => [c.name, c.value])),
      }));
    });
  }

  /** The names of all topics, sorted. */
  async listTopics(): Promise<string[]> {
    const md = await this.metadata.refresh([]);
    return md.topics.filter((t) => !t.error).map((t) => t.name).sort();
  }

  async describeCluster(): Promise<ClusterDescription> {
    return this.routing.onAnyNode('DescribeCluster', async (conn, timeoutMs) => {
      const res = await unary<DescribeClusterRequest, DescribeClusterResponse__Output>(conn.admin.DescribeCluster.bind(conn.admin), {}, timeoutMs);
      return {
        clusterId: res.clusterId,
        controllerId: res.controllerId,
        nodes: res.nodes.map((n) => ({ nodeId: n.node?.nodeId ?? 0, host: n.node?.host ?? '', port: n.node?.port ?? 0, alive: n.alive, metadataVoter: n.metadataVoter })),
      };
    });
  }

  private async hasPartitions(name: string, count: number): Promise<boolean> {
    const [t] = await this.describeTopics([name]);
    return t !== undefined && t.error === null && t.partitions.length === count;
  }
}
