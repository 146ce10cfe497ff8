/**
 * What the client knows of the cluster: every node's address, the controller, and per partition its
 * leader. Refreshed from any node (known nodes first, then the bootstrap list); a NOT_LEADER hint
 * updates one partition's leader at once, a NOT_LEADER without one calls for a refresh.
 */
import { RunnelError } from '../core/index.js';
import type { MetadataResponse__Output } from '../api/generated/runnel/v1/MetadataResponse.js';
import type { MetadataRequest } from '../api/generated/runnel/v1/MetadataRequest.js';
import { Backoff, Connections, itemError, unanswered, unary, type Conn, type ResolvedClientOptions } from './connection.js';
import { AttemptFailures } from './attempt-failures.js';

export interface PartitionInfo {
  readonly partition: number;
  /** 0 while the partition has no leader. */
  readonly leaderId: number;
  readonly replicas: readonly number[];
  readonly inSyncReplicas: readonly number[];
}

export interface TopicInfo {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: readonly PartitionInfo[];
}

/** How long a node that did not answer is asked last. */
const unansweredAskLastMs = 10_000;

export class MetadataCache {
  private readonly nodes = new Map<number, string>();
  private readonly topics = new Map<string, TopicInfo>();
  /** "topic/partition" -> leader id from a NOT_LEADER hint, newer than the last refresh. */
  private readonly hinted = new Map<string, number>();
  private readonly lookups = new Map<string, Promise<TopicInfo>>();
  private controller = 0;
  private clusterIdValue = '';
  /** Addresses that did not answer lately -> until when (Date.now() ms) they are asked last. */
  private readonly unansweredUntil = new Map<string, number>();

  constructor(
    private readonly conns: Connections,
    private readonly options: ResolvedClientOptions,
  ) {}

  get clusterId(): string {
    return this.clusterIdValue;
  }

  get controllerId(): number {
    return this.controller;
  }

  nodeAddress(nodeId: number): string | undefined {
    return this.nodes.get(nodeId);
  }

  topic(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  /** The partition's leader id as known now; 0 if none is known. */
  leaderId(topic: string, partition: number): number {
    return this.hinted.get(`${topic}/${partition}`) ?? this.topics.get(topic)?.partitions.find((p) => p.partition === partition)?.leaderId ?? 0;
  }

  leaderAddress(topic: string, partition: number): string | undefined {
    const id = this.leaderId(topic, partition);
    return id === 0 ? undefined : this.nodes.get(id);
  }

  /** A NOT_LEADER answer: follow its hint, or forget the leader so the next refresh finds it. */
  onNotLeader(topic: string, partition: number, err: RunnelError): void {
    const h = err.details['leaderHint'] as { nodeId?: number; host?: string; port?: number } | undefined;
    if (h?.nodeId && h.host && h.port) {
      this.nodes.set(h.nodeId, `${h.host}:${h.port}`);
      this.hinted.set(`${topic}/${partition}`, h.nodeId);
    } else {
      this.hinted.set(`${topic}/${partition}`, 0);
    }
  }

  onControllerHint(err: RunnelError): void {
    const h = err.details['leaderHint'] as { nodeId?: number; host?: string; port?: number } | undefined;
    if (h?.nodeId && h.host && h.port) {
      this.nodes.set(h.nodeId, `${h.host}:${h.port}`);
      this.controller = h.nodeId;
    } else {
      this.controller = 0;
    }
  }

  /**
   * Asks the first node that answers for metadata of `topics` (all topics if empty) and absorbs it.
   * Retries with backoff within the options' attempts and operation timeout.
   */
  async refresh(topics: readonly string[] = []): Promise<MetadataResponse__Output> {
    const md = await this.askAnyNode('Metadata', (conn, timeoutMs) =>
      unary<MetadataRequest, MetadataResponse__Output>(conn.metadata.Metadata.bind(conn.metadata), { topics: [...topics] }, timeoutMs),
    );
    this.absorb(md, topics.length === 0);
    return md;
  }

  /**
   * `call` on the first node that answers it (known nodes first, then the bootstrap list), retrying
   * every failure with backoff within the options' attempts and operation timeout. Only for calls
   * that are safe to repeat.
   */
  async askAnyNode<T>(what: string, call: (conn: Conn, timeoutMs: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.options.operationTimeoutMs;
    const backoff = new Backoff(this.options.retryBackoffMs, this.options.retryBackoffMaxMs);
    const failures = new AttemptFailures();
    for (let attempt = 0; attempt < this.options.attemptsMax && Date.now() < deadline; attempt++) {
      for (const address of this.candidates()) {
        try {
          const answer = await call(this.conns.get(address), Math.min(this.options.requestTimeoutMs, Math.max(1, deadline - Date.now())));
          this.unansweredUntil.delete(address);
          return answer;
        } catch (err) {
          failures.note(err);
          if (unanswered(err)) this.noteUnanswered(address);
        }
      }
      await backoff.wait(deadline);
    }
    throw failures.gaveUp(`no node of ${this.options.bootstrapServers.join(',')} answered ${what}`);
  }

  /**
   * The topic's partitions, refreshing when it is not known yet. Throws RUNNEL_ERR_UNKNOWN_TOPIC
   * (definite) when the cluster does not have it.
   */
  async requireTopic(name: string): Promise<TopicInfo> {
    const known = this.topics.get(name);
    if (known) return known;
    let p = this.lookups.get(name);
    if (p === undefined) {
      p = this.lookup(name).finally(() => this.lookups.delete(name));
      this.lookups.set(name, p);
    }
    return p;
  }

  private async lookup(name: string): Promise<TopicInfo> {
    const md = await this.refresh([name]);
    const t = md.topics.find((x) => x.name === name);
    const err = itemError(t?.error);
    if (err) throw err;
    const info = this.topics.get(name);
    if (!t || !info || info.partitions.length === 0) throw new RunnelError('RUNNEL_ERR_UNKNOWN_TOPIC', [name]);
    return info;
  }

  private absorb(md: MetadataResponse__Output, all: boolean): void {
    this.clusterIdValue = md.clusterId;
    for (const n of md.nodes) this.nodes.set(n.nodeId, `${n.host}:${n.port}`);
    this.controller = md.controllerId;
    if (all) this.topics.clear();
    for (const t of md.topics) {
      if (t.error) {
        this.topics.delete(t.name);
        continue;
      }
      this.topics.set(t.name, {
        name: t.name,
        topicId: t.topicId,
        partitions: t.partitions
          .map((p) => ({ partition: p.partition, leaderId: p.leaderId, replicas: p.replicas, inSyncReplicas: p.inSyncReplicas }))
          .sort((a, b) => a.partition - b.partition),
      });
      for (const p of t.partitions) this.hinted.delete(`${t.name}/${p.partition}`);
    }
  }

  /** Every node address known (from metadata), then the bootstrap list: where to ask a question any node answers. */
  addresses(): string[] {
    return this.candidates();
  }

  /** Every node known from the last metadata, by id. */
  nodeAddresses(): ReadonlyMap<number, string> {
    return new Map(this.nodes);
  }

  /**
   * `address` did not answer (unanswered() in connection.ts): ask it last for a while, so one node
   * cut off does not cost a request timeout per metadata lookup.
   */
  noteUnanswered(address: string): void {
    this.unansweredUntil.set(address, Date.now() + unansweredAskLastMs);
  }

  /** Known nodes, then the bootstrap list; nodes that did not answer lately last. */
  private candidates(): string[] {
    const now = Date.now();
    const all = [...new Set([...this.nodes.values(), ...this.options.bootstrapServers])];
    const quiet = (a: string) => (this.unansweredUntil.get(a) ?? 0) > now;
    return [...all.filter((a) => !quiet(a)), ...all.filter(quiet)];
  }
}
