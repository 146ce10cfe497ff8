import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/core/index.js';
import { CompactedError, entryBytes, limitBytes, MemoryStorage, UnavailableError } from '../../src/raft/index.js';
import { entries, ids, snapshot } from './helpers.js';

const conf = { voters: [1, 2, 3], learners: [] };

describe('MemoryStorage', () => {
  it('starts empty at index 0 with the bootstrap membership', () => {
    const s = new MemoryStorage(conf);
    expect([s.firstIndex(), s.lastIndex(), s.term(0)]).toEqual([1, 0, 0]);
    expect(s.initialState().confState).toEqual(conf);
    expect(s.snapshot().meta.index).toBe(0);
  });

  it('replaces the suffix from the first appended index and skips compacted entries', () => {
    const s = new MemoryStorage(conf);
    s.append(entries(1, [1, 1, 1, 2]));
    s.append(entries(3, [3]));
    expect(ids(s.entries(1, 4, Infinity))).toEqual(['1/1', '1/2', '3/3']);
    s.compact(2);
    s.append(entries(1, [1, 1, 3, 3]));
    expect([s.firstIndex(), s.lastIndex()]).toEqual([3, 4]);
    expect(ids(s.entries(3, 5, Infinity))).toEqual(['3/3', '3/4']);
    expect(() => s.append(entries(6, [3]))).toThrow(AssertionError); // a gap
  });

  it('serves terms and entries only in range, with typed errors', () => {
    const s = new MemoryStorage(conf);
    s.append(entries(1, [1, 2, 3]));
    s.compact(1);
    expect(s.term(1)).toBe(1);
    expect(() => s.term(0)).toThrow(CompactedError);
    expect(() => s.term(4)).toThrow(UnavailableError);
    expect(() => s.entries(1, 3, Infinity)).toThrow(CompactedError);
    expect(() => s.entries(2, 5, Infinity)).toThrow(UnavailableError);
    expect(ids(s.entries(2, 4, 1))).toEqual(['2/2']); // at least one entry
  });

  it('keeps the stored ConfChange entries after the snapshot for the core to replay', () => {
    const s = new MemoryStorage(conf);
    s.append(entries(1, [1, 1]));
    s.append([{ term: 1, index: 3, type: 1, data: new Uint8Array([123, 125]) }]);
    expect(s.initialState().confEntries.map((e) => e.index)).toEqual([3]);
  });

  it('creates snapshots only forwards and within the log; applySnapshot replaces everything', () => {
    const s = new MemoryStorage(conf);
    s.append(entries(1, [1, 1, 2]));
    const snap = s.createSnapshot(2, conf, new Uint8Array([7]));
    expect(snap.meta).toEqual({ index: 2, term: 1, confState: conf });
    expect(() => s.createSnapshot(2, conf, new Uint8Array(0))).toThrow(AssertionError);
    expect(() => s.createSnapshot(4, conf, new Uint8Array(0))).toThrow(AssertionError);
    s.applySnapshot(snapshot(10, 4));
    expect([s.firstIndex(), s.lastIndex(), s.term(10)]).toEqual([11, 10, 4]);
    expect(() => s.applySnapshot(snapshot(9, 4))).toThrow(AssertionError);
  });

  it('agrees with a plain array model through appends, compactions, snapshots', () => {
    type Op =
      | { kind: 'append'; at: number; terms: number[] }
      | { kind: 'compact'; at: number }
      | { kind: 'snapshot'; at: number }
      | { kind: 'install'; ahead: number; term: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), at: fc.nat(30), terms: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }) }) },
      fc.record({ kind: fc.constant('compact' as const), at: fc.nat(30) }),
      fc.record({ kind: fc.constant('snapshot' as const), at: fc.nat(30) }),
      fc.record({ kind: fc.constant('install' as const), ahead: fc.nat(5), term: fc.integer({ min: 1, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const s = new MemoryStorage(conf);
        // The model: t[i] is the term at index i for i in [dummy, last]; dummy is the compaction point.
        let t: number[] = [0];
        let dummy = 0;
        let snapIndex = 0;
        const last = (): number => t.length - 1;
        for (const o of ops) {
          if (o.kind === 'append') {
            const from = Math.min(o.at, last() + 1); // no gaps
            s.append(entries(from, o.terms));
            const end = from + o.terms.length - 1;
            if (end > dummy) {
              const freshFrom = Math.max(from, dummy + 1);
              t.length = freshFrom;
              for (let i = freshFrom; i <= end; i++) t[i] = o.terms[i - from]!;
            }
          } else if (o.kind === 'compact') {
            const at = Math.min(o.at, last());
            s.compact(at);
            dummy = Math.max(dummy, at);
          } else if (o.kind === 'snapshot') {
            const at = Math.min(o.at, last());
            if (at <= snapIndex || at < dummy) continue;
            s.createSnapshot(at, conf, new Uint8Array(0));
            snapIndex = at;
          } else {
            const index = Math.max(snapIndex, last()) + o.ahead;
            s.applySnapshot(snapshot(index, o.term));
            t = [];
            t[index] = o.term;
            dummy = index;
            snapIndex = index;
          }
          expect(s.firstIndex()).toBe(dummy + 1);
          expect(s.lastIndex()).toBe(last());
          for (let i = dummy; i <= last(); i++) expect(s.term(i)).toBe(t[i]);
          if (dummy > 0) expect(() => s.term(dummy - 1)).toThrow(CompactedError);
          expect(() => s.term(last() + 1)).toThrow(UnavailableError);
          if (last() > dummy) {
            expect(s.entries(dummy + 1, last() + 1, Infinity).map((e) => e.term)).toEqual(t.slice(dummy + 1));
          }
          expect(s.snapshot().meta.index).toBe(snapIndex);
        }
      }),
    );
  });
});

describe('limitBytes', () => {
  it('returns the longest prefix within the budget, but at least one entry', () => {
    const ents = entries(1, [1, 1, 1]); // "e1".."e3": 2 bytes + 16 each
    expect(entryBytes(ents[0]!)).toBe(18);
    expect(limitBytes(ents, 0).length).toBe(1);
    expect(limitBytes(ents, 36).length).toBe(2);
    expect(limitBytes(ents, 53).length).toBe(2);
    expect(limitBytes(ents, 54)).toBe(ents);
    expect(limitBytes([], 10)).toEqual([]);
  });
});
