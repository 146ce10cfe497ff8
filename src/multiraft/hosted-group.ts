import { assert, SeededRng, type GroupId, type Index, type Logger, type NodeId, type Term } from '../core/index.js';
import {
  ProposalDroppedError,
  RawNode,
  StateType,
  type ConfChange,
  type Ready,
  type Snapshot,
} from '../raft/index.js';
import type { GroupStorage } from './group-storage.js';
import type { MultiRaftConfig } from './multiraft-options.js';
import { droppedError, invalidProposal, notLeader, tooManyPending } from './proposal-errors.js';
import { ProposalTracker, type ProposalResult, type QueuedProposal, type WaitFor } from './proposal-tracker.js';
import type { StateMachine } from './state-machine.js';

export interface AddGroupOptions {
  /** The group's storage, already opened from the node's engine. */
  readonly storage: GroupStorage;
  readonly stateMachine: StateMachine;
  /**
   * Snapshot the state machine and compact the log once this many applied entries follow the last
   * snapshot; 0 (the default) = never, the host compacts (a partition's retention does).
   */
  readonly uncompactedEntriesMax?: number;
}

export interface LeaderChange {
  readonly groupId: GroupId;
  /** The leader this node now knows of; 0 = none known (an election is under way). */
  readonly leader: NodeId;
  readonly term: Term;
}

/**
 * One Raft group hosted by MultiRaft: its RawNode, storage, state machine and proposals, and the
 * steps of the Ready pass that concern one group (stage, apply, settle, advance). The pass order
 * across groups lives in multi-raft.ts.
 */
export class HostedGroup {
  readonly rawNode: RawNode;
  readonly proposals: ProposalTracker;
  readonly logger: Logger;
  readonly storage: GroupStorage;
  /** Set when the group is removed while a pass holds its Ready: the pass then skips it. */
  removed = false;
  private readonly sm: StateMachine;
  private readonly uncompactedEntriesMax: number;
  // The (leader, term) last reported to leader-change listeners.
  private knownLeader: NodeId = 0;
  private knownTerm: Term = 0;
  // The term when the outstanding Ready was taken (what a leader change it reports belongs to).
  private readyTerm: Term = 0;
  // snapshotIndex <= applied: the index of the newest snapshot in storage.
  private snapshotIndex: Index;

  constructor(
    readonly id: GroupId,
    options: AddGroupOptions,
    private readonly config: MultiRaftConfig,
  ) {
    this.storage = options.storage;
    this.sm = options.stateMachine;
    this.uncompactedEntriesMax = options.uncompactedEntriesMax ?? 0;
    this.logger = config.logger.child({ nodeId: config.nodeId, groupId: id });
    this.proposals = new ProposalTracker(config.nodeId, id, config.pendingProposalsMax);
    this.snapshotIndex = this.storage.snapshot().meta.index;
    const applied = this.restoreStoredSnapshot();
    this.rawNode = new RawNode({
      ...config.raft,
      id: config.nodeId,
      storage: this.storage,
      rng: new SeededRng((config.seed ^ Math.imul(id + 1, 0x9e3779b1)) >>> 0),
      applied,
      logger: this.logger,
    });
  }

  /** A state machine behind the stored snapshot starts from it; returns the applied index. */
  private restoreStoredSnapshot(): Index {
    const snap = this.storage.snapshot();
    const applied = this.sm.appliedIndex();
    if (snap.meta.index === 0 || applied >= snap.meta.index) return applied;
    this.sm.restore(snap);
    this.logger.info({ index: snap.meta.index }, 'multiraft: state machine restored from the stored snapshot');
    return snap.meta.index;
  }

  isLeader(): boolean {
    return this.rawNode.raft.state === StateType.Leader;
  }

  leaderId(): NodeId {
    return this.rawNode.raft.lead;
  }

  // ---- proposals ------------------------------------------------------------------------------

  propose(data: Uint8Array, waitFor: WaitFor): Promise<ProposalResult> {
    if (data.byteLength === 0) return Promise.reject(invalidProposal(this.id, 'empty data is reserved for leader no-ops'));
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return this.proposals.enqueue(data, waitFor);
  }

  proposeConfChange(change: ConfChange): Promise<ProposalResult> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise((resolve, reject) => {
      try {
        const index = this.rawNode.proposeConfChange(change);
        this.proposals.track(index, this.rawNode.raft.term, 'committed', { resolve, reject });
      } catch (e) {
        reject(this.mapDropped(e));
      }
    });
  }

  private refusal(): Error | undefined {
    if (!this.isLeader()) return notLeader(this.config.nodeId, this.id, this.leaderId());
    if (!this.proposals.hasRoom()) return tooManyPending(this.id, this.config.pendingProposalsMax, this.leaderId());
    return undefined;
  }

  /** Hand queued proposals to the core, a batch (one append per follower) at a time. */
  proposeQueued(): void {
    while (this.proposals.hasQueued()) {
      const batch = this.proposals.takeQueued(this.config.proposalBatchBytesMax);
      try {
        this.proposeBatch(batch);
      } catch (e) {
        const err = this.mapDropped(e);
        for (const q of batch) q.reject(err);
      }
    }
  }

  private proposeBatch(batch: readonly QueuedProposal[]): void {
    const last = this.rawNode.proposeBatch(batch.map((q) => q.data));
    const term = this.rawNode.raft.term;
    const first = last - batch.length + 1;
    batch.forEach((q, k) => this.proposals.track(first + k, term, q.waitFor, q));
  }

  private mapDropped(e: unknown): Error {
    if (e instanceof ProposalDroppedError) return droppedError(this.config.nodeId, this.id, e, this.leaderId());
    throw e;
  }

  // ---- the Ready pass, one group --------------------------------------------------------------

  takeReady(): Ready | undefined {
    if (!this.rawNode.hasReady()) return undefined;
    this.readyTerm = this.rawNode.raft.term;
    return this.rawNode.ready();
  }

  /**
   * Step 1: stage the Ready's persistent parts into the engine's group-commit batch. A received
   * snapshot goes first (it replaces the log), then entries, then the hard state whose commit may
   * point into them.
   */
  stage(rd: Ready): void {
    if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) this.storage.append(rd.entries);
    if (rd.hardState) this.storage.setHardState(rd.hardState);
  }

  /** Step 3 (after the flush and the sends): settle acks=1 waiters, apply, settle the rest. */
  apply(rd: Ready): void {
    if (rd.entries.length > 0) this.proposals.persisted(rd.entries);
    if (rd.snapshot) this.restore(rd.snapshot);
    if (rd.committedEntries.length > 0) {
      this.sm.apply(rd.committedEntries);
      this.proposals.applied(rd.committedEntries);
    }
    const raft = this.rawNode.raft;
    this.proposals.checkLeadership({
      isLeader: this.isLeader(),
      term: raft.term,
      leaderId: raft.lead,
      committed: raft.log.committed,
      termAt: (i) => raft.log.termOrUndefined(i),
    });
  }

  private restore(snapshot: Snapshot): void {
    this.sm.restore(snapshot);
    this.snapshotIndex = snapshot.meta.index;
    this.proposals.snapshotRestored(snapshot.meta.index, this.leaderId());
    this.logger.info({ index: snapshot.meta.index, term: snapshot.meta.term }, 'multiraft: installed a snapshot from the leader');
  }

  /**
   * The (leader, term) this Ready reports, if it differs from the last one reported: a new leader,
   * none known, or the same leader re-elected in a newer term (a new leadership epoch).
   */
  leaderChange(rd: Ready): LeaderChange | undefined {
    if (!rd.softState && !rd.hardState) return undefined;
    const lead = this.rawNodeLeadAt(rd);
    const sameEpoch = lead === this.knownLeader && (lead === 0 || this.readyTerm === this.knownTerm);
    if (sameEpoch) return undefined;
    this.knownLeader = lead;
    this.knownTerm = this.readyTerm;
    return { groupId: this.id, leader: lead, term: this.readyTerm };
  }

  private rawNodeLeadAt(rd: Ready): NodeId {
    return rd.softState ? rd.softState.lead : this.knownLeader;
  }

  /** Step 4, then compaction if due (staged; durable with the next flush). */
  advance(rd: Ready): void {
    this.rawNode.advance(rd);
    if (this.uncompactedEntriesMax > 0 && this.rawNode.raft.log.applied - this.snapshotIndex >= this.uncompactedEntriesMax) {
      this.compact();
    }
  }

  /** Snapshot the state machine at the applied index and drop the log up to it. */
  compact(): void {
    const log = this.rawNode.raft.log;
    const index = log.applied;
    assert(this.snapshotIndex <= index, () => `group ${this.id}: snapshot ${this.snapshotIndex} beyond applied ${index}`);
    if (index <= this.snapshotIndex) return;
    const snapshot: Snapshot = {
      meta: { index, term: log.term(index), confState: this.rawNode.confStateAt(index) },
      data: this.sm.snapshot(),
    };
    assert(snapshot.data instanceof Uint8Array, () => `group ${this.id}: state machine snapshot() must return bytes`);
    this.storage.compact(snapshot, index);
    this.snapshotIndex = index;
    this.logger.debug({ index }, 'multiraft: compacted the log');
  }
}
