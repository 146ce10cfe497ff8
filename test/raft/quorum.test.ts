import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { committedIndex, majority, tallyVotes, VoteResult } from '../../src/raft/quorum.js';

/** Voters with their acknowledged index. */
const votersWithMatches = fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 7 }).chain((voters) =>
  fc.array(fc.nat(20), { minLength: voters.length, maxLength: voters.length }).map((matches) => ({ voters, matches })),
);

describe('quorum', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [6, 4],
    [7, 4],
  ])('majority(%i) = %i', (n, q) => {
    expect(majority(n)).toBe(q);
  });

  it('committedIndex of no voters is 0', () => {
    expect(committedIndex([], () => 7)).toBe(0);
  });

  it('committedIndex is the largest index that a majority of voters has acknowledged', () => {
    fc.assert(
      fc.property(votersWithMatches, ({ voters, matches }) => {
        const matchOf = (id: number): number => matches[voters.indexOf(id)]!;
        // Brute force: try every candidate index, keep the largest one held by a majority.
        let expected = 0;
        for (const candidate of [0, ...matches]) {
          const holders = matches.filter((m) => m >= candidate).length;
          if (holders >= Math.floor(voters.length / 2) + 1) expected = Math.max(expected, candidate);
        }
        expect(committedIndex(voters, matchOf)).toBe(expected);
      }),
    );
  });

  it('tallyVotes: won with a majority of grants, lost once a majority can no longer be reached', () => {
    const arb = fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 7 }).chain((voters) =>
      fc
        .array(fc.constantFrom<boolean | undefined>(true, false, undefined), { minLength: voters.length, maxLength: voters.length })
        .map((answers) => ({ voters, answers })),
    );
    fc.assert(
      fc.property(arb, fc.boolean(), ({ voters, answers }, strangerVotes) => {
        const votes = new Map<number, boolean>();
        voters.forEach((id, i) => {
          const a = answers[i];
          if (a !== undefined) votes.set(id, a);
        });
        // Answers from non-voters (a learner, a removed node) must not count.
        votes.set(100, strangerVotes);
        votes.set(101, strangerVotes);
        const granted = answers.filter((a) => a === true).length;
        const pending = answers.filter((a) => a === undefined).length;
        const q = Math.floor(voters.length / 2) + 1;
        const expected = granted >= q ? VoteResult.Won : granted + pending < q ? VoteResult.Lost : VoteResult.Pending;
        expect(tallyVotes(voters, votes)).toBe(expected);
      }),
    );
  });
});
