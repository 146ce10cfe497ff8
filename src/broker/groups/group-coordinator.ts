import { RunnelError, type Clock, type GroupId, type Logger, type NodeId } from '../../core/index.js';
import type { MultiRaft } from '../../multiraft/index.js';
import { StateType } from '../../raft/index.js';
import { withTimeout } from '../errors.js';
import { splitTpKey, tpKey, type TpKey } from './assignor.js';
import { encodeGroupCommand, type CommittedOffsetInput } from './group-command.js';
import { GroupMembership, type GroupState, type HeartbeatIn, type HeartbeatOut, type MemberView } from './group-membership.js';
import type { CommittedOffset, OffsetsStateMachine } from './offsets-state.js';

/** How long an expiry waits for its persisted membership (nobody waits for the answer). */
const BROKER_GROUP_PERSIST_TIMEOUT_MS = 30_000;

/** The internal topic that holds consumer groups (Kafka's name). */
export const OFFSETS_TOPIC = '__consumer_offsets';

/** Kafka's group-to-partition rule: Java's String.hashCode of the group id, made non-negative, mod count. */
export function offsetsPartitionFor(groupId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(h, 31) + groupId.charCodeAt(i)) | 0;
  // Kafka's Utils.abs: Integer.MIN_VALUE maps to 0 rather than staying negative.
  return (h === -0x80000000 ? 0 : Math.abs(h)) % partitions;
}

export interface CommitIn {
  readonly groupId: string;
  /** '' with memberEpoch -1: an admin commit (the group must have no members). */
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly offsets: readonly CommittedOffsetInput[];
}

export interface GroupDescription {
  readonly groupId: string;
  readonly state: GroupState;
  readonly groupEpoch: number;
  readonly members: readonly MemberView[];
}

/** What the coordinator needs of the broker: the offsets partitions it hosts and topic sizes. */
export interface CoordinatorHost {
  /** The Raft group of `groupId`'s offsets partition, and its state machine if hosted here. */
  offsetsGroupOf(groupId: string): { readonly raftGroup: GroupId; readonly sm: OffsetsStateMachine | undefined } | undefined;
  partitionsOf(topic: string): number | undefined;
  /** The hosted offsets partitions (Raft group → state machine). */
  hosted(): Iterable<[GroupId, OffsetsStateMachine]>;
}

/**
 * This node's part in consumer groups: it coordinates the groups whose `__consumer_offsets`
 * partition it leads (and whose leader no-op it has applied). Membership is worked on in memory
 * (group-membership.ts) and every change is committed to the partition's Raft group
 * (offsets-state.ts) before the member hears of it, as are committed offsets. When leadership of the
 * partition moves, the new coordinator takes the groups over from that state: members carry on,
 * every session restarting from the takeover.
 */
export class GroupCoordinator {
  private readonly memberships = new Map<string, GroupMembership>();
  /** Commits proposed and not yet answered, per group: OffsetFetch waits for them (see fetchOffsets). */
  private readonly inFlightCommits = new Map<string, Set<Promise<unknown>>>();
  private expiryTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly nodeId: NodeId,
    private readonly mr: MultiRaft,
    private readonly host: CoordinatorHost,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** The client address of a node, for NOT_COORDINATOR's hint. */
    private readonly hintFor: (nodeId: NodeId) => object | undefined,
  ) {}

  start(expiryCheckMs: number): void {
    this.expiryTimer = setInterval(() => this.expireSessions(), expiryCheckMs);
  }

  close(): void {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.memberships.clear();
  }

  /** Leadership of an offsets partition changed: forget the members of groups it no longer coordinates. */
  leadershipChanged(raftGroup: GroupId): void {
    for (const [groupId] of this.memberships) {
      if (this.host.offsetsGroupOf(groupId)?.raftGroup === raftGroup && !this.coordinates(raftGroup)) this.memberships.delete(groupId);
    }
  }

  /** The node that coordinates `groupId` now is this one (and ready). Throws NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE. */
  private require(groupId: string): OffsetsStateMachine {
    const g = this.host.offsetsGroupOf(groupId);
    if (g === undefined) throw new RunnelError('RUNNEL_ERR_COORDINATOR_NOT_AVAILABLE', [groupId, `the ${OFFSETS_TOPIC} topic does not exist yet`]);
    if (g.sm === undefined || this.mr.status(g.raftGroup)?.softState.state !== StateType.Leader) {
      const leader = g.sm === undefined ? 0 : this.mr.leaderOf(g.raftGroup);
      const hint = leader === 0 || leader === this.nodeId ? undefined : this.hintFor(leader);
      throw new RunnelError('RUNNEL_ERR_NOT_COORDINATOR', [this.nodeId, groupId], { raftGroup: g.raftGroup, ...(hint ? { leaderHint: hint } : {}) });
    }
    if (!this.coordinates(g.raftGroup)) throw new RunnelError('RUNNEL_ERR_COORDINATOR_NOT_AVAILABLE', [groupId, 'the coordinator is catching up with its offsets log']);
    return g.sm;
  }

  /** Leading the Raft group and its own no-op applied (everything committed before is applied). */
  private coordinates(raftGroup: GroupId): boolean {
    const st = this.mr.status(raftGroup);
    const sm = [...this.host.hosted()].find(([g]) => g === raftGroup)?.[1];
    return st !== undefined && sm !== undefined && st.softState.state === StateType.Leader && sm.readyTerm === st.hardState.term;
  }

  /** The group's membership here: in memory, or as its last coordinator persisted it. */
  private membershipOf(groupId: string, sm: OffsetsStateMachine): GroupMembership | undefined {
    let g = this.memberships.get(groupId);
    if (g === undefined) {
      const record = sm.groupState(groupId);
      if (record === undefined) return undefined;
      g = GroupMembership.fromRecord(groupId, record, this.clock.nowMs());
      this.memberships.set(groupId, g);
      this.logger.info({ groupId, members: g.size }, 'groups: took over a group from its last coordinator');
    }
    return g;
  }

  /**
   * A member's heartbeat. When it changed the group (a join, a leave, a partition handed out or
   * released), the group's new membership is committed to the offsets partition before the answer:
   * what a member is told it may consume survives the coordinator's loss.
   */
  async heartbeat(groupId: string, req: HeartbeatIn, timeoutMs: number): Promise<HeartbeatOut> {
    const sm = this.require(groupId);
    let g = this.membershipOf(groupId, sm);
    if (g === undefined) {
      if (req.memberEpoch !== 0) throw new RunnelError('RUNNEL_ERR_UNKNOWN_MEMBER_ID', [req.memberId, groupId]);
      g = new GroupMembership(groupId);
      this.memberships.set(groupId, g);
    }
    const changesBefore = g.changeCount;
    const out = g.heartbeat(req, this.clock.nowMs(), (t) => this.host.partitionsOf(t), () => crypto.randomUUID());
    if (req.memberEpoch === 0) this.logger.info({ groupId, memberId: out.memberId, clientId: req.clientId }, 'groups: member joined');
    if (req.memberEpoch === -1) this.logger.info({ groupId, memberId: req.memberId }, 'groups: member left');
    if (g.changeCount !== changesBefore) await this.persist(groupId, g, timeoutMs);
    return out;
  }

  /** Forget an empty group once its emptiness is committed (else a takeover could revive a stale state). */
  private forgetIfEmpty(groupId: string, g: GroupMembership): void {
    if (g.size === 0 && this.memberships.get(groupId) === g) this.memberships.delete(groupId);
  }

  /** Commit the group's membership (proposed now, so log order is the order of the changes). */
  private async persist(groupId: string, g: GroupMembership, timeoutMs: number): Promise<void> {
    const raftGroup = this.host.offsetsGroupOf(groupId)!.raftGroup;
    const command = encodeGroupCommand({ v: 1, type: 'group-state', groupId, state: g.toRecord() });
    await withTimeout(this.mr.propose(raftGroup, command, { waitFor: 'committed' }), timeoutMs);
    this.forgetIfEmpty(groupId, g);
  }

  /** Commit offsets through the partition's Raft group; resolves once committed. */
  async commit(req: CommitIn, timeoutMs: number): Promise<Map<TpKey, RunnelError | undefined>> {
    const sm = this.require(req.groupId);
    const g = this.membershipOf(req.groupId, sm);
    const results = new Map<TpKey, RunnelError | undefined>();
    const accepted: CommittedOffsetInput[] = [];
    for (const o of req.offsets) {
      const key = tpKey(o.topic, o.partition);
      const refusal = this.commitRefusal(req, g, key);
      results.set(key, refusal);
      if (refusal === undefined) accepted.push(o);
    }
    if (accepted.length > 0) {
      const command = encodeGroupCommand({ v: 1, type: 'commit', groupId: req.groupId, timestampMs: this.clock.nowMs(), offsets: accepted });
      const raftGroup = this.host.offsetsGroupOf(req.groupId)!.raftGroup;
      const r = await this.tracked(req.groupId, withTimeout(this.mr.propose(raftGroup, command, { waitFor: 'committed' }), timeoutMs));
      const refused = sm.refusalAt(r.index);
      if (refused) for (const o of accepted) results.set(tpKey(o.topic, o.partition), refused);
    }
    return results;
  }

  private commitRefusal(req: CommitIn, g: GroupMembership | undefined, key: TpKey): RunnelError | undefined {
    if (req.memberId === '') {
      if (g !== undefined && g.size > 0) return new RunnelError('RUNNEL_ERR_GROUP_NOT_EMPTY', [req.groupId, g.size, 'offsets can be set by a tool only while it has none']);
      return undefined;
    }
    if (g === undefined || !g.hasMember(req.memberId)) return new RunnelError('RUNNEL_ERR_UNKNOWN_MEMBER_ID', [req.memberId, req.groupId]);
    if (!g.mayCommit(req.memberId, key)) {
      const { topic, partition } = splitTpKey(key);
      return new RunnelError('RUNNEL_ERR_FENCED_MEMBER_EPOCH', [req.memberId, req.groupId, `it does not own ${topic}-${partition}`]);
    }
    return undefined;
  }

  private async tracked<T>(groupId: string, p: Promise<T>): Promise<T> {
    let set = this.inFlightCommits.get(groupId);
    if (set === undefined) this.inFlightCommits.set(groupId, (set = new Set()));
    set.add(p);
    try {
      return await p;
    } finally {
      set.delete(p);
      if (set.size === 0) this.inFlightCommits.delete(groupId);
    }
  }

  /**
   * Committed offsets of the group: of the partitions named, or all. Waits for the group's commits
   * in flight first: a member that takes over a partition reads the offset only after its previous
   * owner released it, and a commit that owner sent just before releasing must be in the answer, or
   * the new owner would start behind it and commit an older offset after it.
   */
  async fetchOffsets(groupId: string, partitions: readonly { topic: string; partition: number }[] | undefined, timeoutMs: number): Promise<{ topic: string; partition: number; committed: CommittedOffset | undefined }[]> {
    this.require(groupId);
    const pending = this.inFlightCommits.get(groupId);
    if (pending !== undefined) await withTimeout(Promise.allSettled([...pending]), timeoutMs);
    const sm = this.require(groupId);
    if (partitions === undefined) return sm.allCommitted(groupId).map((c) => ({ topic: c.topic, partition: c.partition, committed: c }));
    return partitions.map((p) => ({ ...p, committed: sm.committed(groupId, p.topic, p.partition) }));
  }

  /** Groups coordinated here: with members, or with committed offsets. */
  listGroups(): { groupId: string; state: GroupState }[] {
    const out = new Map<string, GroupState>();
    for (const [raftGroup, sm] of this.host.hosted()) {
      if (!this.coordinates(raftGroup)) continue;
      for (const id of sm.groupIds()) out.set(id, 'Empty');
    }
    for (const [id, g] of this.memberships) if (g.size > 0) out.set(id, g.state());
    return [...out].map(([groupId, state]) => ({ groupId, state })).sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  }

  describe(groupId: string): GroupDescription {
    const sm = this.require(groupId);
    const g = this.membershipOf(groupId, sm);
    if ((g === undefined || g.size === 0) && !sm.hasGroup(groupId)) throw new RunnelError('RUNNEL_ERR_GROUP_ID_NOT_FOUND', [groupId]);
    return { groupId, state: g?.state() ?? 'Empty', groupEpoch: g?.groupEpoch ?? 0, members: g?.describe() ?? [] };
  }

  async deleteGroup(groupId: string, timeoutMs: number): Promise<void> {
    const sm = this.require(groupId);
    const g = this.membershipOf(groupId, sm);
    if (g !== undefined && g.size > 0) throw new RunnelError('RUNNEL_ERR_GROUP_NOT_EMPTY', [groupId, g.size, 'stop its consumers first']);
    if (!sm.hasGroup(groupId)) throw new RunnelError('RUNNEL_ERR_GROUP_ID_NOT_FOUND', [groupId]);
    const raftGroup = this.host.offsetsGroupOf(groupId)!.raftGroup;
    await withTimeout(this.mr.propose(raftGroup, encodeGroupCommand({ v: 1, type: 'delete-group', groupId }), { waitFor: 'committed' }), timeoutMs);
    this.memberships.delete(groupId);
  }

  private expireSessions(): void {
    const now = this.clock.nowMs();
    for (const [groupId, g] of this.memberships) {
      const gone = g.expire(now);
      if (gone.length === 0) continue;
      this.logger.warn({ groupId, members: gone }, 'groups: session expired; members removed');
      this.persist(groupId, g, BROKER_GROUP_PERSIST_TIMEOUT_MS).catch((err: unknown) => {
        this.logger.warn({ groupId, err: err instanceof Error ? err.message : String(err) }, 'groups: could not persist expired members');
      });
    }
  }
}
