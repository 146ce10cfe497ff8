import { assert, type Index, type NodeId } from '../core/index.js';
import type { RaftConfigInput } from './config.js';
import { Raft } from './raft.js';
import type { Progress } from './progress.js';
import {
  EntryType,
  MessageType,
  StateType,
  type ConfChange,
  type ConfState,
  type HardState,
  type Message,
  type Ready,
  type SoftState,
} from './types.js';

export interface RaftStatus {
  readonly id: NodeId;
  readonly hardState: HardState;
  readonly softState: SoftState;
  readonly applied: Index;
  readonly lastIndex: Index;
  /** The membership in effect: the last change in the log, committed or not (effective on append). */
  readonly confState: ConfState;
  /** The membership as of the commit index: what every future leader is sure to know. */
  readonly committedConfState: ConfState;
  /** Leader only: each member's acknowledged index. */
  readonly matches: ReadonlyMap<NodeId, Index>;
}

/**
 * The host's handle on one Raft group (etcd's rawnode.go): feed it ticks and messages, take a Ready,
 * persist/send/apply it in the order written on the Ready type, then advance().
 */
export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private readyOutstanding = false;

  constructor(config: RaftConfigInput) {
    this.raft = new Raft(config);
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  /** A message from the network; `m.to` must be this node. */
  step(m: Message): void {
    assert(m.to === this.raft.id, () => `message for ${m.to} delivered to ${this.raft.id}`);
    this.raft.step(m);
  }

  /** Propose application data; returns the entry's index. Throws ProposalDroppedError. */
  propose(data: Uint8Array): Index {
    return this.raft.propose([{ type: EntryType.Normal, data }]);
  }

  /** Propose several entries at once (one message, one fsync); returns the last index. */
  proposeBatch(data: readonly Uint8Array[]): Index {
    return this.raft.propose(data.map((d) => ({ type: EntryType.Normal, data: d })));
  }

  proposeConfChange(change: ConfChange): Index {
    return this.raft.proposeConfChange(change);
  }

  transferLeader(transferee: NodeId): boolean {
    return this.raft.transferLeader(transferee);
  }

  reportSnapshot(to: NodeId, failed: boolean): void {
    this.raft.reportSnapshot(to, failed);
  }

  reportUnreachable(to: NodeId): void {
    this.raft.reportUnreachable(to);
  }

  /**
   * Storage finished loading entries after a read threw TemporarilyUnavailableError: committed
   * entries can be handed out again. (Replication retries by itself on the next heartbeat answer.)
   */
  entriesLoaded(): void {
    this.raft.log.entriesLoaded();
  }

  hasReady(): boolean {
    const r = this.raft;
    return (
      r.msgs.length > 0 ||
      r.log.unstable.entries.length > 0 ||
      r.log.unstable.snapshot !== undefined ||
      r.log.hasNextCommittedEntries() ||
      !sameSoft(this.softState(), this.prevSoft) ||
      !sameHard(this.hardState(), this.prevHard)
    );
  }

  ready(): Ready {
    assert(!this.readyOutstanding, 'ready() called again before advance()');
    const r = this.raft;
    const soft = this.softState();
    const hard = this.hardState();
    const entries = r.log.unstable.entries.slice();
    const snapshot = r.log.unstable.snapshot;
    const hardChanged = !sameHard(hard, this.prevHard);
    const termOrVoteChanged = hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote;
    const rd: Ready = {
      entries,
      committedEntries: r.log.nextCommittedEntries(r.config.maxCommittedBytesPerReady),
      messages: r.msgs,
      mustSync: entries.length > 0 || snapshot !== undefined || termOrVoteChanged || (hard.joinTarget ?? 0) !== (this.prevHard.joinTarget ?? 0),
      appendsBeforePersist: r.state === StateType.Leader && !termOrVoteChanged && snapshot === undefined,
      ...(sameSoft(soft, this.prevSoft) ? {} : { softState: soft }),
      ...(hardChanged ? { hardState: hard } : {}),
      ...(snapshot ? { snapshot } : {}),
    };
    r.msgs = [];
    this.readyOutstanding = true;
    return rd;
  }

  /** The host persisted, sent and applied `rd`. */
  advance(rd: Ready): void {
    assert(this.readyOutstanding, 'advance() without an outstanding ready()');
    this.readyOutstanding = false;
    const log = this.raft.log;
    if (rd.softState) this.prevSoft = rd.softState;
    if (rd.hardState) this.prevHard = rd.hardState;
    if (rd.snapshot) {
      log.unstable.stableSnapTo(rd.snapshot.meta.index);
      log.applied = Math.max(log.applied, rd.snapshot.meta.index);
    }
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry) log.stableTo(lastEntry.index, lastEntry.term);
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied && lastApplied.index > log.applied) {
      log.appliedTo(lastApplied.index);
      this.raft.reduceUncommittedBytes(rd.committedEntries);
    }
    // Keep membership history back to the storage's snapshot, so a snapshot can be taken at any
    // retained index (partition retention cuts below the applied index). The history holds one item
    // per ConfChange entry, so this stays small.
    this.raft.membership.compactTo(log.firstIndex() - 1);
    this.raft.persisted(log.persistedLastIndex());
  }

  /** Membership as of log index i (>= the storage's snapshot index): what a snapshot at i must record. */
  confStateAt(i: Index): ConfState {
    return this.raft.membership.at(i);
  }

  status(): RaftStatus {
    const r = this.raft;
    const matches = new Map<NodeId, Index>();
    if (r.state === StateType.Leader) r.progress.forEach((p: Progress, id) => matches.set(id, p.match));
    return {
      id: r.id,
      hardState: this.hardState(),
      softState: this.softState(),
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      confState: r.membership.current(),
      committedConfState: r.membership.at(r.log.committed),
      matches,
    };
  }

  private softState(): SoftState {
    return { lead: this.raft.lead, state: this.raft.state };
  }

  private hardState(): HardState {
    const joinTarget = this.raft.pendingJoinTarget();
    const hs = { term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed };
    return joinTarget === undefined ? hs : { ...hs, joinTarget };
  }
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.state === b.state;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit && (a.joinTarget ?? 0) === (b.joinTarget ?? 0);
}

/** Whether `m` of `rd` may be sent before `rd` is persisted: a leader's append (Ready.appendsBeforePersist). */
export function leavesBeforePersist(rd: Ready, m: Message): boolean {
  return rd.appendsBeforePersist && m.type === MessageType.App;
}
