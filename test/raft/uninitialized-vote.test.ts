/**
 * A replica created empty to be added to a group (no configuration yet) grants no vote. The chaos
 * harness found why it must not: a partition moved off node 4 and back, so node 4's replica was
 * deleted and created again, empty; node 3, restarted with a stale log whose configuration still
 * counted node 4 as a voter, won an election with the newcomer's vote and overwrote a committed entry.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/core/index.js';
import { MemoryStorage, MessageType, RawNode, type Message } from '../../src/raft/index.js';
import { entries } from './helpers.js';

function voteRequest(type: MessageType.Vote | MessageType.PreVote, term: number, lastIndex: number, lastTerm: number): Message {
  return { type, from: 3, to: 4, term, logTerm: lastTerm, index: lastIndex, entries: [], commit: 0, reject: false, rejectHint: 0 };
}

function answer(node: RawNode): { type: MessageType; reject: boolean }[] {
  const rd = node.ready();
  node.advance(rd);
  return rd.messages.map((m) => ({ type: m.type, reject: m.reject }));
}

describe('a vote request to a replica without a configuration', () => {
  it('is refused, for a vote and a pre-vote, however up to date the candidate is', () => {
    const node = new RawNode({ id: 4, storage: new MemoryStorage({ voters: [], learners: [] }), rng: new SeededRng(1) });
    node.step(voteRequest(MessageType.PreVote, 20, 8435, 19));
    expect(answer(node)).toEqual([{ type: MessageType.PreVoteResp, reject: true }]);
    node.step(voteRequest(MessageType.Vote, 20, 8435, 19));
    expect(answer(node)).toEqual([{ type: MessageType.VoteResp, reject: true }]);
    expect(node.status().hardState.vote).toBe(0);
  });

  it('is granted as usual once the replica has a configuration', () => {
    const storage = new MemoryStorage({ voters: [2, 3, 4], learners: [] });
    storage.append(entries(1, [1, 1]));
    const node = new RawNode({ id: 4, storage, rng: new SeededRng(1) });
    node.step(voteRequest(MessageType.Vote, 2, 2, 1));
    expect(answer(node)).toEqual([{ type: MessageType.VoteResp, reject: false }]);
    expect(node.status().hardState.vote).toBe(3);
  });
});
