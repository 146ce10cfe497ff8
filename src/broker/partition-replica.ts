import { RunnelError, type GroupId, type Index, type Logger, type NodeId, type Term } from '../core/index.js';
import { describeBatch, encodePartitionSnapshot, PartitionLog, producerOf } from '../log/index.js';
import type { GroupStorage, MultiRaft, StateMachine } from '../multiraft/index.js';
import { EntryType, StateType, type Entry, type Snapshot } from '../raft/index.js';

/**
 * One partition replica hosted on this node: the partition log (src/log) as the state machine of the
 * partition's Raft group, plus the leadership bookkeeping between the two.
 *
 * Offsets are assigned by the leader when it stamps a batch (PartitionLog.append), before Raft has
 * the entry. If a proposal of the current term then fails definitely (dropped by the core, refused),
 * the log end offset has run ahead of the Raft log: the replica stops stamping ("re-anchoring") until
 * every entry in its Raft log is applied and nothing is pending, and then restarts leadership at the
 * high watermark. Produce meanwhile gets PROPOSAL_DROPPED (definite: retry).
 *
 * Invariant: log.isLeading implies leadTerm !== undefined and this node leads the group in leadTerm.
 */
export class PartitionReplica implements StateMachine {
  private leadTerm: Term | undefined;
  private reanchoring = false;
  private readonly hwWaiters = new Set<() => void>();
  // Batches stamped in leadTerm and not yet below the high watermark, oldest first (bytes bound).
  private readonly stamped: { endOffset: number; bytes: number }[] = [];
  private stampedBytes = 0;
  closed = false;

  constructor(
    readonly groupId: GroupId,
    readonly log: PartitionLog,
    readonly storage: GroupStorage,
    private readonly mr: MultiRaft,
    private readonly nodeId: NodeId,
    private readonly logger: Logger,
  ) {}

  // ---- StateMachine -------------------------------------------------------------------------------

  appliedIndex(): Index {
    return this.log.appliedIndex;
  }

  apply(entries: readonly Entry[]): void {
    const hw = this.log.highWatermark;
    for (const e of entries) {
      const isData = e.type === EntryType.Normal && e.data.byteLength > 0;
      this.log.apply(e.index, isData ? describeBatch(e.data) : undefined, isData ? producerOf(e.data) : undefined);
      if (e.type === EntryType.Normal && !isData) this.ownNoOpApplied(e.term);
    }
    if (this.reanchoring) this.tryReanchor();
    if (this.log.highWatermark !== hw) {
      this.forgetCommitted();
      this.wake();
    }
  }

  /**
   * Bytes stamped by this leader and not yet committed. The broker keeps it under half the core's
   * maxUncommittedBytes, so the core never drops one queued batch and accepts the next (which would
   * leave a hole in the offsets those stamps assumed).
   */
  uncommittedBytes(): number {
    return this.stampedBytes;
  }

  /** A batch was stamped and proposed (offsets up to endOffset). */
  stampedBatch(endOffset: number, bytes: number): void {
    this.stamped.push({ endOffset, bytes });
    this.stampedBytes += bytes;
  }

  private forgetCommitted(): void {
    const hw = this.log.highWatermark;
    while (this.stamped.length > 0 && this.stamped[0]!.endOffset <= hw) this.stampedBytes -= this.stamped.shift()!.bytes;
  }

  private forgetStamped(): void {
    this.stamped.length = 0;
    this.stampedBytes = 0;
  }

  restore(snapshot: Snapshot): void {
    this.stopLeading();
    this.log.restoreSnapshot(snapshot.meta.index, snapshot.data);
    this.wake();
  }

  /** The partition as of its high watermark (only used if the host compacts the group). */
  snapshot(): Uint8Array {
    const hw = this.log.highWatermark;
    return encodePartitionSnapshot({ logStartOffset: hw, endOffset: hw, producers: [] });
  }

  // ---- leadership -----------------------------------------------------------------------------------

  /** A new leader's no-op of its own term: every earlier entry is applied, the log ends at the HW. */
  private ownNoOpApplied(term: Term): void {
    const st = this.mr.status(this.groupId);
    if (!st || st.softState.state !== StateType.Leader || st.hardState.term !== term) return;
    if (this.log.isLeading) this.log.stopLeading();
    this.log.startLeading(term);
    this.leadTerm = term;
    this.reanchoring = false;
    this.forgetStamped();
  }

  /** Leadership in `leadTerm` is over (a leader change, a snapshot, removal). */
  stopLeading(): void {
    if (this.log.isLeading) this.log.stopLeading();
    this.forgetStamped();
    this.leadTerm = undefined;
    this.reanchoring = false;
    this.wake();
  }

  /** Called on every leader change MultiRaft reports for this group. */
  leaderChanged(leader: NodeId, term: Term): void {
    if (this.leadTerm !== undefined && (leader !== this.nodeId || term !== this.leadTerm)) this.stopLeading();
  }

  /** Whether this node leads the group in Raft right now. */
  isRaftLeader(): boolean {
    return this.mr.status(this.groupId)?.softState.state === StateType.Leader;
  }

  /** Ready to stamp batches: leading in Raft and in the log, in the same term. */
  leadingTerm(): Term | undefined {
    const st = this.mr.status(this.groupId);
    if (!st || st.softState.state !== StateType.Leader || st.hardState.term !== this.leadTerm) {
      if (this.leadTerm !== undefined) this.stopLeading();
      return undefined;
    }
    if (this.reanchoring) this.tryReanchor();
    return this.log.isLeading ? this.leadTerm : undefined;
  }

  /** A proposal of `term` failed definitely after its offsets were assigned: re-anchor. */
  proposalFailed(term: Term, err: unknown): void {
    if (term !== this.leadTerm || !this.log.isLeading) return;
    this.log.stopLeading();
    this.reanchoring = true;
    this.logger.warn({ err: err instanceof Error ? err.message : String(err), term }, 'partition: proposal failed; re-anchoring the log end offset');
    this.tryReanchor();
  }

  private tryReanchor(): void {
    const st = this.mr.status(this.groupId);
    if (!st || this.leadTerm === undefined || st.softState.state !== StateType.Leader || st.hardState.term !== this.leadTerm) return;
    if (st.pendingProposals > 0 || st.lastIndex !== this.log.appliedIndex) return;
    this.log.startLeading(this.leadTerm);
    this.reanchoring = false;
    this.forgetStamped();
  }

  isReanchoring(): boolean {
    return this.reanchoring;
  }

  // ---- waiting for the high watermark -------------------------------------------------------------

  /** Resolves when the high watermark moves, leadership ends, or the replica is closed. */
  waitForChange(waiter: () => void): () => void {
    this.hwWaiters.add(waiter);
    return () => this.hwWaiters.delete(waiter);
  }

  waiterCount(): number {
    return this.hwWaiters.size;
  }

  private wake(): void {
    if (this.hwWaiters.size === 0) return;
    const ws = [...this.hwWaiters];
    this.hwWaiters.clear();
    for (const w of ws) w();
  }

  close(): void {
    this.closed = true;
    this.stopLeading();
  }
}

export function replicaGone(groupId: GroupId): RunnelError {
  return new RunnelError('RUNNEL_ERR_NOT_LEADER', [0, `group ${groupId}`], { groupId });
}
