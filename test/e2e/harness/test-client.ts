/**
 * A typed gRPC client for the e2e tests, built on src/api/proto.ts, that finds leaders the way the
 * contract says (docs/API.md, "Finding the right node"): ask any node for Metadata, send partition
 * requests to the leader, follow NOT_LEADER hints, refresh metadata when there is no hint or a node
 * is unreachable. Every operation retries with backoff, at most `attemptsMax` times and never past
 * its deadline.
 *
 * Retrying a produce whose outcome is unknown (an indefinite error: timeout, lost leadership, a
 * connection lost mid-call) is only safe with a producer identity (idempotence); without one such a
 * failure is thrown as IndefiniteOutcomeError so the caller can record the outcome as unknown.
 */
import * as grpc from '@grpc/grpc-js';
import { RunnelError } from '../../../src/core/index.js';
import { fromProtoError, fromServiceError, loadGrpcObject } from '../../../src/api/index.js';
import type { AdminServiceClient } from '../../../src/api/generated/runnel/v1/AdminService.js';
import type { CreateTopicResult__Output } from '../../../src/api/generated/runnel/v1/CreateTopicResult.js';
import type { Error__Output as ProtoError } from '../../../src/api/generated/runnel/v1/Error.js';
import type { FetchedRecord__Output } from '../../../src/api/generated/runnel/v1/FetchedRecord.js';
import type { FetchServiceClient } from '../../../src/api/generated/runnel/v1/FetchService.js';
import type { MetadataResponse__Output } from '../../../src/api/generated/runnel/v1/MetadataResponse.js';
import type { MetadataServiceClient } from '../../../src/api/generated/runnel/v1/MetadataService.js';
import type { OffsetSpec } from '../../../src/api/generated/runnel/v1/OffsetSpec.js';
import type { ProduceServiceClient } from '../../../src/api/generated/runnel/v1/ProduceService.js';
import type { ProducerIdentity } from '../../../src/api/generated/runnel/v1/ProducerIdentity.js';
import type { Record as ProtoRecord } from '../../../src/api/generated/runnel/v1/Record.js';
import { Backoff, Deadline } from './deadline.js';
import { addressOf, type HostPort } from './health.js';

export type Acks = 'ACKS_ALL' | 'ACKS_LEADER' | 'ACKS_NONE';

export interface ClientOptions {
  /** One RPC's deadline; a hung call to a dead node must not eat the whole operation's deadline. */
  readonly callTimeoutMs: number;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  /** Attempts per operation, across all nodes tried. */
  readonly attemptsMax: number;
  /** How long to wait for a connection to a node before treating it as unreachable. */
  readonly connectWaitMs: number;
  /** How long a node that could not be reached is skipped when another node can be asked. */
  readonly unreachableSkipMs: number;
}

export const defaultClientOptions: ClientOptions = {
  callTimeoutMs: 2_000,
  backoffMinMs: 20,
  backoffMaxMs: 250,
  attemptsMax: 500,
  connectWaitMs: 200,
  unreachableSkipMs: 1_000,
};

/** A produce (without idempotence) whose records may or may not have been appended. */
export class IndefiniteOutcomeError extends Error {
  /** Never safe to retry blindly, whatever the cause says. */
  readonly definite = false;

  constructor(override readonly cause: RunnelError) {
    super(`outcome unknown: ${cause.code}: ${cause.message}`);
  }
}

export interface ProduceOutcome {
  readonly baseOffset: number;
  readonly leaderId: number;
  /** Attempts it took (1 = first try); with the errors seen on the way. */
  readonly attempts: number;
  readonly errors: readonly string[];
}

interface Conn {
  /** One channel per node, shared by its service clients: its state says whether calls can go out. */
  readonly channel: grpc.Channel;
  readonly produce: ProduceServiceClient;
  readonly fetch: FetchServiceClient;
  readonly metadata: MetadataServiceClient;
  readonly admin: AdminServiceClient;
}

/** A route: where requests for one thing (a partition, or the controller) go. */
interface Route {
  readonly key: string;
  /** The leader this client believes in, from metadata; undefined to ask metadata first. */
  leader(): number | undefined;
}

type Verdict = 'reroute' | 'backoff';

/** Immediate re-routes on NOT_LEADER hints in a row before backing off. */
const reroutesWithoutBackoffMax = 3;

const unavailableStatuses = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED]);

function callback<T>(resolve: (v: T) => void, reject: (e: unknown) => void): grpc.requestCallback<T> {
  return (err, res) => (err ? reject(fromServiceError(err)) : res === undefined ? reject(new Error('empty response')) : resolve(res));
}

function itemError(e: ProtoError | null | undefined): RunnelError | undefined {
  return e ? fromProtoError(e) : undefined;
}

export class TestClient {
  private readonly conns = new Map<string, Conn>();
  private readonly nodes = new Map<number, HostPort>();
  private readonly leaders = new Map<string, number>();
  /** Node id -> when it was last found unreachable (performance.now()). */
  private readonly unreachableAt = new Map<number, number>();
  private controllerId = 0;

  constructor(
    private readonly bootstrap: readonly HostPort[],
    private readonly options: ClientOptions = defaultClientOptions,
  ) {
    if (bootstrap.length === 0) throw new Error('a client needs at least one bootstrap address');
  }

  /** Every node the client has learned of, by id. */
  knownNodes(): ReadonlyMap<number, HostPort> {
    return this.nodes;
  }

  close(): void {
    for (const c of this.conns.values()) {
      for (const client of [c.produce, c.fetch, c.metadata, c.admin]) client.close();
      c.channel.close();
    }
    this.conns.clear();
  }

  // ---- metadata ----

  /** Metadata from the first node that answers (known nodes first, then the bootstrap list). */
  async metadata(topics: readonly string[], deadline: Deadline): Promise<MetadataResponse__Output> {
    const backoff = new Backoff(this.options.backoffMinMs, this.options.backoffMaxMs);
    const problems: string[] = [];
    for (let attempt = 0; attempt < this.options.attemptsMax; attempt++) {
      for (const address of this.metadataCandidates()) {
        if (!(await this.connected(address, deadline))) {
          problems.push(`${addressOf(address)}: not reachable`);
          continue;
        }
        try {
          const md = await new Promise<MetadataResponse__Output>((resolve, reject) =>
            this.conn(address).metadata.Metadata({ topics: [...topics] }, { deadline: deadline.callDeadline(this.options.callTimeoutMs) }, callback(resolve, reject)),
          );
          this.absorb(md);
          return md;
        } catch (err) {
          problems.push(`${addressOf(address)}: ${err instanceof Error ? err.message : String(err)}`);
        }
        if (deadline.expired()) break;
      }
      if (deadline.expired()) break;
      await backoff.wait(deadline);
    }
    throw deadline.fail(`no node answered Metadata; last errors: ${problems.slice(-3).join(' | ')}`);
  }

  /** The leader of a partition as this client knows it (after the last metadata or hint). */
  leaderOf(topic: string, partition: number): number | undefined {
    return this.leaders.get(partitionKey(topic, partition));
  }

  // ---- admin ----

  /** Creates a topic through the controller; an "already exists" after an unknown outcome is success. */
  async createTopic(name: string, numPartitions: number, replicationFactor: number, deadline: Deadline): Promise<CreateTopicResult__Output> {
    let retriedUnknown = false;
    const route: Route = { key: 'controller', leader: () => (this.controllerId === 0 ? undefined : this.controllerId) };
    const r = await this.withRoute(route, deadline, true, async (conn) => {
      const res = await new Promise<{ topics: CreateTopicResult__Output[] }>((resolve, reject) =>
        conn.admin.CreateTopics(
          { topics: [{ name, numPartitions, replicationFactor }], timeoutMs: Math.round(deadline.capMs(10_000)) },
          { deadline: deadline.callDeadline(this.options.callTimeoutMs * 5) },
          callback(resolve, reject),
        ),
      );
      const t = res.topics[0];
      if (!t) throw new Error('CreateTopics answered no topic');
      const err = itemError(t.error);
      if (err?.code === 'RUNNEL_ERR_TOPIC_ALREADY_EXISTS' && retriedUnknown) return t;
      if (err) {
        if (!err.definite) retriedUnknown = true;
        throw err;
      }
      return t;
    });
    return r.value;
  }

  // ---- produce ----

  /** A producer id from InitProducerId (asked of the controller; any node would do). */
  async initProducerId(deadline: Deadline): Promise<number> {
    const route: Route = { key: 'controller', leader: () => (this.controllerId === 0 ? undefined : this.controllerId) };
    const r = await this.withRoute(route, deadline, true, (conn) =>
      new Promise<{ producerId: number }>((resolve, reject) =>
        conn.produce.InitProducerId({}, { deadline: deadline.callDeadline(this.options.callTimeoutMs) }, callback(resolve, reject)),
      ),
    );
    return r.value.producerId;
  }

  /**
   * Appends `records` to one partition and returns the base offset. With `producer` set the request
   * is idempotent and every failure is retried; without it an indefinite failure is thrown as
   * IndefiniteOutcomeError.
   */
  async produce(
    topic: string,
    partition: number,
    records: readonly ProtoRecord[],
    options: { acks: Acks; producer?: ProducerIdentity; deadline: Deadline },
  ): Promise<ProduceOutcome> {
    const { acks, producer, deadline } = options;
    const route = this.partitionRoute(topic, partition);
    const r = await this.withRoute(route, deadline, producer !== undefined, async (conn) => {
      const res = await new Promise<{ topics: { partitions: { error: ProtoError | null; baseOffset: number }[] }[] }>((resolve, reject) =>
        conn.produce.Produce(
          { acks, timeoutMs: Math.round(deadline.capMs(this.options.callTimeoutMs)), topics: [{ topic, partitions: [{ partition, records: [...records], producer: producer ?? null }] }] },
          { deadline: deadline.callDeadline(this.options.callTimeoutMs + 500) },
          callback(resolve, reject),
        ),
      );
      const p = res.topics[0]?.partitions[0];
      if (!p) throw new Error('Produce answered no partition');
      const err = itemError(p.error);
      if (err) throw err;
      return p.baseOffset;
    });
    return { baseOffset: r.value, leaderId: r.nodeId, attempts: r.attempts, errors: r.errors };
  }

  // ---- fetch ----

  /**
   * Every committed record of a partition from `fromOffset` up to the high watermark as it was when
   * the read reached it, read from the leader in pages of at most `pageBytesMax`.
   */
  async fetchAll(topic: string, partition: number, deadline: Deadline, fromOffset = 0): Promise<{ records: FetchedRecord__Output[]; highWatermark: number }> {
    const pageBytesMax = 1024 * 1024;
    const pagesMax = 100_000;
    const out: FetchedRecord__Output[] = [];
    let offset = fromOffset;
    const route = this.partitionRoute(topic, partition);
    for (let page = 0; page < pagesMax; page++) {
      const r = await this.withRoute(route, deadline, true, async (conn) => {
        const res = await new Promise<{ topics: { partitions: { error: ProtoError | null; records: FetchedRecord__Output[]; highWatermark: number; nextOffset: number }[] }[] }>(
          (resolve, reject) =>
            conn.fetch.Fetch(
              { maxWaitMs: 0, minBytes: 0, maxBytes: pageBytesMax, topics: [{ topic, partitions: [{ partition, fetchOffset: offset, maxBytes: pageBytesMax }] }] },
              { deadline: deadline.callDeadline(this.options.callTimeoutMs) },
              callback(resolve, reject),
            ),
        );
        const p = res.topics[0]?.partitions[0];
        if (!p) throw new Error('Fetch answered no partition');
        const err = itemError(p.error);
        if (err) throw err;
        return p;
      });
      const p = r.value;
      for (const rec of p.records) if (rec.offset >= offset) out.push(rec);
      if (p.nextOffset >= p.highWatermark) return { records: out, highWatermark: p.highWatermark };
      if (p.nextOffset <= offset) throw new Error(`fetch of ${topic}-${partition} made no progress at offset ${offset} (high watermark ${p.highWatermark})`);
      offset = p.nextOffset;
    }
    throw new Error(`fetch of ${topic}-${partition} took more than ${pagesMax} pages`);
  }

  /** ListOffsets for one partition, from its leader. */
  async listOffset(topic: string, partition: number, spec: OffsetSpec, deadline: Deadline): Promise<number> {
    const route = this.partitionRoute(topic, partition);
    const r = await this.withRoute(route, deadline, true, async (conn) => {
      const res = await new Promise<{ topics: { partitions: { error: ProtoError | null; offset: number }[] }[] }>((resolve, reject) =>
        conn.fetch.ListOffsets(
          { topics: [{ topic, partitions: [{ partition, spec, timestampMs: 0 }] }] },
          { deadline: deadline.callDeadline(this.options.callTimeoutMs) },
          callback(resolve, reject),
        ),
      );
      const p = res.topics[0]?.partitions[0];
      if (!p) throw new Error('ListOffsets answered no partition');
      const err = itemError(p.error);
      if (err) throw err;
      return p.offset;
    });
    return r.value;
  }

  // ---- routing ----

  private partitionRoute(topic: string, partition: number): Route {
    const key = partitionKey(topic, partition);
    return { key, leader: () => this.leaders.get(key) };
  }

  /**
   * Runs `attempt` against the route's leader until it succeeds, re-routing on NOT_LEADER and
   * retrying what is safe to retry (`retryIndefinite`: the operation is idempotent).
   */
  private async withRoute<T>(
    route: Route,
    deadline: Deadline,
    retryIndefinite: boolean,
    attempt: (conn: Conn) => Promise<T>,
  ): Promise<{ value: T; nodeId: number; attempts: number; errors: string[] }> {
    const backoff = new Backoff(this.options.backoffMinMs, this.options.backoffMaxMs);
    const errors: string[] = [];
    let reroutes = 0;
    for (let n = 1; n <= this.options.attemptsMax; n++) {
      const nodeId = await this.pickNode(route, deadline);
      const address = this.nodes.get(nodeId)!;
      if (!(await this.connected(address, deadline))) {
        // Nothing was sent, so even a non-idempotent request may go elsewhere.
        errors.push(`node ${nodeId}: not reachable`);
        this.unreachableAt.set(nodeId, performance.now());
        if (deadline.expired()) break;
        await backoff.wait(deadline);
        continue;
      }
      try {
        return { value: await attempt(this.conn(address)), nodeId, attempts: n, errors };
      } catch (err) {
        errors.push(`node ${nodeId}: ${err instanceof RunnelError ? err.code : ''} ${err instanceof Error ? err.message : String(err)}`);
        const verdict = this.classify(route, nodeId, err, retryIndefinite);
        if (deadline.expired()) break;
        reroutes = verdict === 'reroute' ? reroutes + 1 : 0;
        // Hints can disagree while leadership moves: after a few immediate re-routes, back off.
        if (verdict === 'backoff' || reroutes > reroutesWithoutBackoffMax) await backoff.wait(deadline);
      }
    }
    throw deadline.fail(`${route.key}: gave up after ${errors.length} attempts; last errors:\n  ${errors.slice(-5).join('\n  ')}`);
  }

  /** What to do after a failed attempt; throws what must not be retried. */
  private classify(route: Route, nodeId: number, err: unknown, retryIndefinite: boolean): Verdict {
    if (!(err instanceof RunnelError)) throw err;
    if (err.code === 'RUNNEL_ERR_NOT_LEADER') {
      const hint = err.details['leaderHint'] as { nodeId: number; host: string; port: number } | undefined;
      if (hint && hint.nodeId !== 0 && hint.nodeId !== nodeId) {
        this.nodes.set(hint.nodeId, { host: hint.host, port: hint.port });
        this.setLeader(route, hint.nodeId);
        // A hint naming a node just found unreachable is stale (the asked node has not noticed the
        // failure yet): wait for the election instead of bouncing between the two at full speed.
        return this.recentlyUnreachable(hint.nodeId) ? 'backoff' : 'reroute';
      }
      this.forgetLeader(route);
      return 'backoff';
    }
    const grpcStatus = err.details['grpcStatus'];
    if (typeof grpcStatus === 'number' && unavailableStatuses.has(grpcStatus)) this.forgetLeader(route); // the node may be down
    if (!err.definite) {
      if (retryIndefinite) return 'backoff';
      throw new IndefiniteOutcomeError(err);
    }
    if (retriableDefinite.has(err.code)) {
      this.forgetLeader(route);
      return 'backoff';
    }
    throw err;
  }

  /**
   * Where to send: the route's leader, unless it was unreachable a moment ago; then another node,
   * whose NOT_LEADER hint names the new leader as soon as the group has elected one (sooner than the
   * cluster image learns of it).
   */
  private async pickNode(route: Route, deadline: Deadline): Promise<number> {
    const leader = await this.resolveLeader(route, deadline);
    if (!this.recentlyUnreachable(leader)) return leader;
    const others = [...this.nodes.keys()].filter((id) => id !== leader && !this.recentlyUnreachable(id));
    return others.length > 0 ? others[Math.floor(Math.random() * others.length)]! : leader;
  }

  private recentlyUnreachable(nodeId: number): boolean {
    return (this.unreachableAt.get(nodeId) ?? -Infinity) > performance.now() - this.options.unreachableSkipMs;
  }

  /** Whether a connection to `address` is up, waiting at most connectWaitMs for it. */
  private connected(address: HostPort, deadline: Deadline): Promise<boolean> {
    const c = this.conn(address);
    if (c.channel.getConnectivityState(true) === grpc.connectivityState.READY) return Promise.resolve(true);
    return new Promise((resolve) => c.metadata.waitForReady(deadline.callDeadline(this.options.connectWaitMs), (err) => resolve(!err)));
  }

  /** The route's leader id, asking for metadata until one is known (a leader is being elected). */
  private async resolveLeader(route: Route, deadline: Deadline): Promise<number> {
    const backoff = new Backoff(this.options.backoffMinMs, this.options.backoffMaxMs);
    for (;;) {
      const id = route.leader();
      if (id !== undefined && this.nodes.has(id)) return id;
      await this.metadata(route.key === 'controller' ? [] : [route.key.slice(0, route.key.lastIndexOf('/'))], deadline);
      const after = route.leader();
      if (after !== undefined && this.nodes.has(after)) return after;
      if (deadline.expired()) throw deadline.fail(`${route.key}: no leader known`);
      await backoff.wait(deadline);
    }
  }

  private setLeader(route: Route, nodeId: number): void {
    if (route.key === 'controller') this.controllerId = nodeId;
    else this.leaders.set(route.key, nodeId);
  }

  private forgetLeader(route: Route): void {
    if (route.key === 'controller') this.controllerId = 0;
    else this.leaders.delete(route.key);
  }

  private absorb(md: MetadataResponse__Output): void {
    for (const n of md.nodes) this.nodes.set(n.nodeId, { host: n.host, port: n.port });
    this.controllerId = md.controllerId;
    for (const t of md.topics) {
      for (const p of t.partitions) {
        const key = partitionKey(t.name, p.partition);
        if (p.leaderId === 0) this.leaders.delete(key);
        else this.leaders.set(key, p.leaderId);
      }
    }
  }

  private metadataCandidates(): HostPort[] {
    const seen = new Set<string>();
    const out: HostPort[] = [];
    for (const a of [...this.nodes.values(), ...this.bootstrap]) {
      const k = addressOf(a);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(a);
      }
    }
    return out;
  }

  private conn(address: HostPort): Conn {
    const key = addressOf(address);
    let c = this.conns.get(key);
    if (!c) {
      const { runnel } = loadGrpcObject();
      const creds = grpc.credentials.createInsecure();
      const channel = new grpc.Channel(key, creds, {});
      const options = { channelOverride: channel };
      c = {
        channel,
        produce: new runnel.v1.ProduceService(key, creds, options),
        fetch: new runnel.v1.FetchService(key, creds, options),
        metadata: new runnel.v1.MetadataService(key, creds, options),
        admin: new runnel.v1.AdminService(key, creds, options),
      };
      this.conns.set(key, c);
    }
    return c;
  }
}

/** Definite failures worth retrying elsewhere or later (no leader yet, metadata not yet propagated). */
const retriableDefinite = new Set<string>([
  'RUNNEL_ERR_PROPOSAL_DROPPED',
  'RUNNEL_ERR_PROPOSAL_SUPERSEDED',
  'RUNNEL_ERR_UNKNOWN_TOPIC',
  'RUNNEL_ERR_UNKNOWN_PARTITION',
]);

function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}
