/**
 * A replica created empty to be added to a group (no configuration yet) grants no vote. The chaos
 * harness found why it must not: a partition moved off node 4 and back, so node 4's replica was
 * deleted and created again, empty; node 3, restarted with a stale log whose configuration still
 * counted node 4 as a voter, won an election with the newcomer's vote and overwrote a committed entry.
 * The newcomer's catch-up target is part of its hard state, so a restart before it caught up does not
 * make it a voter early.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/core/index.js';
import { ConfChangeType, encodeConfChange, EntryType, MemoryStorage, MessageType, RawNode, type Entry, type Message } from '../../src/raft/index.js';
import { entries } from './helpers.js';

function voteRequest(type: typeof MessageType.Vote | typeof MessageType.PreVote, term: number, lastIndex: number, lastTerm: number, from = 3): Message {
  return { type, from, to: 4, term, logTerm: lastTerm, index: lastIndex, entries: [], commit: 0, reject: false, rejectHint: 0 };
}

/** Persist the Ready into `storage` (as a host does), advance, and return its messages. */
function answer(node: RawNode, storage?: MemoryStorage): { type: MessageType; reject: boolean }[] {
  const rd = node.ready();
  if (storage) {
    if (rd.entries.length > 0) storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
  }
  node.advance(rd);
  return rd.messages.map((m) => ({ type: m.type, reject: m.reject }));
}

function append(term: number, prevIndex: number, prevTerm: number, ents: readonly Entry[], commit: number): Message {
  return { type: MessageType.App, from: 2, to: 4, term, logTerm: prevTerm, index: prevIndex, entries: ents, commit, reject: false, rejectHint: 0 };
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

  it('is refused by a newcomer fed an old prefix of the log until it reaches the commit index of its first append', () => {
    const storage = new MemoryStorage({ voters: [], learners: [] });
    const node = new RawNode({ id: 4, storage, rng: new SeededRng(1) });
    // The leader (node 2, term 5) first sends entries 1-3 of 10 committed ones: an old prefix whose
    // first entry is a configuration listing node 4 as a voter (its earlier, deleted replica).
    const oldConf: Entry = { term: 1, index: 1, type: EntryType.ConfChange, data: encodeConfChange({ change: { type: ConfChangeType.AddVoter, nodeId: 4 }, confState: { voters: [2, 3, 4], learners: [] } }) };
    node.step(append(5, 0, 0, [oldConf, ...entries(2, [1, 1])], 10));
    answer(node, storage);
    // The leader goes quiet for an election timeout (so no leader lease protects the newcomer); a
    // stale candidate (node 3) whose log ends at 5, later than the newcomer's 3, asks: refused.
    for (let t = 0; t < 25; t++) node.tick();
    answer(node, storage);
    node.step(voteRequest(MessageType.Vote, 6, 5, 1));
    expect(answer(node, storage)).toEqual([{ type: MessageType.VoteResp, reject: true }]);
    // Caught up to the first commit index seen (10): it votes as usual again, for an up-to-date candidate.
    node.step(append(6, 3, 1, entries(4, [1, 1, 1, 1, 1, 1, 1]), 10));
    answer(node, storage);
    for (let t = 0; t < 25; t++) node.tick();
    answer(node, storage);
    node.step(voteRequest(MessageType.Vote, 7, 10, 1, 2));
    expect(answer(node, storage)).toEqual([{ type: MessageType.VoteResp, reject: false }]);
  });

  it('is still refused after the newcomer restarts before catching up: the target is in its hard state', () => {
    const storage = new MemoryStorage({ voters: [], learners: [] });
    const first = new RawNode({ id: 4, storage, rng: new SeededRng(1) });
    const oldConf: Entry = { term: 1, index: 1, type: EntryType.ConfChange, data: encodeConfChange({ change: { type: ConfChangeType.AddVoter, nodeId: 4 }, confState: { voters: [2, 3, 4], learners: [] } }) };
    first.step(append(5, 0, 0, [oldConf, ...entries(2, [1, 1])], 10));
    const rd = first.ready();
    expect(rd.hardState?.joinTarget).toBe(10);
    expect(rd.mustSync).toBe(true);
    storage.append(rd.entries);
    storage.setHardState(rd.hardState!);
    // The process restarts with entries 1-3 on disk (a configuration naming node 4) and asks again.
    const restarted = new RawNode({ id: 4, storage, rng: new SeededRng(2) });
    for (let t = 0; t < 25; t++) restarted.tick();
    answer(restarted, storage);
    restarted.step(voteRequest(MessageType.Vote, 6, 5, 1));
    expect(answer(restarted, storage)).toEqual([{ type: MessageType.VoteResp, reject: true }]);
    // Once caught up, the target leaves the hard state (persisted with the entries that reached it).
    restarted.step(append(6, 3, 1, entries(4, [1, 1, 1, 1, 1, 1, 1]), 10));
    const caughtUp = restarted.ready();
    expect(caughtUp.hardState).toBeDefined();
    expect(caughtUp.hardState!.joinTarget).toBeUndefined();
    storage.append(caughtUp.entries);
    storage.setHardState(caughtUp.hardState!);
    restarted.advance(caughtUp);
    const again = new RawNode({ id: 4, storage, rng: new SeededRng(3) });
    for (let t = 0; t < 25; t++) again.tick();
    answer(again, storage);
    again.step(voteRequest(MessageType.Vote, 7, 10, 1, 2));
    expect(answer(again, storage)).toEqual([{ type: MessageType.VoteResp, reject: false }]);
  });
});
