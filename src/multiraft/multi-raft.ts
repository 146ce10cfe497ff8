import { assert, type GroupId, type Logger, type NodeId } from '../core/index.js';
import { leavesBeforePersist, MessageType, type ConfChange, type Message, type RaftStatus, type Ready } from '../raft/index.js';
import { unfoldHeartbeat, unfoldHeartbeatResponse } from './heartbeat-coalescing.js';
import { HostedGroup, type AddGroupOptions, type LeaderChange } from './hosted-group.js';
import { drainLeadership, type DrainResult } from './leadership-drain.js';
import { Listeners } from './listeners.js';
import { resolveMultiRaftConfig, type MultiRaftConfig, type MultiRaftOptions } from './multiraft-options.js';
import { Outbox, type OutgoingFrame } from './outbox.js';
import type { ProposalResult, WaitFor } from './proposal-tracker.js';
import { notLeader } from './proposal-errors.js';
import type { GroupMessage, PeerFrame } from './transport.js';

export interface GroupStatus extends RaftStatus {
  /** Proposals queued or awaiting their outcome (bounded by pendingProposalsMax). */
  readonly pendingProposals: number;
}

export interface MultiRaftStats {
  /** Ready passes that found work. */
  passes: number;
  /** engine.flush() calls awaited (at most one per pass). */
  flushes: number;
  /** Frames handed to the transport, by kind. */
  messageFrames: number;
  heartbeatFrames: number;
  heartbeatResponseFrames: number;
  /** Frames the transport refused (queue full, peer unknown or down). */
  framesDropped: number;
  /** Raft messages sent inside messages frames. */
  messagesSent: number;
  /** Per-group Heartbeat/HeartbeatResp messages folded into node-level frames. */
  heartbeatsCoalesced: number;
  /** Inbound messages for a group not hosted here, or whose from/to do not match the link. */
  messagesIgnored: number;
}

interface Work {
  readonly group: HostedGroup;
  readonly rd: Ready;
}

/**
 * Hosts many Raft groups on one node (etcd's multi-raft, CockroachDB's store, Redpanda's group
 * manager): one tick timer for all groups, one Ready pipeline for all groups, one storage engine
 * and one transport.
 *
 * The Ready pass (docs/MULTIRAFT.md): whenever a group gets input (a message, a tick, a proposal),
 * one pass is scheduled with setImmediate. It takes a Ready from every group that has one, stages all
 * their persistence into the engine's group-commit batch, awaits ONE engine.flush(), then sends all
 * messages (per peer, packed into few frames, heartbeats coalesced), then applies committed entries,
 * then advances. Input keeps arriving while a pass awaits its flush; the next pass starts when the
 * current one ends. Nothing is sent before the Ready it belongs to is durable.
 */
export class MultiRaft {
  readonly nodeId: NodeId;
  private readonly config: MultiRaftConfig;
  private readonly logger: Logger;
  private readonly groups = new Map<GroupId, HostedGroup>();
  // Groups given input since their last Ready was taken; the next pass looks only at these.
  private readonly dirty = new Set<HostedGroup>();
  private readonly leaderListeners: Listeners<LeaderChange>;
  private readonly fatalListeners: Listeners<Error>;
  private readonly counters: MultiRaftStats = {
    passes: 0,
    flushes: 0,
    messageFrames: 0,
    heartbeatFrames: 0,
    heartbeatResponseFrames: 0,
    framesDropped: 0,
    messagesSent: 0,
    heartbeatsCoalesced: 0,
    messagesIgnored: 0,
  };
  private readonly ticker: ReturnType<typeof setInterval>;
  private passScheduled = false;
  private passRunning = false;
  private passWaiters: Array<() => void> = [];
  private closing = false;
  private failure: Error | undefined;

  constructor(options: MultiRaftOptions) {
    this.config = resolveMultiRaftConfig(options);
    this.nodeId = this.config.nodeId;
    this.logger = this.config.logger.child({ nodeId: this.nodeId, component: 'multiraft' });
    this.leaderListeners = new Listeners(this.logger, 'leader change');
    this.fatalListeners = new Listeners(this.logger, 'fatal');
    this.config.transport.onFrame((from, frame) => this.receive(from, frame));
    this.config.transport.onUnreachable((peer) => this.peerUnreachable(peer));
    this.ticker = setInterval(() => this.tick(), this.config.tickMs);
  }

  // ---- groups ---------------------------------------------------------------------------------

  /** Host a group whose storage the caller opened from this node's engine. */
  addGroup(groupId: GroupId, options: AddGroupOptions): void {
    this.checkRunning();
    assert(!this.groups.has(groupId), () => `multiraft: group ${groupId} is already hosted`);
    assert(options.storage.groupId === groupId, () => `multiraft: storage of group ${options.storage.groupId} added as ${groupId}`);
    const g = new HostedGroup(groupId, options, this.config);
    options.storage.onEntriesLoaded(() => {
      if (g.removed) return;
      g.rawNode.entriesLoaded();
      this.kick(g);
    });
    this.groups.set(groupId, g);
    g.logger.info({ voters: g.rawNode.status().confState.voters }, 'multiraft: group added');
    this.kick(g);
  }

  /**
   * Stop hosting a group. Its pending proposals fail (indefinite: they may commit elsewhere).
   * With deleteData the group's storage is dropped too (durable with the next flush).
   */
  removeGroup(groupId: GroupId, options: { readonly deleteData?: boolean } = {}): void {
    const g = this.groups.get(groupId);
    if (!g) return;
    g.removed = true;
    this.groups.delete(groupId);
    this.dirty.delete(g);
    g.proposals.failAll('group removed from this node', g.leaderId());
    if (options.deleteData) this.config.engine.removeGroup(groupId);
    g.logger.info({ deleteData: options.deleteData ?? false }, 'multiraft: group removed');
  }

  hasGroup(groupId: GroupId): boolean {
    return this.groups.has(groupId);
  }

  groupIds(): GroupId[] {
    return [...this.groups.keys()];
  }

  // ---- proposals and leadership ----------------------------------------------------------------

  /**
   * Append `data` to the group's log (this node must lead it). Resolves with the entry's (index, term)
   * once it is durable here ('persisted', acks=1) or committed and applied here ('committed',
   * acks=all). Rejects with a RunnelError: definite (NOT_LEADER, PROPOSAL_DROPPED,
   * PROPOSAL_SUPERSEDED) or indefinite (LEADERSHIP_LOST). Errors carry details.leaderId.
   */
  propose(groupId: GroupId, data: Uint8Array, options: { readonly waitFor: WaitFor }): Promise<ProposalResult> {
    const g = this.groups.get(groupId);
    if (!g || this.stopped()) return Promise.reject(notLeader(this.nodeId, groupId, 0));
    const p = g.propose(data, options.waitFor);
    this.kick(g);
    return p;
  }

  /** Propose a membership change; resolves once it is committed and applied here. */
  proposeConfChange(groupId: GroupId, change: ConfChange): Promise<ProposalResult> {
    const g = this.groups.get(groupId);
    if (!g || this.stopped()) return Promise.reject(notLeader(this.nodeId, groupId, 0));
    const p = g.proposeConfChange(change);
    this.kick(g);
    return p;
  }

  /** Ask the leader (this node) to hand leadership of the group to `to`; false if it cannot. */
  transferLeadership(groupId: GroupId, to: NodeId): boolean {
    const g = this.groups.get(groupId);
    if (!g || this.stopped() || !g.rawNode.transferLeader(to)) return false;
    this.kick(g);
    return true;
  }

  /** Move every group this node leads to a caught-up peer (graceful shutdown). */
  transferAllLeadership(timeoutMs: number): Promise<DrainResult> {
    const host = { nodeId: this.nodeId, groups: () => this.groups.values(), kick: (g: HostedGroup) => this.kick(g) };
    return drainLeadership(host, timeoutMs, this.config.tickMs);
  }

  /** The leader this node knows of for the group; 0 = none known or not hosted. */
  leaderOf(groupId: GroupId): NodeId {
    return this.groups.get(groupId)?.leaderId() ?? 0;
  }

  status(groupId: GroupId): GroupStatus | undefined {
    const g = this.groups.get(groupId);
    return g && { ...g.rawNode.status(), pendingProposals: g.proposals.size() };
  }

  /** Snapshot the group's state machine at its applied index and compact its log now. */
  compact(groupId: GroupId): void {
    const g = this.groups.get(groupId);
    assert(g, () => `multiraft: group ${groupId} is not hosted`);
    g.compact();
  }

  /** Leader changes as this node learns them (after the Ready reporting them is durable). */
  onLeaderChange(listener: (change: LeaderChange) => void): () => void {
    return this.leaderListeners.add(listener);
  }

  /**
   * A storage write or a state machine failed, or an invariant broke: this MultiRaft has stopped
   * (nothing more is sent or acknowledged) and the process should exit.
   */
  onFatal(listener: (err: Error) => void): () => void {
    return this.fatalListeners.add(listener);
  }

  stats(): Readonly<MultiRaftStats> {
    return { ...this.counters };
  }

  /**
   * Stop ticking, finish the pass in flight, fail pending proposals (indefinite). The engine and the
   * transport belong to the caller, who closes them afterwards.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.ticker);
    await this.passIdle();
    for (const g of this.groups.values()) {
      g.removed = true;
      g.proposals.failAll('node closing', g.leaderId());
    }
    this.groups.clear();
    this.dirty.clear();
    this.logger.info('multiraft: closed');
  }

  // ---- input ------------------------------------------------------------------------------------

  private tick(): void {
    if (this.stopped()) return;
    for (const g of this.groups.values()) {
      g.rawNode.tick();
      this.dirty.add(g);
    }
    this.schedule();
  }

  private receive(from: NodeId, frame: PeerFrame): void {
    if (this.stopped()) return;
    try {
      for (const gm of this.unfold(from, frame)) this.deliver(from, gm);
    } catch (err) {
      this.fail(err);
    }
  }

  private unfold(from: NodeId, frame: PeerFrame): readonly GroupMessage[] {
    switch (frame.kind) {
      case 'messages':
        return frame.messages;
      case 'heartbeat':
        return unfoldHeartbeat(from, this.nodeId, frame.heartbeat);
      case 'heartbeatResponse':
        return unfoldHeartbeatResponse(from, this.nodeId, frame.response);
    }
  }

  private deliver(from: NodeId, gm: GroupMessage): void {
    const g = this.groups.get(gm.groupId);
    const m = gm.message;
    // A group not (yet) created here, or a message that does not belong on this link: Raft retries.
    if (!g || m.to !== this.nodeId || m.from !== from) {
      this.counters.messagesIgnored++;
      return;
    }
    g.rawNode.step(m);
    this.kick(g);
  }

  private peerUnreachable(peer: NodeId): void {
    if (this.stopped()) return;
    for (const g of this.groups.values()) g.rawNode.reportUnreachable(peer);
  }

  private kick(g: HostedGroup): void {
    this.dirty.add(g);
    this.schedule();
  }

  // ---- the Ready pass ---------------------------------------------------------------------------

  private schedule(): void {
    if (this.passScheduled || this.passRunning || this.stopped()) return;
    this.passScheduled = true;
    setImmediate(() => void this.runPass());
  }

  private async runPass(): Promise<void> {
    this.passScheduled = false;
    if (this.stopped()) return;
    this.passRunning = true;
    let work: Work[] = [];
    try {
      work = this.collect();
      if (work.length > 0) await this.process(work);
    } catch (err) {
      this.fail(err);
    } finally {
      this.passRunning = false;
      this.afterPass(work);
    }
  }

  /** Hand queued proposals to the core and take a Ready from every group that has input. */
  private collect(): Work[] {
    const groups = [...this.dirty];
    this.dirty.clear();
    const work: Work[] = [];
    for (const group of groups) {
      if (group.removed) continue;
      group.proposeQueued();
      const rd = group.takeReady();
      if (rd) work.push({ group, rd });
    }
    return work;
  }

  /**
   * Persist (one flush for all groups), then send, then apply and advance. The flush is awaited only
   * when some Ready must be synced (Ready.mustSync: entries, a snapshot, a new term or vote; Raft's
   * rule: durable before any message that depends on it leaves). A pass that staged only commit
   * indexes goes on without waiting (etcd's MustSync): a lost commit index is learned again from the
   * leader, and the engine writes it on its own, before anything applying the entries stages later,
   * so it is never missing from the disk under what depends on it.
   */
  private async process(work: readonly Work[]): Promise<void> {
    this.counters.passes++;
    for (const w of work) w.group.stage(w.rd);
    if (work.some((w) => w.rd.mustSync)) {
      // A leader's appends leave now, so followers write in parallel with us (Ready.appendsBeforePersist).
      this.send(work, leavesBeforePersist);
      this.counters.flushes++;
      await this.config.engine.flush();
      if (this.failure) return;
      this.send(work, (rd, m) => !leavesBeforePersist(rd, m));
    } else {
      this.send(work, () => true);
    }
    for (const w of work) this.finish(w);
  }

  private finish({ group, rd }: Work): void {
    if (group.removed) return;
    group.apply(rd);
    const change = group.leaderChange(rd);
    group.advance(rd);
    if (change) {
      group.logger.info({ leader: change.leader, term: change.term }, 'multiraft: leader changed');
      this.leaderListeners.emit(change);
    }
  }

  private afterPass(work: readonly Work[]): void {
    for (const { group } of work) {
      if (!group.removed && group.rawNode.hasReady()) this.dirty.add(group);
    }
    const waiters = this.passWaiters;
    this.passWaiters = [];
    for (const w of waiters) w();
    if (this.dirty.size > 0) this.schedule();
  }

  /** Sends the messages of `work` that `which` picks, grouped per peer. */
  private send(work: readonly Work[], which: (rd: Ready, m: Message) => boolean): void {
    const outbox = new Outbox(this.config.frameBytesMax);
    for (const { group, rd } of work) {
      if (group.removed) continue;
      for (const m of rd.messages) if (which(rd, m)) outbox.add(group.id, m);
    }
    this.counters.heartbeatsCoalesced += outbox.coalesced;
    for (const out of outbox.frames()) {
      if (this.config.transport.send(out.to, out.frame)) this.countSent(out.frame);
      else this.dropped(out);
    }
  }

  private countSent(frame: PeerFrame): void {
    if (frame.kind === 'messages') {
      this.counters.messageFrames++;
      this.counters.messagesSent += frame.messages.length;
    } else if (frame.kind === 'heartbeat') {
      this.counters.heartbeatFrames++;
    } else {
      this.counters.heartbeatResponseFrames++;
    }
  }

  /** The transport refused a frame: tell the groups that sent in it (Raft then probes and retries). */
  private dropped({ to, frame }: OutgoingFrame): void {
    this.counters.framesDropped++;
    if (frame.kind === 'heartbeatResponse') return;
    const ids = frame.kind === 'messages' ? frame.messages.map((gm) => gm.groupId) : frame.heartbeat.groups.map((h) => h.groupId);
    for (const id of new Set(ids)) this.groups.get(id)?.rawNode.reportUnreachable(to);
    if (frame.kind !== 'messages') return;
    for (const gm of frame.messages) {
      if (gm.message.type === MessageType.Snap) this.groups.get(gm.groupId)?.rawNode.reportSnapshot(to, true);
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  private stopped(): boolean {
    return this.closing || this.failure !== undefined;
  }

  private checkRunning(): void {
    assert(!this.stopped(), 'multiraft: closed or failed');
  }

  private passIdle(): Promise<void> {
    if (!this.passRunning) return Promise.resolve();
    return new Promise((resolve) => this.passWaiters.push(resolve));
  }

  /** Storage failed, a state machine threw, or an invariant broke: stop acknowledging anything. */
  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = err instanceof Error ? err : new Error(String(err));
    clearInterval(this.ticker);
    this.logger.error({ err: this.failure }, 'multiraft: fatal error; this node stops processing Raft groups');
    for (const g of this.groups.values()) g.proposals.failAll('node failed', g.leaderId());
    this.fatalListeners.emit(this.failure);
  }
}
