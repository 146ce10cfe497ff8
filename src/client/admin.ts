/**
 * Admin client (Kafka's `Admin`): topic changes go to the controller (the metadata group's leader),
 * following NOT_LEADER hints; reads go to any node. Every operation retries what is safe with
 * backoff, within `attemptsMax` and `operationTimeoutMs`. Per-topic outcomes are returned typed,
 * each with `error: RunnelError | null`; a failure of the whole operation is thrown as a RunnelError
 * (`code`, `definite`).
 */
import { RunnelError } from '../core/index.js';
import type { CreateTopicsRequest } from '../api/generated/runnel/v1/CreateTopicsRequest.js';
import type { CreateTopicsResponse__Output } from '../api/generated/runnel/v1/CreateTopicsResponse.js';
import type { DeleteTopicsRequest } from '../api/generated/runnel/v1/DeleteTopicsRequest.js';
import type { DeleteTopicsResponse__Output } from '../api/generated/runnel/v1/DeleteTopicsResponse.js';
import type { DescribeTopicsRequest } from '../api/generated/runnel/v1/DescribeTopicsRequest.js';
import type { DescribeTopicsResponse__Output } from '../api/generated/runnel/v1/DescribeTopicsResponse.js';
import type { DescribeClusterRequest } from '../api/generated/runnel/v1/DescribeClusterRequest.js';
import type { DescribeClusterResponse__Output } from '../api/generated/runnel/v1/DescribeClusterResponse.js';
import { Backoff, Connections, gaveUp, isRetriable, itemError, resolveClientOptions, unary, type ClientOptions, type Conn, type ResolvedClientOptions } from './connection.js';
import { MetadataCache, type PartitionInfo } from './metadata-cache.js';

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

export interface DeleteTopicResult {
  readonly name: string;
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

export class AdminClient {
  private readonly options: ResolvedClientOptions;
  private readonly conns = new Connections();
  private readonly metadata: MetadataCache;

  constructor(options: ClientOptions) {
    this.options = resolveClientOptions(options);
    this.metadata = new MetadataCache(this.conns, this.options);
  }

  close(): void {
    this.conns.close();
  }

  /**
   * Creates topics. A topic whose first attempt had an unknown outcome and whose retry finds it
   * existing counts as created.
   */
  async createTopics(topics: readonly NewTopic[], opts: { validateOnly?: boolean } = {}): Promise<CreateTopicResult[]> {
    let unknownOutcome = false;
    return this.onController('CreateTopics', async (conn, timeoutMs) => {
      const res = await unary<CreateTopicsRequest, CreateTopicsResponse__Output>(conn.admin.CreateTopics.bind(conn.admin), {
        topics: topics.map((t) => ({
          name: t.name,
          numPartitions: t.numPartitions ?? 0,
          replicationFactor: t.replicationFactor ?? 0,
          configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
        timeoutMs,
        validateOnly: opts.validateOnly ?? false,
      }, timeoutMs + 1_000).catch((err: unknown) => {
        if (err instanceof RunnelError && !err.definite) unknownOutcome = true;
        throw err;
      });
      const results = res.topics.map((t) => {
        let error = itemError(t.error);
        if (error?.code === 'RUNNEL_ERR_TOPIC_ALREADY_EXISTS' && unknownOutcome) error = null;
        return { name: t.name, error, topicId: t.topicId, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor };
      });
      throwIfAllNotLeader(results);
      return results;
    }, true);
  }

  /** Deletes topics. */
  async deleteTopics(names: readonly string[]): Promise<DeleteTopicResult[]> {
    let unknownOutcome = false;
    return this.onController('DeleteTopics', async (conn, timeoutMs) => {
      const res = await unary<DeleteTopicsRequest, DeleteTopicsResponse__Output>(conn.admin.DeleteTopics.bind(conn.admin), { names: [...names], timeoutMs }, timeoutMs + 1_000).catch((err: unknown) => {
        if (err instanceof RunnelError && !err.definite) unknownOutcome = true;
        throw err;
      });
      const results = res.topics.map((t) => {
        let error = itemError(t.error);
        if (error?.code === 'RUNNEL_ERR_UNKNOWN_TOPIC' && unknownOutcome) error = null;
        return { name: t.name, error };
      });
      throwIfAllNotLeader(results);
      return results;
    }, true);
  }

  /** Partitions, leaders, replicas and configs of the named topics (all topics if empty). */
  async describeTopics(names: readonly string[] = []): Promise<TopicDescription[]> {
    return this.onAnyNode('DescribeTopics', async (conn, timeoutMs) => {
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
    return this.onAnyNode('DescribeCluster', async (conn, timeoutMs) => {
      const res = await unary<DescribeClusterRequest, DescribeClusterResponse__Output>(conn.admin.DescribeCluster.bind(conn.admin), {}, timeoutMs);
      return {
        clusterId: res.clusterId,
        controllerId: res.controllerId,
        nodes: res.nodes.map((n) => ({ nodeId: n.node?.nodeId ?? 0, host: n.node?.host ?? '', port: n.node?.port ?? 0, alive: n.alive, metadataVoter: n.metadataVoter })),
      };
    });
  }

  /** Runs `op` against the controller, following NOT_LEADER hints, retrying what is safe. */
  private async onController<T>(what: string, op: (conn: Conn, timeoutMs: number) => Promise<T>, retryIndefinite: boolean): Promise<T> {
    const deadline = Date.now() + this.options.operationTimeoutMs;
    const backoff = new Backoff(this.options.retryBackoffMs, this.options.retryBackoffMaxMs);
    let last: unknown;
    for (let attempt = 0; attempt < this.options.attemptsMax && Date.now() < deadline; attempt++) {
      try {
        if (this.metadata.controllerId === 0 || this.metadata.nodeAddress(this.metadata.controllerId) === undefined) await this.metadata.refresh([]);
        const address = this.metadata.nodeAddress(this.metadata.controllerId);
        if (address === undefined) throw new RunnelError('RUNNEL_ERR_PROPOSAL_DROPPED', ['no controller is known yet']);
        return await op(this.conns.get(address), Math.min(this.options.requestTimeoutMs, Math.max(1, deadline - Date.now())));
      } catch (err) {
        last = err;
        if (!(err instanceof RunnelError)) throw err;
        if (err.code === 'RUNNEL_ERR_NOT_LEADER') {
          this.metadata.onControllerHint(err);
          if (this.metadata.controllerId !== 0) continue; // re-route at once
        } else if (!isRetriable(err) && !(retryIndefinite && !err.definite)) {
          throw err;
        }
        await backoff.wait(deadline);
      }
    }
    throw gaveUp(`${what} did not succeed`, last);
  }

  /** Runs a read on the first node that answers (known nodes, then bootstrap), with retries. */
  private async onAnyNode<T>(what: string, op: (conn: Conn, timeoutMs: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.options.operationTimeoutMs;
    const backoff = new Backoff(this.options.retryBackoffMs, this.options.retryBackoffMaxMs);
    let last: unknown;
    for (let attempt = 0; attempt < this.options.attemptsMax && Date.now() < deadline; attempt++) {
      const addresses = [...new Set([...this.knownAddresses(), ...this.options.bootstrapServers])];
      for (const address of addresses) {
        try {
          return await op(this.conns.get(address), Math.min(this.options.requestTimeoutMs, Math.max(1, deadline - Date.now())));
        } catch (err) {
          last = err;
          if (err instanceof RunnelError && err.definite && !isRetriable(err)) throw err;
        }
      }
      await backoff.wait(deadline);
    }
    throw gaveUp(`${what} did not succeed`, last);
  }

  private knownAddresses(): string[] {
    const id = this.metadata.controllerId;
    const a = id === 0 ? undefined : this.metadata.nodeAddress(id);
    return a === undefined ? [] : [a];
  }
}

/** A non-controller answers every item with NOT_LEADER: treat it as a whole-call NOT_LEADER to re-route. */
function throwIfAllNotLeader(results: readonly { error: RunnelError | null }[]): void {
  const first = results[0]?.error;
  if (first?.code === 'RUNNEL_ERR_NOT_LEADER' && results.every((r) => r.error?.code === 'RUNNEL_ERR_NOT_LEADER')) throw first;
}
