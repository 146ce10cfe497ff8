/**
 * The consumer: manually assigned partitions; `subscribe(topics)` to every partition of the topics,
 * following partitions added later (subscription.ts); or, with `groupId`, `subscribe(topics)` as a
 * member of a consumer group, consuming the partitions its coordinator assigns (group-session.ts),
 * from their committed offsets, with `commit()` and auto-commit. Positions set by `seek`,
 * `seekToBeginning`/`seekToEnd` or `autoOffsetReset` (resolved with ListOffsets on the leader), and
 * `poll(maxWaitMs)`: one Fetch long-poll per partition leader, records in per-partition offset order.
 * NOT_LEADER follows the hint or refreshes metadata; OFFSET_OUT_OF_RANGE resets per `autoOffsetReset`.
 */
import { RunnelError } from '../core/index.js';
import type { FetchRequest } from '../api/generated/runnel/v1/FetchRequest.js';
import type { FetchResponse__Output } from '../api/generated/runnel/v1/FetchResponse.js';
import { Connections, itemError, resolveClientOptions, sleep, unanswered, unary, type ClientOptions, type ResolvedClientOptions } from './connection.js';
import { PartitionPositions, type PositionEntry, type ResetSpec } from './consumer-positions.js';
import { GroupSession } from './group-session.js';
import { tpKey, type TopicPartitionOffset } from './group-partitions.js';
import { leaderOffset } from './leader-offsets.js';
import { MetadataCache } from './metadata-cache.js';
import type { TopicPartition } from './record-accumulator.js';
import { Subscription } from './subscription.js';
import type { ConsumerRecord } from './fetched-records.js';
import { CompletedFetch, FetchBuffer, MAX_POLL_RECORDS_DEFAULT } from './fetch-buffer.js';
import { FetchRound, firstUseful, OutstandingRounds, type FetchOutcome, type FetchPart } from './fetch-round.js';

export type { ConsumerRecord } from './fetched-records.js';

export interface ConsumerOptions extends ClientOptions {
  /** Where to start a partition without a position: 'earliest' (Kafka's --from-beginning) or 'latest' (default). */
  readonly autoOffsetReset?: 'earliest' | 'latest';
  /** Bytes of one Fetch response at most, and per partition. */
  readonly fetchMaxBytes?: number;
  readonly partitionMaxBytes?: number;
  /**
   * Kafka's max.poll.records: records one `poll` returns at most (default 500). The rest of a Fetch
   * answer stays buffered as the fetched bytes and is decoded by the next polls (fetch-buffer.ts).
   */
  readonly maxPollRecords?: number;
  /**
   * With `subscribe`: how old metadata may get before `poll` refreshes it, so partitions added to
   * the topics are picked up (Kafka's metadata.max.age.ms, 5 min there; 5 s here, as it is also how
   * long a new partition waits to be read).
   */
  readonly metadataMaxAgeMs?: number;
  /** Kafka's group.id: with it, `subscribe` joins this consumer group. */
  readonly groupId?: string;
  /** Kafka's client.id, shown by describe. */
  readonly clientId?: string;
  /** Commit consumed positions every `autoCommitIntervalMs`, on revocation and on close (default true). */
  readonly enableAutoCommit?: boolean;
  readonly autoCommitIntervalMs?: number;
  /** The coordinator drops a member it has not heard from for this long (default 45 s; 1 s..300 s). */
  readonly sessionTimeoutMs?: number;
  /**
   * Kafka's ConsumerRebalanceListener.onPartitionsRevoked: in a group, called with the current
   * positions of partitions being moved to another member, after they stopped being fetched and
   * before they are released — the place to `commit(revoked)` without auto-commit.
   */
  readonly onPartitionsRevoked?: (revoked: readonly TopicPartitionOffset[]) => void | Promise<void>;
}



export class Consumer {
  private readonly options: ResolvedClientOptions;
  private readonly conns: Connections;
  readonly metadata: MetadataCache;
  private readonly positions = new PartitionPositions();
  private readonly outstanding = new OutstandingRounds();
  private readonly buffer = new FetchBuffer();
  private readonly maxPollRecords: number;
  /** "topic/partition" -> the highest high watermark a fetch answer has shown (see outOfRange). */
  private readonly highWatermarks = new Map<string, number>();
  private readonly resetSpec: ResetSpec;
  private readonly fetchMaxBytes: number;
  private readonly partitionMaxBytes: number;
  private readonly metadataMaxAgeMs: number;
  // Set while subscribed; then `positions` follows it and assign() is refused.
  private subscription: Subscription | undefined;
  private readonly groupOptions: ConsumerOptions;
  // Set while subscribed in a group; then `positions` follows its assignment and assign() is refused.
  private group: GroupSession | undefined;
  // A group left by unsubscribe(): close() waits for its final commit and leave.
  private leaving: Promise<void> = Promise.resolve();

  constructor(options: ConsumerOptions) {
    this.options = resolveClientOptions(options);
    this.conns = new Connections(this.options.tls);
    this.metadata = new MetadataCache(this.conns, this.options);
    this.resetSpec = options.autoOffsetReset === 'earliest' ? 'OFFSET_SPEC_EARLIEST' : 'OFFSET_SPEC_LATEST';
    this.fetchMaxBytes = options.fetchMaxBytes ?? 4 << 20;
    this.partitionMaxBytes = options.partitionMaxBytes ?? 1 << 20;
    this.metadataMaxAgeMs = options.metadataMaxAgeMs ?? 5_000;
    this.maxPollRecords = options.maxPollRecords ?? MAX_POLL_RECORDS_DEFAULT;
    if (!Number.isSafeInteger(this.maxPollRecords) || this.maxPollRecords < 1) {
      throw new RunnelError('RUNNEL_ERR_INVALID_CONFIG', [`maxPollRecords must be a positive integer, got ${this.maxPollRecords}`]);
    }
    this.groupOptions = options;
    if (options.groupId !== undefined && (options.groupId.length === 0 || options.groupId.length > 249)) {
      throw new RunnelError('RUNNEL_ERR_INVALID_CONFIG', ['groupId must have 1..249 characters']);
    }
  }

  /**
   * Reads every partition of `topics`, now and as partitions are added (replacing an earlier
   * subscription; partitions still subscribed keep their position). Partitions that exist now start
   * per `autoOffsetReset`; those that appear later, from the earliest offset (subscription.ts). A
   * topic that does not exist yet is read from its start once it is created. Resolves to the
   * partitions assigned now. Refused while partitions are assigned with `assign`.
   */
  async subscribe(topics: readonly string[]): Promise<TopicPartition[]> {
    if (this.subscription === undefined && this.group === undefined && this.positions.size > 0) throw mixedAssignment();
    if (topics.length === 0) {
      this.unsubscribe();
      return [];
    }
    if (this.groupOptions.groupId !== undefined) return this.subscribeInGroup(this.groupOptions.groupId, topics);
    const sub = new Subscription(topics, this.metadataMaxAgeMs);
    this.subscription = sub;
    for (const [k, e] of this.positions) if (!sub.topics.includes(e.tp.topic)) this.positions.delete(k);
    await this.refreshSubscription(sub);
    return this.assignment();
  }

  /** Kafka's group.id, if this consumer was given one. */
  get groupId(): string | undefined {
    return this.groupOptions.groupId;
  }

  /**
   * With `groupId`: joins the group (or changes this member's subscription). The coordinator assigns
   * partitions asynchronously, so this resolves at once to those assigned so far (usually none yet);
   * each starts at the group's committed offset, or per `autoOffsetReset` without one.
   */
  private subscribeInGroup(groupId: string, topics: readonly string[]): TopicPartition[] {
    if (this.group === undefined) {
      const o = this.groupOptions;
      const config = {
        groupId,
        clientId: o.clientId ?? '',
        sessionTimeoutMs: o.sessionTimeoutMs ?? 45_000,
        enableAutoCommit: o.enableAutoCommit ?? true,
        autoCommitIntervalMs: o.autoCommitIntervalMs ?? 5_000,
        ...(o.onPartitionsRevoked ? { onPartitionsRevoked: o.onPartitionsRevoked } : {}),
      };
      this.group = new GroupSession(this.conns, this.metadata, this.options, config, this.positions.host(this.resetSpec));
    }
    this.group.subscribe(topics);
    return this.assignment();
  }

  /** Ends the subscription (leaving the group, after a final auto-commit) or the manual assignment. */
  unsubscribe(): void {
    this.subscription = undefined;
    if (this.group) this.leaving = this.group.close(this.positions.currentOffsets());
    this.group = undefined;
    this.positions.clear();
    this.buffer.clear();
  }

  /**
   * Commits to the group (`groupId` required): `offsets` (each the next offset to read), or by
   * default the current position of every partition consumed — past every record `poll` returned.
   * Offsets that would move a partition's committed offset backward are left out. Throws the first
   * partition's failure (e.g. RUNNEL_ERR_FENCED_MEMBER_EPOCH for a partition no longer owned).
   */
  async commit(offsets?: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.group === undefined) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['commit() needs a consumer group: set groupId and subscribe()']);
    await this.group.commit(offsets ?? this.positions.currentOffsets());
  }

  /** Replaces the assignment. Partitions keep their position if they were assigned before. */
  assign(tps: readonly TopicPartition[]): void {
    if (this.subscription !== undefined || this.group !== undefined) throw mixedAssignment();
    const old = new Map(this.positions);
    this.positions.clear();
    for (const tp of tps) {
      this.positions.set(tpKey(tp), old.get(tpKey(tp)) ?? { tp: { topic: tp.topic, partition: tp.partition }, pos: { kind: 'reset', spec: this.resetSpec } });
    }
  }

  /** Assigns every partition of `topic` (RUNNEL_ERR_UNKNOWN_TOPIC if it does not exist). */
  async assignTopic(topic: string): Promise<TopicPartition[]> {
    if (this.subscription !== undefined || this.group !== undefined) throw mixedAssignment();
    const info = await this.metadata.requireTopic(topic);
    const tps = info.partitions.map((p) => ({ topic, partition: p.partition }));
    this.assign([...this.assignment().filter((tp) => tp.topic !== topic), ...tps]);
    return tps;
  }

  assignment(): TopicPartition[] {
    return [...this.positions.values()].map((p) => p.tp);
  }

  seek(tp: TopicPartition, offset: number): void {
    this.entry(tp).pos = { kind: 'offset', offset };
  }

  seekToBeginning(tps: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of tps) this.entry(tp).pos = { kind: 'reset', spec: 'OFFSET_SPEC_EARLIEST' };
  }

  seekToEnd(tps: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of tps) this.entry(tp).pos = { kind: 'reset', spec: 'OFFSET_SPEC_LATEST' };
  }

  /** The next offset to be read, or undefined while it is still to be resolved. */
  position(tp: TopicPartition): number | undefined {
    const p = this.entry(tp).pos;
    return p.kind === 'offset' ? p.offset : undefined;
  }

  /**
   * Returns up to `maxPollRecords` records (possibly none), per partition in offset order, and
   * advances the positions past them: buffered ones at once, else fetched from every assigned
   * partition's leader, waiting up to `maxWaitMs` for records.
   */
  async poll(maxWaitMs: number): Promise<ConsumerRecord[]> {
    const deadline = Date.now() + maxWaitMs;
    const sub = this.subscription;
    this.positions.markConsumed();
    if (this.group !== undefined) await this.awaitGroupPartitions(deadline);
    else if (sub === undefined) await this.requireAssignedTopics();
    else if (sub.due(Date.now())) await this.refreshSubscription(sub).catch(() => undefined); // retried at the next poll
    await this.resolvePositions();
    const buffered = this.buffer.drain(this.maxPollRecords, this.positions);
    if (buffered.length > 0) {
      this.prefetch();
      return buffered;
    }
    const { byLeader, leaderless } = this.partsByLeader();
    if (leaderless) await this.metadata.refresh([...new Set(this.assignment().map((tp) => tp.topic))]).catch(() => undefined);
    if (byLeader.size === 0) {
      // Nothing assigned (subscribed topics not created yet): wait the whole poll; else retry soon.
      await sleep(Math.min(this.positions.size === 0 ? maxWaitMs : this.options.retryBackoffMs, deadline - Date.now()));
      return [];
    }
    const waitMs = Math.max(0, deadline - Date.now());
    const rounds = [...byLeader].map(([address, parts]) => this.outstanding.take(address, parts) ?? this.startRound(address, parts, waitMs));
    await firstUseful(rounds, waitMs);
    for (const r of rounds) {
      if (r.settled === undefined) this.outstanding.put(r);
      else await this.applyRound(r, r.settled);
    }
    const records = this.buffer.drain(this.maxPollRecords, this.positions);
    if (records.length > 0) this.prefetch();
    return records;
  }

  /**
   * Starts the next round for every leader without one in flight, at the positions now, without
   * waiting for data — except leaders caught up at these positions (fetch-round.ts).
   */
  private prefetch(): void {
    for (const [address, parts] of this.partsByLeader().byLeader) {
      if (this.outstanding.answeredEmpty(address, parts)) continue;
      const kept = this.outstanding.take(address, parts);
      this.outstanding.put(kept ?? this.startRound(address, parts, 0));
    }
  }

  /**
   * The assigned partitions to fetch (with a position and no records buffered there), by their
   * leader's address; `leaderless` when some have no known leader (left out).
   */
  private partsByLeader(): { byLeader: Map<string, FetchPart[]>; leaderless: boolean } {
    const byLeader = new Map<string, FetchPart[]>();
    let leaderless = false;
    for (const [key, { tp, pos }] of this.positions) {
      if (pos.kind !== 'offset' || this.buffer.holds(key, pos.offset)) continue;
      const address = this.metadata.leaderAddress(tp.topic, tp.partition);
      if (address === undefined) {
        leaderless = true;
        continue;
      }
      const list = byLeader.get(address);
      if (list === undefined) byLeader.set(address, [{ tp, offset: pos.offset }]);
      else list.push({ tp, offset: pos.offset });
    }
    return { byLeader, leaderless };
  }

  /** Closes the connections; in a group, first commits the current positions (with auto-commit) and leaves. */
  async close(): Promise<void> {
    const group = this.group;
    this.group = undefined;
    if (group) await group.close(this.positions.currentOffsets());
    await this.leaving;
    this.outstanding.clear();
    this.buffer.clear();
    this.conns.close();
  }

  /** In a group: waits (until `deadline`) for partitions to be assigned, and looks up the leaders of those started. */
  private async awaitGroupPartitions(deadline: number): Promise<void> {
    while (this.positions.size === 0 && this.group !== undefined && Date.now() < deadline) await sleep(Math.min(GROUP_ASSIGNMENT_WAIT_MS, deadline - Date.now()));
    const leaderless = [...this.positions.values()].filter((e) => this.metadata.leaderAddress(e.tp.topic, e.tp.partition) === undefined);
    if (leaderless.length > 0) await this.metadata.refresh([...new Set(leaderless.map((e) => e.tp.topic))]).catch(() => undefined);
  }

  private async requireAssignedTopics(): Promise<void> {
    if (this.positions.size === 0) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['poll without an assignment or subscription']);
    for (const t of new Set(this.assignment().map((tp) => tp.topic))) await this.metadata.requireTopic(t);
  }

  /** Fresh metadata for the subscribed topics; start the partitions that appeared, drop those gone. */
  private async refreshSubscription(sub: Subscription): Promise<void> {
    await this.metadata.refresh(sub.topics);
    if (this.subscription !== sub) return; // unsubscribed or replaced meanwhile
    const change = sub.update(Date.now(), (topic) => {
      const t = this.metadata.topic(topic);
      return t && { topicId: t.topicId, partitions: t.partitions.map((p) => p.partition) };
    });
    for (const tp of change.removed) this.positions.delete(tpKey(tp));
    for (const { tp, fromStart } of change.added) {
      if (this.positions.has(tpKey(tp))) continue;
      this.positions.set(tpKey(tp), { tp, pos: { kind: 'reset', spec: fromStart ? 'OFFSET_SPEC_EARLIEST' : this.resetSpec } });
    }
  }

  private startRound(address: string, parts: readonly FetchPart[], waitMs: number): FetchRound {
    const byTopic = new Map<string, { partition: number; fetchOffset: number; maxBytes: number }[]>();
    for (const p of parts) byTopic.set(p.tp.topic, [...(byTopic.get(p.tp.topic) ?? []), { partition: p.tp.partition, fetchOffset: p.offset, maxBytes: this.partitionMaxBytes }]);
    const conn = this.conns.get(address);
    const call = unary<FetchRequest, FetchResponse__Output>(
      conn.fetch.Fetch.bind(conn.fetch),
      { maxWaitMs: waitMs, minBytes: 1, maxBytes: this.fetchMaxBytes, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })), recordBatches: true },
      waitMs + this.options.requestTimeoutMs,
    );
    return new FetchRound(address, parts, call);
  }

  /** Buffers a settled round's batches for positions that did not move meanwhile. Fetch errors are handled here. */
  private async applyRound(round: FetchRound, outcome: FetchOutcome): Promise<void> {
    const { address, parts } = round;
    const sent = new Map(parts.map((p) => [tpKey(p.tp), p.offset]));
    const topics = new Set(parts.map((p) => p.tp.topic));
    if ('err' in outcome) {
      const err = outcome.err;
      // A fetch changes nothing: after a failure, look the leaders up again and let the next poll retry.
      if (err instanceof RunnelError && err.code === 'RUNNEL_ERR_NOT_LEADER') {
        for (const p of parts) this.metadata.onNotLeader(p.tp.topic, p.tp.partition, err);
        return;
      }
      if (unanswered(err)) this.metadata.noteUnanswered(address);
      await this.metadata.refresh([...topics]).catch(() => undefined);
      if (err instanceof RunnelError && err.definite && err.code !== 'RUNNEL_ERR_PROPOSAL_DROPPED') throw err;
      return;
    }
    const res = outcome.res;
    for (const t of res.topics) {
      for (const p of t.partitions) {
        const tp = { topic: t.topic, partition: p.partition };
        const entry = this.positions.get(tpKey(tp));
        // Moved meanwhile (seek, revoked and assigned again): this answer is for another position.
        if (entry === undefined || entry.pos.kind !== 'offset' || entry.pos.offset !== sent.get(tpKey(tp))) continue;
        const err = itemError(p.error);
        if (err) {
          if (err.code === 'RUNNEL_ERR_NOT_LEADER') this.metadata.onNotLeader(tp.topic, tp.partition, err);
          else if (err.code === 'RUNNEL_ERR_OFFSET_OUT_OF_RANGE') this.outOfRange(entry, Number(p.logStartOffset));
          else if (err.code === 'RUNNEL_ERR_UNKNOWN_PARTITION' || err.code === 'RUNNEL_ERR_PROPOSAL_DROPPED') await this.metadata.refresh([tp.topic]).catch(() => undefined);
          else if (err.code === 'RUNNEL_ERR_UNKNOWN_TOPIC' && this.subscription !== undefined) this.subscription.expire(); // deleted: drop it at the next poll
          else throw err;
          continue;
        }
        const from = entry.pos.offset;
        this.highWatermarks.set(tpKey(tp), Math.max(this.highWatermarks.get(tpKey(tp)) ?? 0, Number(p.highWatermark)));
        if (p.recordBatches.length > 0) this.buffer.add(new CompletedFetch(tp, from, p.recordBatches, p.nextOffset));
        else if (p.nextOffset > from) entry.pos = { kind: 'offset', offset: p.nextOffset };
      }
    }
  }

  /**
   * Kafka's offsetsForTimes/beginningOffsets/endOffsets in one: ListOffsets on each partition's
   * leader for `spec` ('earliest', 'latest' or a timestamp in ms); retries NOT_LEADER after a refresh.
   */
  async listOffsets(tps: readonly TopicPartition[], spec: 'earliest' | 'latest' | number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const offsetSpec = spec === 'earliest' ? 'OFFSET_SPEC_EARLIEST' : spec === 'latest' ? 'OFFSET_SPEC_LATEST' : 'OFFSET_SPEC_TIMESTAMP';
    const timestampMs = typeof spec === 'number' ? spec : 0;
    const deadline = Date.now() + this.options.operationTimeoutMs;
    for (const tp of tps) {
      for (;;) {
        const r = await leaderOffset(this.conns, this.metadata, this.options.requestTimeoutMs, tp, offsetSpec, timestampMs);
        if ('offset' in r) {
          out.set(tpKey(tp), r.offset);
          break;
        }
        if (Date.now() >= deadline) {
          throw r.retry ?? new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`no leader for ${tp.topic}-${tp.partition}`]);
        }
        await this.metadata.refresh([tp.topic]).catch(() => undefined);
        await sleep(100);
      }
    }
    return out;
  }

  /**
   * OFFSET_OUT_OF_RANGE resets the position (autoOffsetReset), except above a high watermark this
   * consumer has already seen for the partition: that offset was committed, so it is on every future
   * leader (Raft), and a new leader that has not yet applied up to it answers out of range for a
   * moment (Kafka's OFFSET_NOT_AVAILABLE case). Resetting there would re-read the partition from the
   * start, or skip ahead; the position is kept and the next poll tries again.
   */
  private outOfRange(entry: PositionEntry, logStartOffset: number): void {
    if (entry.pos.kind !== 'offset') return;
    const seen = this.highWatermarks.get(tpKey(entry.tp)) ?? -1;
    if (entry.pos.offset >= logStartOffset && entry.pos.offset <= seen) return; // committed: the leader will get there
    entry.pos = { kind: 'reset', spec: this.resetSpec };
  }

  /** Turns 'reset' positions into offsets with ListOffsets on each partition's leader (the next poll retries the rest). */
  private async resolvePositions(): Promise<void> {
    const pending = [...this.positions.values()].filter((e) => e.pos.kind === 'reset');
    for (const e of pending) {
      if (e.pos.kind !== 'reset' || this.metadata.leaderAddress(e.tp.topic, e.tp.partition) === undefined) continue;
      const r = await leaderOffset(this.conns, this.metadata, this.options.requestTimeoutMs, e.tp, e.pos.spec, 0);
      if ('offset' in r) e.pos = { kind: 'offset', offset: r.offset };
      else if (r.retry?.code !== 'RUNNEL_ERR_NOT_LEADER') await this.metadata.refresh([e.tp.topic]).catch(() => undefined);
    }
  }

  private entry(tp: TopicPartition): PositionEntry {
    const e = this.positions.get(tpKey(tp));
    if (e === undefined) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`${tp.topic}-${tp.partition} is not assigned`]);
    return e;
  }
}

/** How often a group consumer's poll looks for its first partitions while it has none. */
const GROUP_ASSIGNMENT_WAIT_MS = 50;

function mixedAssignment(): RunnelError {
  return new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['assign() and subscribe() are mutually exclusive; call unsubscribe() first']);
}
