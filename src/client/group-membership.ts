/**
 * A consumer's membership in a group (KIP-848's member side), as a pure state machine: time arrives
 * as `nowMs`, answers as plain values; the group session (group-session.ts) sends what it asks for.
 *
 * Life: join (member id '', epoch 0, with the subscription) → heartbeat every `heartbeatIntervalMs`
 * with the current epoch and the partitions owned → each answer's assignment is every partition the
 * member may consume now: those not owned yet are `assigned` (owned at once), those owned but missing
 * are `revoked` — still owned (and reported) until the session has stopped fetching them, committed
 * their offsets and called `released`, which makes the next heartbeat due at once. Fenced (UNKNOWN_MEMBER_ID,
 * FENCED_MEMBER_EPOCH, or no answer for a whole session): every partition is dropped without
 * committing and the member joins again. Leaving sends epoch -1 once and ends the membership.
 */
import { assert } from '../core/index.js';
import type { ConsumerGroupHeartbeatRequest } from '../api/generated/runnel/v1/ConsumerGroupHeartbeatRequest.js';
import { toGroupTopicPartitions, tpKey } from './group-partitions.js';
import type { TopicPartition } from './record-accumulator.js';

export interface MembershipConfig {
  readonly groupId: string;
  readonly clientId: string;
  /** The coordinator fences the member after this long without a heartbeat; so does the member itself. */
  readonly sessionTimeoutMs: number;
}

/** A successful heartbeat answer. */
export interface HeartbeatAnswer {
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly heartbeatIntervalMs: number;
  readonly assignment: readonly TopicPartition[];
}

export interface AssignmentDelta {
  /** Newly owned: start consuming (from the committed offset). */
  readonly assigned: readonly TopicPartition[];
  /** Being moved away: stop fetching, commit, then `released`. */
  readonly revoked: readonly TopicPartition[];
}

/** Before the first answer (and until the coordinator says otherwise): how often to heartbeat. */
const HEARTBEAT_INTERVAL_MS_DEFAULT = 3_000;

export class GroupMembership {
  private memberIdValue = '';
  private memberEpochValue = 0;
  // revoking ⊆ owned: a revoked partition is owned until released.
  private readonly owned = new Map<string, TopicPartition>();
  private readonly revoking = new Set<string>();
  private topics: readonly string[] = [];
  private topicsUnsent = true;
  private inFlight = false;
  private left = false;
  private nextAtMs: number;
  private lastAnswerMs: number;
  private intervalMs: number;

  constructor(
    private readonly config: MembershipConfig,
    nowMs: number,
  ) {
    assert(config.sessionTimeoutMs > 0, 'sessionTimeoutMs must be positive');
    this.nextAtMs = nowMs;
    this.lastAnswerMs = nowMs;
    this.intervalMs = Math.min(HEARTBEAT_INTERVAL_MS_DEFAULT, Math.floor(config.sessionTimeoutMs / 3));
  }

  get memberId(): string {
    return this.memberIdValue;
  }

  get memberEpoch(): number {
    return this.memberEpochValue;
  }

  get heartbeatIntervalMs(): number {
    return this.intervalMs;
  }

  /** Joined: the coordinator gave this member an id and epoch. */
  get joined(): boolean {
    return this.memberIdValue !== '' && this.memberEpochValue > 0;
  }

  get hasLeft(): boolean {
    return this.left;
  }

  /** The subscription; a change is sent with the next heartbeat, at once. */
  subscribe(topics: readonly string[], nowMs: number): void {
    this.topics = [...new Set(topics)].sort();
    this.topicsUnsent = true;
    this.nextAtMs = Math.min(this.nextAtMs, nowMs);
  }

  /** Partitions owned now, revoked ones included (until released). */
  ownedPartitions(): TopicPartition[] {
    return [...this.owned.values()];
  }

  /** Owned, revoked or not: its offset may still be committed. */
  owns(tp: TopicPartition): boolean {
    return this.owned.has(tpKey(tp));
  }

  /** Owned and not being revoked: may be consumed. */
  consumes(tp: TopicPartition): boolean {
    return this.owned.has(tpKey(tp)) && !this.revoking.has(tpKey(tp));
  }

  /** When the next heartbeat is due; Infinity while one is in flight or after leaving. */
  nextHeartbeatAtMs(): number {
    return this.inFlight || this.left ? Infinity : this.nextAtMs;
  }

  /** The heartbeat to send now (one at a time: the answer or error must come before the next). */
  heartbeatRequest(): ConsumerGroupHeartbeatRequest {
    assert(!this.inFlight && !this.left, 'heartbeat while one is in flight or after leaving');
    this.inFlight = true;
    const joining = this.memberEpochValue === 0;
    return {
      groupId: this.config.groupId,
      memberId: this.memberIdValue,
      memberEpoch: this.memberEpochValue,
      subscribedTopicNames: joining || this.topicsUnsent ? [...this.topics] : [],
      ownedPartitions: toGroupTopicPartitions(this.owned.values()),
      sessionTimeoutMs: this.config.sessionTimeoutMs,
      clientId: this.config.clientId,
    };
  }

  /** A successful answer: the partitions to start and to give up. */
  onAnswer(nowMs: number, a: HeartbeatAnswer): AssignmentDelta {
    if (this.left) return { assigned: [], revoked: [] }; // an answer that arrived after leaving
    assert(this.inFlight, 'an answer without a heartbeat in flight');
    this.inFlight = false;
    assert(a.memberId !== '' && a.memberEpoch > 0, () => `bad heartbeat answer: member ${a.memberId} epoch ${a.memberEpoch}`);
    this.memberIdValue = a.memberId;
    this.memberEpochValue = a.memberEpoch;
    this.topicsUnsent = false;
    if (a.heartbeatIntervalMs > 0) this.intervalMs = a.heartbeatIntervalMs;
    this.lastAnswerMs = nowMs;
    this.nextAtMs = nowMs + this.intervalMs;
    const now = new Map(a.assignment.map((tp) => [tpKey(tp), { topic: tp.topic, partition: tp.partition }]));
    const revoked: TopicPartition[] = [];
    for (const [k, tp] of this.owned) {
      if (now.has(k) || this.revoking.has(k)) continue;
      this.revoking.add(k);
      revoked.push(tp);
    }
    const assigned: TopicPartition[] = [];
    for (const [k, tp] of now) {
      if (this.owned.has(k)) continue;
      this.owned.set(k, tp);
      assigned.push(tp);
    }
    return { assigned, revoked };
  }

  /** The heartbeat failed in a way worth retrying (coordinator moved or unreachable): again after `retryInMs`. */
  onRetriableError(nowMs: number, retryInMs: number): void {
    this.inFlight = false;
    this.nextAtMs = nowMs + retryInMs;
  }

  /**
   * The member is out of the group (UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH, or its session ran out):
   * returns every owned partition, to drop without committing; the next heartbeat joins again.
   */
  fenced(nowMs: number): TopicPartition[] {
    const dropped = this.ownedPartitions();
    this.owned.clear();
    this.revoking.clear();
    this.memberIdValue = '';
    this.memberEpochValue = 0;
    this.topicsUnsent = true;
    this.inFlight = false;
    this.lastAnswerMs = nowMs;
    this.nextAtMs = nowMs;
    return dropped;
  }

  /** Whether no answer came for a whole session while joined: the coordinator has fenced this member by now. */
  sessionExpired(nowMs: number): boolean {
    return this.joined && !this.left && nowMs - this.lastAnswerMs >= this.config.sessionTimeoutMs;
  }

  /** Revoked partitions the session stopped and committed: leave them out from now on; heartbeat at once. */
  released(tps: readonly TopicPartition[], nowMs: number): void {
    for (const tp of tps) {
      this.owned.delete(tpKey(tp));
      this.revoking.delete(tpKey(tp));
    }
    this.nextAtMs = Math.min(this.nextAtMs, nowMs);
  }

  /** The leave heartbeat (epoch -1), or undefined if never joined. Ends the membership either way. */
  leaveRequest(): ConsumerGroupHeartbeatRequest | undefined {
    const wasJoined = this.memberIdValue !== '';
    this.left = true;
    this.inFlight = false;
    const req: ConsumerGroupHeartbeatRequest = {
      groupId: this.config.groupId,
      memberId: this.memberIdValue,
      memberEpoch: -1,
      subscribedTopicNames: [],
      ownedPartitions: [],
      sessionTimeoutMs: this.config.sessionTimeoutMs,
      clientId: this.config.clientId,
    };
    this.owned.clear();
    this.revoking.clear();
    return wasJoined ? req : undefined;
  }
}
