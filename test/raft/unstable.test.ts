import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/core/index.js';
import { Unstable } from '../../src/raft/unstable.js';
import { entries, ids, snapshot } from './helpers.js';

function unstableOf(offset: number, terms: number[]): Unstable {
  const u = new Unstable(offset);
  if (terms.length > 0) u.truncateAndAppend(entries(offset, terms));
  return u;
}

describe('Unstable', () => {
  it('knows no bounds of its own when empty and without a snapshot', () => {
    const u = new Unstable(5);
    expect(u.maybeFirstIndex()).toBeUndefined();
    expect(u.maybeLastIndex()).toBeUndefined();
    expect(u.maybeTerm(4)).toBeUndefined();
  });

  it('answers bounds and terms for its entries', () => {
    const u = unstableOf(5, [1, 2]);
    expect(u.maybeFirstIndex()).toBeUndefined(); // the first index comes from storage
    expect(u.maybeLastIndex()).toBe(6);
    expect([4, 5, 6, 7].map((i) => u.maybeTerm(i))).toEqual([undefined, 1, 2, undefined]);
  });

  it('answers for a pending snapshot: first index after it, its term at its index', () => {
    const u = new Unstable(1);
    u.restore(snapshot(10, 3));
    expect(u.offset).toBe(11);
    expect(u.maybeFirstIndex()).toBe(11);
    expect(u.maybeLastIndex()).toBe(10);
    expect(u.maybeTerm(10)).toBe(3);
    expect(u.maybeTerm(9)).toBeUndefined();
    u.truncateAndAppend(entries(11, [3]));
    expect(u.maybeLastIndex()).toBe(11);
    u.stableSnapTo(9);
    expect(u.snapshot).toBeDefined(); // another index: not the snapshot that was persisted
    u.stableSnapTo(10);
    expect(u.snapshot).toBeUndefined();
  });

  describe('truncateAndAppend', () => {
    it('appends directly after the last entry', () => {
      const u = unstableOf(5, [1, 1]);
      u.truncateAndAppend(entries(7, [2]));
      expect(u.offset).toBe(5);
      expect(ids(u.entries)).toEqual(['1/5', '1/6', '2/7']);
    });

    it('replaces everything (and moves the offset back) when the new entries start at or before the offset', () => {
      const u = unstableOf(5, [1, 1]);
      u.truncateAndAppend(entries(3, [2, 2]));
      expect(u.offset).toBe(3);
      expect(ids(u.entries)).toEqual(['2/3', '2/4']);
    });

    it('truncates in the middle and appends', () => {
      const u = unstableOf(5, [1, 1, 1]);
      u.truncateAndAppend(entries(6, [2]));
      expect(ids(u.entries)).toEqual(['1/5', '2/6']);
    });
  });

  describe('stableTo', () => {
    it('drops entries up to a persisted (index, term)', () => {
      const u = unstableOf(5, [1, 1, 2]);
      u.stableTo(6, 1);
      expect(u.offset).toBe(7);
      expect(ids(u.entries)).toEqual(['2/7']);
    });

    it('ignores a persisted entry that has since been replaced (term mismatch)', () => {
      const u = unstableOf(5, [1, 1]);
      u.truncateAndAppend(entries(6, [3]));
      u.stableTo(6, 1);
      expect(u.offset).toBe(5);
      expect(ids(u.entries)).toEqual(['1/5', '3/6']);
    });

    it('ignores indexes below the offset', () => {
      const u = unstableOf(5, [1]);
      u.stableTo(4, 1);
      expect(u.offset).toBe(5);
      expect(u.entries.length).toBe(1);
    });
  });

  it('slices only within its entries', () => {
    const u = unstableOf(5, [1, 2, 3]);
    expect(ids(u.slice(6, 8))).toEqual(['2/6', '3/7']);
    expect(() => u.slice(4, 6)).toThrow(AssertionError);
    expect(() => u.slice(6, 9)).toThrow(AssertionError);
  });

  it('keeps entries[i].index === offset + i through any sequence of appends and persists', () => {
    type Op = { kind: 'append'; from: number; terms: number[] } | { kind: 'stable'; at: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), from: fc.nat(12), terms: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }) }),
      fc.record({ kind: fc.constant('stable' as const), at: fc.nat(12) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
        const u = new Unstable(1);
        const model = new Map<number, number>(); // index -> term of every entry appended and not replaced
        let last = 0;
        for (const o of ops) {
          if (o.kind === 'append') {
            // Appends never leave a gap and never go below what has been persisted.
            const from = Math.max(u.offset, Math.min(o.from, last + 1));
            u.truncateAndAppend(entries(from, o.terms));
            for (let i = from; i <= last; i++) model.delete(i);
            o.terms.forEach((t, k) => model.set(from + k, t));
            last = from + o.terms.length - 1;
          } else {
            const t = model.get(o.at);
            if (t !== undefined) u.stableTo(o.at, t);
          }
          u.entries.forEach((e, i) => expect(e.index).toBe(u.offset + i));
          for (const e of u.entries) expect(e.term).toBe(model.get(e.index));
          if (u.entries.length > 0) expect(u.maybeLastIndex()).toBe(last);
        }
      }),
    );
  });
});
