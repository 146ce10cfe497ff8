import { assert, type Index, type Term } from '../core/index.js';

/**
 * The term of every index of a group's log, from its term boundaries (the indexes where the term
 * changes), so term(i) is a binary search in memory even for entries that are only on disk.
 * Element 0 is the log start (the compaction point, Raft's dummy entry); every other element is
 * persisted as a TermStart key.
 *
 * Invariants: starts strictly increasing, terms strictly increasing (Raft terms never decrease along
 * a log), starts[0] = log start index.
 */
export class TermIndex {
  private starts: Index[];
  private terms: Term[];

  constructor(startIndex: Index, startTerm: Term) {
    this.starts = [startIndex];
    this.terms = [startTerm];
  }

  get startIndex(): Index {
    return this.starts[0]!;
  }

  /** Term of index i; the caller has checked i >= startIndex and i <= last index. */
  termAt(i: Index): Term {
    assert(i >= this.starts[0]!, () => `term(${i}) before log start ${this.starts[0]}`);
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.terms[lo]!;
  }

  lastTerm(): Term {
    return this.terms[this.terms.length - 1]!;
  }

  /**
   * Record that entry `index` (appended right after the current last entry) has `term`; true when it
   * starts a new term (the caller persists a TermStart key).
   */
  append(index: Index, term: Term): boolean {
    const lastTerm = this.lastTerm();
    assert(term >= lastTerm, () => `term ${term} at index ${index} below previous term ${lastTerm}`);
    if (term === lastTerm) return false;
    assert(index > this.starts[this.starts.length - 1]!, () => `term start ${index} out of order`);
    this.starts.push(index);
    this.terms.push(term);
    return true;
  }

  /** Forget boundaries at and after `index` (a truncated suffix); returns the removed start indexes. */
  truncateFrom(index: Index): Index[] {
    assert(index > this.starts[0]!, () => `truncating at ${index}, at or before log start ${this.starts[0]}`);
    const removed: Index[] = [];
    while (this.starts[this.starts.length - 1]! >= index) {
      removed.push(this.starts.pop()!);
      this.terms.pop();
    }
    return removed;
  }

  /** Move the log start to `index` (compaction); returns the removed persisted start indexes. */
  compactTo(index: Index): Index[] {
    assert(index >= this.starts[0]!, () => `compacting to ${index}, before log start ${this.starts[0]}`);
    const term = this.termAt(index);
    let k = 1;
    while (k < this.starts.length && this.starts[k]! <= index) k++;
    const removed = this.starts.slice(1, k);
    this.starts = [index, ...this.starts.slice(k)];
    this.terms = [term, ...this.terms.slice(k)];
    return removed;
  }

  /** Persisted boundaries (all but the log start), oldest first. */
  boundaries(): Array<{ index: Index; term: Term }> {
    return this.starts.slice(1).map((index, k) => ({ index, term: this.terms[k + 1]! }));
  }
}
