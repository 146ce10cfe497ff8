import type { Index, NodeId } from '../core/index.js';

export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/** The largest index that a majority of `voters` have acknowledged. */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => Index): Index {
  if (voters.length === 0) return 0;
  const matches = voters.map(matchOf).sort((a, b) => b - a);
  return matches[majority(voters.length) - 1]!;
}

export const VoteResult = { Pending: 'Pending', Won: 'Won', Lost: 'Lost' } as const;
export type VoteResult = (typeof VoteResult)[keyof typeof VoteResult];

/** Tally one answer per voter; answers from non-voters are ignored. */
export function tallyVotes(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const q = majority(voters.length);
  if (granted >= q) return VoteResult.Won;
  if (rejected > voters.length - q) return VoteResult.Lost;
  return VoteResult.Pending;
}
