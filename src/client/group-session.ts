/**
 * A group consumer's background work, on one timer independent of `poll`: heartbeats (membership in
 * group-membership.ts), starting assigned partitions at their committed offsets, releasing revoked
 * ones (stop fetching, commit with auto-commit, then the next heartbeat at once), auto-commits, and
 * the final commit and leave on close. One step runs at a time; every call has a deadline; the timer
 * is cleared on close.
 *
 * The consumer owns the positions (PartitionHost). What is committed is the *consumed* position:
 * where the consumer stood when `poll` was last called, i.e. past every record handed out by the
 * polls before it (Kafka commits in `poll` for the same reason); `commit()` and `close()` commit
 * the current position, past every record handed out.
 */
import { RunnelError } from '../core/index.js';
import type { ConsumerGroupHeartbeatRequest } from '../api/generated/runnel/v1/ConsumerGroupHeartbeatRequest.js';
import type { ConsumerGroupHeartbeatResponse__Output } from '../api/generated/runnel/v1/ConsumerGroupHeartbeatResponse.js';
import { sleep, type Conn, type Connections, type ResolvedClientOptions } from './connection.js';
import { GroupCoordinator } from './group-coordinator.js';
import { GroupMembership } from './group-membership.js';
import { fetchCommitted } from './group-offsets.js';
import { fromGroupTopicPartitions, tpKey, type TopicPartitionOffset } from './group-partitions.js';
import type { MetadataCache } from './metadata-cache.js';
import { OffsetCommitter } from './offset-committer.js';
import type { TopicPartition } from './record-accumulator.js';

export interface GroupConfig {
  readonly groupId: string;
  readonly clientId: string;
  readonly sessionTimeoutMs: number;
  readonly enableAutoCommit: boolean;
  readonly autoCommitIntervalMs: number;
  /** Kafka's ConsumerRebalanceListener.onPartitionsRevoked: called with the current positions of partitions being taken away, before they are released (the app may commit them). */
  readonly onPartitionsRevoked?: (revoked: readonly TopicPartitionOffset[]) => void | Promise<void>;
}

/** The consumer's side: its positions. */
export interface PartitionHost {
  /** Start fetching `tp` at `committedOffset`, or per autoOffsetReset when it is -1. */
  start(tp: TopicPartition, committedOffset: number): void;
  /** Stop fetching `tps`; returns their consumed and current positions (none for a partition not read yet). */
  stop(tps: readonly TopicPartition[]): { consumed: TopicPartitionOffset[]; current: TopicPartitionOffset[] };
  /** The consumed positions of every partition being fetched. */
  consumed(): TopicPartitionOffset[];
}

/** The timer wakes at least this often (to notice an expired session). */
const WAKE_MS_MAX = 1_000;

const fencedCodes: ReadonlySet<string> = new Set(['RUNNEL_ERR_UNKNOWN_MEMBER_ID', 'RUNNEL_ERR_FENCED_MEMBER_EPOCH']);

export class GroupSession {
  readonly coordinator: GroupCoordinator;
  private readonly membership: GroupMembership;
  private readonly committer: OffsetCommitter;
  // Assigned, committed offset not read yet; the value's identity marks one assignment of the partition.
  private readonly unstarted = new Map<string, { tp: TopicPartition }>();
  private starting = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private step: Promise<void> | undefined;
  private closed = false;
  private nextAutoCommitMs: number;

  constructor(
    conns: Connections,
    metadata: MetadataCache,
    private readonly options: ResolvedClientOptions,
    private readonly config: GroupConfig,
    private readonly host: PartitionHost,
  ) {
    this.coordinator = new GroupCoordinator(conns, metadata, options, config.groupId);
    this.membership = new GroupMembership(config, Date.now());
    this.committer = new OffsetCommitter(this.coordinator);
    this.nextAutoCommitMs = Date.now() + config.autoCommitIntervalMs;
  }

  /** Joins (or changes the subscription) at once. */
  subscribe(topics: readonly string[]): void {
    this.membership.subscribe(topics, Date.now());
    this.schedule();
  }

  /**
   * Commits `offsets` (each the next offset to read) of owned partitions; offsets that would not move
   * a partition forward are left out. Throws the first partition's failure.
   */
  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const results = await this.committer.commit(() => this.membership, offsets, Date.now() + this.options.operationTimeoutMs);
    const failed = [...results.values()].find((e) => e !== null);
    if (failed) throw failed;
  }

  /** Stops the timer, commits `finalOffsets` with auto-commit, and leaves the group (best effort, bounded). */
  async close(finalOffsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    if (this.step) await Promise.race([this.step, sleep(this.options.requestTimeoutMs)]);
    const deadlineMs = Date.now() + this.options.requestTimeoutMs;
    if (this.config.enableAutoCommit && this.membership.joined) await this.commitConsumed(finalOffsets).catch(() => undefined);
    const leave = this.membership.leaveRequest();
    if (leave) await this.sendHeartbeat(leave, deadlineMs).catch(() => undefined);
  }

  private schedule(): void {
    if (this.closed || this.step) return;
    clearTimeout(this.timer);
    const now = Date.now();
    const at = Math.min(
      this.membership.nextHeartbeatAtMs(),
      this.config.enableAutoCommit ? this.nextAutoCommitMs : Infinity,
      this.unstarted.size > 0 && !this.starting ? now + this.options.retryBackoffMs : Infinity,
    );
    this.timer = setTimeout(() => {
      this.step = this.tick()
        .catch(() => undefined) // every failure is retried by a later step
        .finally(() => {
          this.step = undefined;
          this.schedule();
        });
    }, Math.max(0, Math.min(WAKE_MS_MAX, at - now)));
  }

  private async tick(): Promise<void> {
    if (this.membership.sessionExpired(Date.now())) this.drop(this.membership.fenced(Date.now()));
    if (this.membership.nextHeartbeatAtMs() <= Date.now()) await this.heartbeat();
    if (this.config.enableAutoCommit && Date.now() >= this.nextAutoCommitMs) {
      this.nextAutoCommitMs = Date.now() + this.config.autoCommitIntervalMs;
      void this.commitConsumed(this.host.consumed()).catch(() => undefined); // queued behind earlier commits; retried at the next interval
    }
    if (this.unstarted.size > 0 && !this.starting) {
      this.starting = true;
      void this.startAssigned().finally(() => {
        this.starting = false;
        this.schedule();
      });
    }
  }

  private async heartbeat(): Promise<void> {
    const req = this.membership.heartbeatRequest();
    let res: ConsumerGroupHeartbeatResponse__Output;
    try {
      res = await this.sendHeartbeat(req, Date.now() + Math.min(this.options.requestTimeoutMs, this.config.sessionTimeoutMs));
    } catch (err) {
      if (err instanceof RunnelError && fencedCodes.has(err.code)) this.drop(this.membership.fenced(Date.now()));
      else this.membership.onRetriableError(Date.now(), this.options.retryBackoffMaxMs);
      return;
    }
    const delta = this.membership.onAnswer(Date.now(), { ...res, assignment: fromGroupTopicPartitions(res.assignment) });
    for (const tp of delta.assigned) this.unstarted.set(tpKey(tp), { tp });
    if (delta.revoked.length > 0) await this.revoke(delta.revoked);
  }

  private sendHeartbeat(req: ConsumerGroupHeartbeatRequest, deadlineMs: number): Promise<ConsumerGroupHeartbeatResponse__Output> {
    const method = (c: Conn) => c.group.ConsumerGroupHeartbeat.bind(c.group);
    return this.coordinator.request<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse__Output>('ConsumerGroupHeartbeat', deadlineMs, method, req);
  }

  /**
   * Stop fetching, tell the listener, commit (with auto-commit), and release: the next heartbeat goes
   * at once. The listener and the commit each get at most `requestTimeoutMs`.
   */
  private async revoke(tps: readonly TopicPartition[]): Promise<void> {
    for (const tp of tps) this.unstarted.delete(tpKey(tp));
    const { consumed, current } = this.host.stop(tps);
    const listener = this.config.onPartitionsRevoked;
    if (listener) await Promise.race([Promise.resolve().then(() => listener(current)), sleep(this.options.requestTimeoutMs)]).catch(() => undefined);
    if (this.config.enableAutoCommit) await this.commitConsumed(consumed).catch(() => undefined);
    this.membership.released(tps, Date.now());
  }

  /** Fenced or expired: stop everything, commit nothing. */
  private drop(tps: readonly TopicPartition[]): void {
    this.unstarted.clear();
    this.host.stop(tps);
  }

  /** Commits positions of partitions still owned (revoked ones included, until released). */
  private commitConsumed(offsets: readonly TopicPartitionOffset[]): Promise<unknown> {
    const mine = offsets.filter((o) => this.membership.owns(o));
    return this.committer.commit(() => this.membership, mine, Date.now() + this.options.requestTimeoutMs);
  }

  /** Reads the committed offsets of newly assigned partitions and starts those still assigned. */
  private async startAssigned(): Promise<void> {
    const batch = [...this.unstarted.values()];
    let committed: Map<string, number>;
    try {
      committed = await fetchCommitted(this.coordinator, batch.map((b) => b.tp), Date.now() + this.options.requestTimeoutMs);
    } catch {
      return; // retried by the next step
    }
    if (this.closed) return;
    for (const b of batch) {
      const k = tpKey(b.tp);
      if (this.unstarted.get(k) !== b || !this.membership.consumes(b.tp)) continue; // revoked (and maybe re-assigned) meanwhile
      this.unstarted.delete(k);
      const offset = committed.get(k) ?? -1;
      this.committer.tracker.started(b.tp, offset);
      this.host.start(b.tp, offset);
    }
  }
}
