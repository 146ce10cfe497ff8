import { assert, type Index } from '../core/index.js';
import { Inflights } from './inflights.js';

export const ProgressState = {
  /** Unknown match: send one append per heartbeat interval and wait for the answer. */
  Probe: 'Probe',
  /** Known match: stream appends optimistically, bounded by the inflight window. */
  Replicate: 'Replicate',
  /** The follower needs a snapshot; appends pause until it is applied (or times out). */
  Snapshot: 'Snapshot',
} as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

/**
 * The leader's view of one follower. Invariant: match < next.
 */
export class Progress {
  match: Index = 0;
  next: Index;
  state: ProgressState = ProgressState.Probe;
  /** Probe: an append was sent this heartbeat interval; wait for a reply before sending another. */
  probeSent = false;
  /** Snapshot: the index of the snapshot in flight. */
  pendingSnapshot: Index = 0;
  /** Heartbeat intervals spent waiting in Snapshot state; the snapshot is re-sent when too many. */
  snapshotWaitBeats = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(next: Index, maxInflightMsgs: number, public isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotWaitBeats = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: Index): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** An ack for index n arrived; returns false if it was stale. */
  maybeUpdate(n: Index): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** After an append up to `lastIndex` was sent optimistically. */
  sentEntries(lastIndex: Index, entryCount: number): void {
    if (this.state === ProgressState.Replicate) {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else {
      this.probeSent = true;
    }
  }

  /**
   * The follower rejected an append at `rejected`, hinting it matches at most `matchHint`.
   * Returns false for a stale rejection.
   */
  maybeDecrTo(rejected: Index, matchHint: Index): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }

  checkInvariant(): void {
    assert(this.match < this.next, () => `progress: match ${this.match} >= next ${this.next}`);
  }
}
