import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/core/index.js';
import { CompactedError, MemoryStorage, UnavailableError } from '../../src/raft/index.js';
import { RaftLog } from '../../src/raft/raft-log.js';
import { entries, ids, snapshot } from './helpers.js';

/** A RaftLog whose storage holds `stableTerms` from index 1 and whose unstable part holds `unstableTerms`. */
function logOf(stableTerms: number[], unstableTerms: number[] = []): RaftLog {
  const storage = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
  storage.append(entries(1, stableTerms));
  const log = new RaftLog(storage);
  if (unstableTerms.length > 0) log.append(entries(stableTerms.length + 1, unstableTerms));
  return log;
}

describe('RaftLog bounds and terms', () => {
  it('spans stable and unstable entries', () => {
    const log = logOf([1, 1, 2], [3, 3]);
    expect(log.firstIndex()).toBe(1);
    expect(log.lastIndex()).toBe(5);
    expect(log.lastTerm()).toBe(3);
    expect([0, 1, 2, 3, 4, 5].map((i) => log.term(i))).toEqual([0, 1, 1, 2, 3, 3]);
    expect(ids(log.allEntries())).toEqual(['1/1', '1/2', '2/3', '3/4', '3/5']);
  });

  it('throws typed errors outside [firstIndex-1, lastIndex]', () => {
    const storage = new MemoryStorage();
    storage.applySnapshot(snapshot(5, 2));
    storage.append(entries(6, [2, 3]));
    const log = new RaftLog(storage);
    expect(log.term(5)).toBe(2); // the snapshot's index is still known
    expect(() => log.term(4)).toThrow(CompactedError);
    expect(() => log.term(8)).toThrow(UnavailableError);
    expect(log.termOrUndefined(4)).toBeUndefined();
    expect(log.termOrUndefined(8)).toBeUndefined();
    expect(() => log.slice(5, 7, Infinity)).toThrow(CompactedError);
    expect(log.committed).toBe(5);
    expect(log.applied).toBe(5);
  });

  it('slices across the stable/unstable boundary within a byte budget, but always one entry', () => {
    const log = logOf([1, 1, 2], [3, 3]);
    expect(ids(log.slice(2, 6, Infinity))).toEqual(['1/2', '2/3', '3/4', '3/5']);
    // Each entry costs its data (2 bytes: "e2") plus 16.
    expect(ids(log.slice(2, 6, 36))).toEqual(['1/2', '2/3']);
    expect(ids(log.slice(2, 6, 1))).toEqual(['1/2']);
    expect(ids(log.slice(4, 6, 1))).toEqual(['3/4']);
    expect(log.slice(3, 3, Infinity)).toEqual([]);
    expect(log.entriesFrom(6, Infinity)).toEqual([]);
  });
});

describe('RaftLog.isUpToDate (Raft §5.4.1)', () => {
  const log = logOf([1, 2, 2]); // last entry 2/3
  it.each([
    [3, 2, true, 'same last term, same length'],
    [4, 2, true, 'same last term, longer'],
    [2, 2, false, 'same last term, shorter'],
    [1, 3, true, 'higher last term wins even if shorter'],
    [9, 1, false, 'lower last term loses even if longer'],
  ])('candidate last entry index %i term %i -> %s (%s)', (index, term, expected) => {
    expect(log.isUpToDate(index, term)).toBe(expected);
  });
});

describe('RaftLog.maybeAppend (the follower side of AppendEntries)', () => {
  it('rejects when the previous entry is missing or has another term', () => {
    const log = logOf([1, 2, 3]);
    expect(log.maybeAppend(3, 2, 0, entries(4, [4]))).toBeUndefined();
    expect(log.maybeAppend(4, 3, 0, entries(5, [4]))).toBeUndefined();
    expect(log.lastIndex()).toBe(3);
  });

  it('appends after the end and advances commit up to the last new entry only', () => {
    const log = logOf([1, 2, 3]);
    const r = log.maybeAppend(3, 3, 10, entries(4, [3, 3]));
    expect(r?.lastNew).toBe(5);
    expect(ids(r!.appended)).toEqual(['3/4', '3/5']);
    expect(log.committed).toBe(5); // min(leader commit 10, last new 5)
  });

  it('replaces a conflicting suffix from the first conflict on', () => {
    const log = logOf([1, 2, 3, 3, 3]);
    const r = log.maybeAppend(2, 2, 0, entries(3, [3, 4]));
    expect(ids(r!.appended)).toEqual(['4/4']);
    expect(ids(log.allEntries())).toEqual(['1/1', '2/2', '3/3', '4/4']);
  });

  it('never commits entries beyond those the append verified, even if it holds more', () => {
    // The entries after index 2 may be a stale tail from an older term that the leader will
    // overwrite; only what the leader's append proved to match may take the leader's commit index.
    const log = logOf([1, 2, 3, 3]);
    const r = log.maybeAppend(1, 1, 4, entries(2, [2]));
    expect(r?.lastNew).toBe(2);
    expect(log.committed).toBe(2);
  });

  it('does not truncate for a stale append whose entries it already holds', () => {
    const log = logOf([1, 2, 3, 3]);
    const r = log.maybeAppend(1, 1, 2, entries(2, [2]));
    expect(r).toEqual({ lastNew: 2, appended: [] });
    expect(log.lastIndex()).toBe(4);
    expect(log.committed).toBe(2);
  });

  it('refuses to overwrite a committed entry', () => {
    const log = logOf([1, 2, 3]);
    log.commitTo(3);
    expect(() => log.maybeAppend(2, 2, 3, entries(3, [4]))).toThrow(AssertionError);
  });

  it('makes the follower agree with the leader up to the last appended entry (Log Matching)', () => {
    // Logs of a leader and a follower that share a prefix and then diverge.
    const arb = fc
      .record({
        shared: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 6 }),
        leaderRest: fc.array(fc.integer({ min: 4, max: 5 }), { maxLength: 6 }),
        followerRest: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 6 }),
        prev: fc.nat(),
        count: fc.nat(),
      })
      .map((r) => {
        const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);
        const shared = sorted(r.shared);
        const leader = [...shared, ...sorted(r.leaderRest)];
        const follower = [...shared, ...sorted(r.followerRest).map((t) => Math.max(t, shared[shared.length - 1] ?? 1))];
        const prev = r.prev % (leader.length + 1);
        const count = r.count % (leader.length - prev + 1);
        return { leader, follower, prev, count };
      });
    fc.assert(
      fc.property(arb, ({ leader, follower, prev, count }) => {
        const log = logOf(follower);
        const before = ids(log.allEntries());
        const prevTerm = prev === 0 ? 0 : leader[prev - 1]!;
        const sent = entries(prev + 1, leader.slice(prev, prev + count));
        const r = log.maybeAppend(prev, prevTerm, 0, sent);
        const after = log.allEntries();
        if (r === undefined) {
          // Rejected exactly when the follower lacks the leader's entry at prev.
          expect(follower[prev - 1] === prevTerm || prev === 0).toBe(false);
          expect(ids(after)).toEqual(before);
          return;
        }
        expect(r.lastNew).toBe(prev + count);
        expect(ids(after.slice(0, prev + count))).toEqual(ids(entries(1, leader.slice(0, prev + count))));
      }),
    );
  });
});

describe('RaftLog.findConflictByTerm (fast log backtracking)', () => {
  const log = logOf([1, 1, 2, 2, 5]);
  it.each([
    [5, 5, 5, 5],
    [5, 3, 4, 2],
    [5, 1, 2, 1],
    [9, 2, 4, 2],
    [5, 0, 0, 0],
  ])('(index %i, term %i) -> last index %i with term %i at or below it', (index, term, eIndex, eTerm) => {
    expect(log.findConflictByTerm(index, term)).toEqual({ index: eIndex, term: eTerm });
  });

  it('stops at the compaction point with term 0', () => {
    const storage = new MemoryStorage();
    storage.applySnapshot(snapshot(3, 3));
    storage.append(entries(4, [4, 4]));
    const compacted = new RaftLog(storage);
    expect(compacted.findConflictByTerm(5, 3)).toEqual({ index: 3, term: 3 });
    expect(compacted.findConflictByTerm(5, 2)).toEqual({ index: 2, term: 0 });
  });
});

describe('RaftLog commit and apply', () => {
  it('commits by count only entries of the current term (Raft §5.4.2, Figure 8)', () => {
    const log = logOf([1, 2, 4]);
    expect(log.maybeCommit(2, 4)).toBe(false);
    expect(log.committed).toBe(0);
    expect(log.maybeCommit(3, 4)).toBe(true);
    expect(log.committed).toBe(3);
    expect(log.maybeCommit(2, 4)).toBe(false); // never backwards
    expect(log.committed).toBe(3);
  });

  it('hands out committed entries after applied, within a byte budget, until applied catches up', () => {
    const log = logOf([1, 1, 1, 1]);
    log.commitTo(3);
    expect(log.hasNextCommittedEntries()).toBe(true);
    expect(ids(log.nextCommittedEntries(Infinity))).toEqual(['1/1', '1/2', '1/3']);
    expect(ids(log.nextCommittedEntries(1))).toEqual(['1/1']);
    log.appliedTo(3);
    expect(log.hasNextCommittedEntries()).toBe(false);
    expect(log.nextCommittedEntries(Infinity)).toEqual([]);
    expect(() => log.appliedTo(4)).toThrow(AssertionError); // beyond committed
    expect(() => log.commitTo(9)).toThrow(AssertionError); // beyond the log
  });

  it('restores a snapshot: everything up to it is committed and the log starts after it', () => {
    const log = logOf([1, 1, 1]);
    log.restore(snapshot(10, 4));
    expect(log.committed).toBe(10);
    expect(log.firstIndex()).toBe(11);
    expect(log.lastIndex()).toBe(10);
    expect(log.lastTerm()).toBe(4);
    expect(log.hasNextCommittedEntries()).toBe(false);
    expect(log.snapshot().meta.index).toBe(10);
  });
});
