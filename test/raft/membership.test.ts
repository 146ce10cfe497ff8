import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/core/index.js';
import {
  applyChange,
  ConfChangeType,
  decodeConfChange,
  encodeConfChange,
  EntryType,
  ProposalDroppedError,
  type ConfChange,
  type ConfState,
  type Entry,
} from '../../src/raft/index.js';
import { Membership } from '../../src/raft/membership.js';
import { majority } from '../../src/raft/quorum.js';

const cs = (voters: number[], learners: number[] = []): ConfState => ({ voters, learners });
const addVoter = (nodeId: number): ConfChange => ({ type: ConfChangeType.AddVoter, nodeId });
const addLearner = (nodeId: number): ConfChange => ({ type: ConfChangeType.AddLearner, nodeId });
const remove = (nodeId: number): ConfChange => ({ type: ConfChangeType.RemoveNode, nodeId });

function confEntry(index: number, change: ConfChange, confState: ConfState): Entry {
  return { term: 1, index, type: EntryType.ConfChange, data: encodeConfChange({ change, confState }) };
}

describe('applyChange', () => {
  it('adds learners and voters in id order, promoting a learner', () => {
    expect(applyChange(cs([1, 3]), addLearner(2))).toEqual(cs([1, 3], [2]));
    expect(applyChange(cs([1, 3], [2]), addVoter(2))).toEqual(cs([1, 2, 3]));
    expect(applyChange(cs([3]), addVoter(1))).toEqual(cs([1, 3]));
  });

  it('removes voters and learners', () => {
    expect(applyChange(cs([1, 2, 3], [4]), remove(2))).toEqual(cs([1, 3], [4]));
    expect(applyChange(cs([1, 2, 3], [4]), remove(4))).toEqual(cs([1, 2, 3]));
  });

  it.each([
    ['adding an existing voter as learner (demotion)', cs([1, 2]), addLearner(2)],
    ['adding a learner twice', cs([1], [2]), addLearner(2)],
    ['adding an existing voter', cs([1, 2]), addVoter(2)],
    ['removing a non-member', cs([1, 2]), remove(3)],
    ['removing the last voter', cs([1], [2]), remove(1)],
    ['a non-positive node id', cs([1]), addLearner(0)],
    ['a fractional node id', cs([1]), addLearner(1.5)],
  ])('refuses %s', (_what, from, change) => {
    expect(() => applyChange(from, change)).toThrow(ProposalDroppedError);
  });

  it('round-trips through the entry encoding', () => {
    const rec = { change: addLearner(4), confState: cs([1, 2, 3], [4]) };
    expect(decodeConfChange(encodeConfChange(rec))).toEqual(rec);
    expect(() => decodeConfChange(new TextEncoder().encode('{"change":{}}'))).toThrow(AssertionError);
  });
});

describe('Membership', () => {
  it('tracks the configuration in force along the log', () => {
    const m = new Membership(10, cs([1, 2, 3]));
    m.observe([
      { term: 1, index: 11, type: EntryType.Normal, data: new Uint8Array(0) },
      confEntry(12, addLearner(4), cs([1, 2, 3], [4])),
      confEntry(15, addVoter(4), cs([1, 2, 3, 4])),
    ]);
    expect(m.current()).toEqual(cs([1, 2, 3, 4]));
    expect(m.lastChangeIndex()).toBe(15);
    expect(m.at(10)).toEqual(cs([1, 2, 3]));
    expect(m.at(11)).toEqual(cs([1, 2, 3]));
    expect(m.at(12)).toEqual(cs([1, 2, 3], [4]));
    expect(m.at(14)).toEqual(cs([1, 2, 3], [4]));
    expect(m.at(99)).toEqual(cs([1, 2, 3, 4]));
    expect(() => m.at(9)).toThrow(AssertionError);
  });

  it('falls back to the previous configuration when a change is truncated from the log', () => {
    const m = new Membership(0, cs([1, 2, 3]));
    m.observe([confEntry(2, addLearner(4), cs([1, 2, 3], [4])), confEntry(5, remove(3), cs([1, 2], [4]))]);
    m.truncateFrom(6);
    expect(m.current()).toEqual(cs([1, 2], [4]));
    m.truncateFrom(5);
    expect(m.current()).toEqual(cs([1, 2, 3], [4]));
    m.truncateFrom(1);
    expect(m.current()).toEqual(cs([1, 2, 3]));
    expect(m.lastChangeIndex()).toBe(0);
  });

  it('forgets history that can no longer be truncated, keeping what is in force', () => {
    const m = new Membership(0, cs([1]));
    m.observe([confEntry(2, addVoter(2), cs([1, 2])), confEntry(4, addVoter(3), cs([1, 2, 3]))]);
    m.compactTo(3);
    expect(m.at(3)).toEqual(cs([1, 2]));
    expect(() => m.at(1)).toThrow(AssertionError);
    expect(m.current()).toEqual(cs([1, 2, 3]));
  });

  it('refuses a change that is not after the last one', () => {
    const m = new Membership(5, cs([1]));
    expect(() => m.observe([confEntry(5, addVoter(2), cs([1, 2]))])).toThrow(AssertionError);
  });
});

/** A random sequence of allowed one-at-a-time changes from a single voter. */
const changeSequence = fc
  .array(fc.record({ type: fc.constantFrom(...Object.values(ConfChangeType)), nodeId: fc.integer({ min: 1, max: 6 }) }), {
    maxLength: 25,
  })
  .map((proposed) => {
    let conf = cs([1]);
    const steps: { change: ConfChange; confState: ConfState }[] = [];
    for (const change of proposed) {
      try {
        conf = applyChange(conf, change);
      } catch (e) {
        if (e instanceof ProposalDroppedError) continue;
        throw e;
      }
      steps.push({ change, confState: conf });
    }
    return steps;
  });

/** Every subset of `ids` that is a majority of them. */
function majorities(ids: readonly number[]): number[][] {
  const out: number[][] = [];
  for (let mask = 0; mask < 1 << ids.length; mask++) {
    const subset = ids.filter((_, i) => (mask >> i) & 1);
    if (subset.length >= majority(ids.length)) out.push(subset);
  }
  return out;
}

describe('membership properties', () => {
  it('every reachable configuration is well formed', () => {
    fc.assert(
      fc.property(changeSequence, (steps) => {
        for (const { confState } of steps) {
          const { voters, learners } = confState;
          expect(voters.length).toBeGreaterThan(0);
          expect(new Set([...voters, ...learners]).size).toBe(voters.length + learners.length);
          expect([...voters].sort((a, b) => a - b)).toEqual(voters);
          expect([...learners].sort((a, b) => a - b)).toEqual(learners);
        }
      }),
    );
  });

  it('any majority of a configuration meets any majority of the next one (one change at a time)', () => {
    fc.assert(
      fc.property(changeSequence, (steps) => {
        let prev = cs([1]);
        for (const { confState } of steps) {
          for (const a of majorities(prev.voters)) {
            for (const b of majorities(confState.voters)) {
              expect(a.some((id) => b.includes(id)), `${a} / ${b}`).toBe(true);
            }
          }
          prev = confState;
        }
      }),
    );
  });

  it('Membership replays a log of changes: at(i), truncateFrom and compactTo agree with the sequence', () => {
    fc.assert(
      fc.property(changeSequence, fc.nat(), fc.nat(), (steps, cutSeed, compactSeed) => {
        const m = new Membership(0, cs([1]));
        // Change k is the log entry at index 2k+1; the entries in between are normal ones.
        m.observe(steps.map((s, k) => confEntry(2 * k + 1, s.change, s.confState)));
        const confAt = (i: number): ConfState => {
          const k = Math.floor((i - 1) / 2);
          return i < 1 ? cs([1]) : steps[Math.min(k, steps.length - 1)]?.confState ?? cs([1]);
        };
        const last = 2 * steps.length + 1;
        for (let i = 0; i <= last; i++) expect(m.at(i)).toEqual(confAt(i));
        const compact = compactSeed % (last + 1);
        m.compactTo(compact);
        for (let i = compact; i <= last; i++) expect(m.at(i)).toEqual(confAt(i));
        const cut = compact + 1 + (cutSeed % (last - compact + 1));
        m.truncateFrom(cut);
        expect(m.current()).toEqual(confAt(cut - 1));
      }),
    );
  });
});
