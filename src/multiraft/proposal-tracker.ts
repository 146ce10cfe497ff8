import type { GroupId, Index, NodeId, Term } from '../core/index.js';
import type { Entry } from '../raft/index.js';
import { leadershipLost, neverProposed, notLeader, superseded } from './proposal-errors.js';

/** 'persisted': durable in the leader's log (acks=1). 'committed': committed and applied here (acks=all). */
export type WaitFor = 'persisted' | 'committed';

export interface ProposalResult {
  readonly index: Index;
  readonly term: Term;
}

interface Settle {
  readonly resolve: (r: ProposalResult) => void;
  readonly reject: (e: Error) => void;
}

export interface QueuedProposal extends Settle {
  readonly data: Uint8Array;
  readonly waitFor: WaitFor;
}

interface InLog extends Settle {
  readonly index: Index;
  readonly term: Term;
  readonly waitFor: WaitFor;
  /** Seen committed at (index, term) in this node's log: it will be applied here whatever happens. */
  knownCommitted: boolean;
}

/** What the tracker needs to know about the group's Raft state after a pass. */
export interface LeadershipView {
  readonly isLeader: boolean;
  readonly term: Term;
  readonly leaderId: NodeId;
  readonly committed: Index;
  /** Term of entry i in this node's log, or undefined if compacted/absent. */
  termAt(i: Index): Term | undefined;
}

/**
 * One group's proposals from propose() to their outcome. An entry is identified by (index, term):
 * only the leader of `term` creates entries of that term (election safety), so the entry applied at
 * `index` is ours iff its term is ours. Outcomes:
 *  - resolved when durable here ('persisted') or applied here ('committed');
 *  - definite failure when another entry is applied at our index (ours can never commit);
 *  - indefinite failure when this node stops leading the proposal's term before it saw the entry
 *    committed: the entry may still commit under the next leader, or be truncated.
 * Invariant: size() <= pendingMax (checked by the caller through hasRoom()).
 */
export class ProposalTracker {
  private queued: QueuedProposal[] = [];
  // Keyed by index; insertion order is index order (a leader appends in increasing index).
  private readonly inLog = new Map<Index, InLog>();
  private persistedWaiters = 0;

  constructor(
    private readonly nodeId: NodeId,
    private readonly groupId: GroupId,
    private readonly pendingMax: number,
  ) {}

  size(): number {
    return this.queued.length + this.inLog.size;
  }

  hasRoom(): boolean {
    return this.size() < this.pendingMax;
  }

  enqueue(data: Uint8Array, waitFor: WaitFor): Promise<ProposalResult> {
    return new Promise((resolve, reject) => {
      this.queued.push({ data, waitFor, resolve, reject });
    });
  }

  hasQueued(): boolean {
    return this.queued.length > 0;
  }

  /** The oldest queued proposals within bytesMax (at least one), removed from the queue. */
  takeQueued(bytesMax: number): QueuedProposal[] {
    let n = 0;
    let bytes = 0;
    while (n < this.queued.length && (n === 0 || bytes + this.queued[n]!.data.byteLength <= bytesMax)) {
      bytes += this.queued[n]!.data.byteLength;
      n++;
    }
    const batch = n === this.queued.length ? this.queued : this.queued.slice(0, n);
    this.queued = n === this.queued.length ? [] : this.queued.slice(n);
    return batch;
  }

  /** The core appended the proposal at (index, term). */
  track(index: Index, term: Term, waitFor: WaitFor, settle: Settle): void {
    this.inLog.set(index, { index, term, waitFor, knownCommitted: false, resolve: settle.resolve, reject: settle.reject });
    if (waitFor === 'persisted') this.persistedWaiters++;
  }

  /** `entries` are durable in this node's log. */
  persisted(entries: readonly Entry[]): void {
    if (this.persistedWaiters === 0) return;
    for (const e of entries) {
      const w = this.inLog.get(e.index);
      if (!w || w.waitFor !== 'persisted' || w.term !== e.term) continue;
      this.settle(w);
      w.resolve({ index: w.index, term: w.term });
    }
  }

  /** `entries` were applied to the state machine, in order. */
  applied(entries: readonly Entry[]): void {
    if (this.inLog.size === 0) return;
    for (const e of entries) {
      const w = this.inLog.get(e.index);
      if (!w) continue;
      this.settle(w);
      if (e.term === w.term) w.resolve({ index: w.index, term: w.term });
      else w.reject(superseded(this.groupId, w.index, w.term, e.term));
    }
  }

  /** A snapshot replaced the log through `index`: only entries known committed are in it. */
  snapshotRestored(index: Index, leaderId: NodeId): void {
    for (const w of [...this.inLog.values()]) {
      if (w.index > index) continue;
      this.settle(w);
      if (w.knownCommitted) w.resolve({ index: w.index, term: w.term });
      else w.reject(leadershipLost(this.nodeId, this.groupId, 'replaced by a snapshot', leaderId));
    }
  }

  /** After each pass: fail what this node can no longer see through (see the class comment). */
  checkLeadership(view: LeadershipView): void {
    if (!view.isLeader && this.queued.length > 0) this.rejectQueued(notLeader(this.nodeId, this.groupId, view.leaderId));
    if (this.inLog.size === 0) return;
    for (const w of [...this.inLog.values()]) {
      if (w.knownCommitted || (view.isLeader && w.term === view.term)) continue;
      if (w.index <= view.committed && view.termAt(w.index) === w.term) {
        w.knownCommitted = true;
        continue;
      }
      this.settle(w);
      w.reject(leadershipLost(this.nodeId, this.groupId, view.isLeader ? 'a newer term began' : 'stepped down', view.leaderId));
    }
  }

  /** The group is removed or the node closes: queued ones never happened, the rest are unknown. */
  failAll(reason: string, leaderId: NodeId): void {
    this.rejectQueued(neverProposed(this.groupId, reason, leaderId));
    for (const w of [...this.inLog.values()]) {
      this.settle(w);
      w.reject(leadershipLost(this.nodeId, this.groupId, reason, leaderId));
    }
  }

  rejectQueued(err: Error): void {
    const q = this.queued;
    this.queued = [];
    for (const p of q) p.reject(err);
  }

  private settle(w: InLog): void {
    this.inLog.delete(w.index);
    if (w.waitFor === 'persisted') this.persistedWaiters--;
  }
}
