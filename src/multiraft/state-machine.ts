import type { Index } from '../core/index.js';
import type { Entry, Snapshot } from '../raft/index.js';

/**
 * A group's replicated state machine (the partition log, the metadata image) as MultiRaft drives it.
 * Every call is synchronous and made by the Ready pass after the Ready is durable, in log order;
 * each committed entry is delivered exactly once after `appliedIndex()` (per process lifetime).
 */
export interface StateMachine {
  /**
   * The last log index already reflected in the state machine when the group is added: a state
   * machine rebuilt from its own durable state returns that index; one kept only in memory returns 0,
   * and MultiRaft then restores the stored snapshot (if any) and re-delivers the committed log.
   */
  appliedIndex(): Index;
  /**
   * Committed entries, oldest first: data entries, a new leader's empty no-op (type Normal, no data)
   * and ConfChange entries alike; the state machine decides what each means.
   */
  apply(entries: readonly Entry[]): void;
  /** Replace the whole state with a snapshot (installed from the leader, or the stored one at start). */
  restore(snapshot: Snapshot): void;
  /** The state as of the last applied entry, when the host compacts the log. */
  snapshot(): Uint8Array;
}
