import { assert, type Index, type NodeId } from '../core/index.js';
import { ProposalDroppedError } from './errors.js';
import { ConfChangeType, EntryType, type ConfChange, type ConfState, type Entry } from './types.js';

/**
 * One-at-a-time membership change (Raft dissertation §4.1) with learners.
 *
 * A configuration takes effect on every node as soon as its ConfChange entry is *appended* to that
 * node's log, not when it commits; if the entry is later truncated, the node falls back to the
 * previous configuration. Each entry adds or removes one voter, so any two consecutive
 * configurations have overlapping majorities. Together with the leader's two rules in
 * raft.ts (at most one uncommitted ConfChange in the log, and none until the leader has committed an
 * entry of its own term — the fix for the single-server-change bug found after the dissertation),
 * no two leaders can be elected by disjoint majorities. Learners never vote and never count towards
 * commit, so adding or removing one is always safe. See docs/RAFT.md.
 */

export interface ConfChangeRecord {
  readonly change: ConfChange;
  /** The full configuration after the change, so an entry alone tells the membership it sets. */
  readonly confState: ConfState;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeConfChange(r: ConfChangeRecord): Uint8Array {
  return encoder.encode(JSON.stringify(r));
}

export function decodeConfChange(data: Uint8Array): ConfChangeRecord {
  const r = JSON.parse(decoder.decode(data)) as ConfChangeRecord;
  assert(Array.isArray(r.confState?.voters) && Array.isArray(r.confState?.learners), 'malformed ConfChange entry');
  return r;
}

/** The configuration `change` produces from `cs`, or ProposalDroppedError if it is not allowed. */
export function applyChange(cs: ConfState, change: ConfChange): ConfState {
  const { nodeId } = change;
  const isVoter = cs.voters.includes(nodeId);
  const isLearner = cs.learners.includes(nodeId);
  const invalid = (detail: string): never => {
    throw new ProposalDroppedError('invalid membership change', detail);
  };
  if (!(Number.isInteger(nodeId) && nodeId > 0)) invalid(`node id ${nodeId} must be a positive integer`);
  switch (change.type) {
    case ConfChangeType.AddLearner:
      if (isVoter) invalid(`node ${nodeId} is a voter; demotion is not supported`);
      if (isLearner) invalid(`node ${nodeId} is already a learner`);
      return { voters: cs.voters, learners: sorted([...cs.learners, nodeId]) };
    case ConfChangeType.AddVoter:
      if (isVoter) invalid(`node ${nodeId} is already a voter`);
      return { voters: sorted([...cs.voters, nodeId]), learners: cs.learners.filter((n) => n !== nodeId) };
    case ConfChangeType.RemoveNode:
      if (!isVoter && !isLearner) invalid(`node ${nodeId} is not a member`);
      if (isVoter && cs.voters.length === 1) invalid('cannot remove the last voter');
      return { voters: cs.voters.filter((n) => n !== nodeId), learners: cs.learners.filter((n) => n !== nodeId) };
  }
}

function sorted(ids: NodeId[]): NodeId[] {
  return ids.sort((a, b) => a - b);
}

/**
 * The configurations in force along the log: a base (as of `baseIndex`) plus one per ConfChange
 * entry above it. Invariant: indexes strictly increase; the last one is the configuration in force.
 */
export class Membership {
  private history: { index: Index; confState: ConfState }[];

  constructor(baseIndex: Index, base: ConfState) {
    this.history = [{ index: baseIndex, confState: base }];
  }

  current(): ConfState {
    return this.history[this.history.length - 1]!.confState;
  }

  /** Index of the newest ConfChange entry (or of the base). */
  lastChangeIndex(): Index {
    return this.history[this.history.length - 1]!.index;
  }

  /** The configuration in force at log index i (i must not be below the base). */
  at(i: Index): ConfState {
    assert(i >= this.history[0]!.index, () => `membership at ${i} below base ${this.history[0]!.index}`);
    for (let k = this.history.length - 1; k >= 0; k--) {
      if (this.history[k]!.index <= i) return this.history[k]!.confState;
    }
    return this.history[0]!.confState;
  }

  /** Entries were appended to the log (after any truncation was applied with truncateFrom). */
  observe(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.type !== EntryType.ConfChange) continue;
      assert(e.index > this.lastChangeIndex(), () => `ConfChange at ${e.index} not after ${this.lastChangeIndex()}`);
      this.history.push({ index: e.index, confState: decodeConfChange(e.data).confState });
    }
  }

  /** The log was truncated from index `from` on: forget configurations set there. */
  truncateFrom(from: Index): void {
    while (this.history.length > 1 && this.history[this.history.length - 1]!.index >= from) this.history.pop();
    assert(this.history[this.history.length - 1]!.index < from || this.history.length === 1, 'truncated below base');
  }

  /** Drop history that can no longer be truncated or asked for (everything before `index`). */
  compactTo(index: Index): void {
    let k = 0;
    while (k + 1 < this.history.length && this.history[k + 1]!.index <= index) k++;
    if (k > 0) this.history = this.history.slice(k);
  }

  static isVoter(cs: ConfState, id: NodeId): boolean {
    return cs.voters.includes(id);
  }

  static isMember(cs: ConfState, id: NodeId): boolean {
    return cs.voters.includes(id) || cs.learners.includes(id);
  }
}
