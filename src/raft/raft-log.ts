import { assert, type Index, type Term } from '../core/index.js';
import { CompactedError, TemporarilyUnavailableError, UnavailableError } from './errors.js';
import { limitBytes, type Storage } from './storage.js';
import type { Entry, Snapshot } from './types.js';
import { Unstable } from './unstable.js';

/**
 * The log as the core sees it: stable entries (read from Storage) followed by unstable ones.
 * Invariant: snapshotIndex <= applied <= committed <= lastIndex.
 */
export class RaftLog {
  readonly unstable: Unstable;
  committed: Index;
  applied: Index;
  /** Applying is paused until storage loads cold committed entries (see nextCommittedEntries). */
  private waitingForLoad = false;

  constructor(readonly storage: Storage, applied: Index = 0) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = Math.max(first - 1, applied);
  }

  firstIndex(): Index {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): Index {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): Term {
    return this.term(this.lastIndex());
  }

  /** Term of entry i; throws CompactedError / UnavailableError outside [firstIndex-1, lastIndex]. */
  term(i: Index): Term {
    const dummy = this.firstIndex() - 1;
    if (i < dummy) throw new CompactedError(i);
    if (i > this.lastIndex()) throw new UnavailableError(i);
    return this.unstable.maybeTerm(i) ?? this.storage.term(i);
  }

  /** Term of entry i, or undefined when it is compacted or beyond the log. */
  termOrUndefined(i: Index): Term | undefined {
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    return this.term(i);
  }

  matchTerm(i: Index, t: Term): boolean {
    return this.termOrUndefined(i) === t;
  }

  isUpToDate(lastIndex: Index, term: Term): boolean {
    const myTerm = this.lastTerm();
    return term > myTerm || (term === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Follower side of AppendEntries: if our log holds (index, logTerm), append `ents` (dropping any
   * conflicting suffix) and return the last index now known to match the leader; else undefined.
   */
  maybeAppend(
    index: Index,
    logTerm: Term,
    committed: Index,
    ents: readonly Entry[],
  ): { lastNew: Index; appended: readonly Entry[] } | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const conflict = this.findConflict(ents);
    let appended: readonly Entry[] = [];
    if (conflict !== 0) {
      assert(conflict > this.committed, () => `conflict ${conflict} at or below committed ${this.committed}`);
      appended = ents.slice(conflict - (index + 1));
      this.append(appended);
    }
    this.commitTo(Math.min(committed, lastNew));
    return { lastNew, appended };
  }

  append(ents: readonly Entry[]): Index {
    if (ents.length === 0) return this.lastIndex();
    assert(ents[0]!.index - 1 >= this.committed, () => `append at ${ents[0]!.index} below committed ${this.committed}`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** Index of the first entry that is not already in the log with the same term, or 0. */
  findConflict(ents: readonly Entry[]): Index {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term` (the fast-backtracking hint of Raft §5.3):
   * a follower rejecting an append answers with it, and the leader uses it to skip a whole term.
   */
  findConflictByTerm(index: Index, term: Term): { index: Index; term: Term } {
    let i = Math.min(index, this.lastIndex());
    for (;;) {
      const t = this.termOrUndefined(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
      i--;
    }
  }

  commitTo(i: Index): void {
    if (i <= this.committed) return;
    assert(i <= this.lastIndex(), () => `commit ${i} beyond last index ${this.lastIndex()}`);
    this.committed = i;
  }

  /** Leader: commit `maxIndex` only if it is from the current term (Raft §5.4.2, Figure 8). */
  maybeCommit(maxIndex: Index, term: Term): boolean {
    if (maxIndex > this.committed && this.termOrUndefined(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(i: Index): void {
    if (i === 0) return;
    assert(i <= this.committed && i >= this.applied, () => `applied ${i} outside [${this.applied}, ${this.committed}]`);
    this.applied = i;
  }

  stableTo(i: Index, t: Term): void {
    this.unstable.stableTo(i, t);
  }

  /** The last index the host has persisted (0 while a received snapshot is still to be persisted). */
  persistedLastIndex(): Index {
    return this.unstable.snapshot !== undefined ? 0 : this.unstable.offset - 1;
  }

  hasNextCommittedEntries(): boolean {
    return !this.waitingForLoad && this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /**
   * Committed entries not yet handed out for applying. If storage must load them from disk first
   * (TemporarilyUnavailableError), returns none and reports nothing to apply until the host calls
   * entriesLoaded(), so a host loop never spins on an empty Ready.
   */
  nextCommittedEntries(maxBytes: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed < lo || this.waitingForLoad) return [];
    try {
      return this.slice(lo, this.committed + 1, maxBytes);
    } catch (e) {
      if (!(e instanceof TemporarilyUnavailableError)) throw e;
      this.waitingForLoad = true;
      return [];
    }
  }

  /** Storage finished a background load: committed entries may be readable now. */
  entriesLoaded(): void {
    this.waitingForLoad = false;
  }

  /** Entries from `lo` to the end, within maxBytes; throws CompactedError if lo was compacted. */
  entriesFrom(lo: Index, maxBytes: number): Entry[] {
    if (lo > this.lastIndex()) return [];
    return this.slice(lo, this.lastIndex() + 1, maxBytes);
  }

  slice(lo: Index, hi: Index, maxBytes: number): Entry[] {
    if (lo === hi) return [];
    if (lo < this.firstIndex()) throw new CompactedError(lo);
    assert(hi <= this.lastIndex() + 1, () => `slice[${lo},${hi}) beyond last index ${this.lastIndex()}`);
    const uOffset = this.unstable.offset;
    let out: Entry[] = [];
    if (lo < uOffset) {
      out = this.storage.entries(lo, Math.min(hi, uOffset), maxBytes);
      // Storage stopped early on the byte budget: do not splice unstable entries after a gap.
      if (out.length < Math.min(hi, uOffset) - lo) return out;
    }
    if (hi > uOffset) {
      const u = this.unstable.slice(Math.max(lo, uOffset), hi);
      out = out.length > 0 ? out.concat(u) : u;
    }
    return limitBytes(out, maxBytes);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  restore(s: Snapshot): void {
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }

  /** Every entry from the first index on; for tests and the simulator's checks. */
  allEntries(): Entry[] {
    return this.slice(this.firstIndex(), this.lastIndex() + 1, Number.POSITIVE_INFINITY);
  }
}
