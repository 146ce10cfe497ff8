/**
 * A heartbeat meant for an earlier replica of the group on this node (removed, its data deleted,
 * created again empty while the heartbeat was in flight) must not crash the new replica: the chaos
 * harness found exactly this ("commit 164 beyond last index 0") when a partition moved off a node
 * and straight back.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/core/index.js';
import { MemoryStorage, MessageType, RawNode, type Message } from '../../src/raft/index.js';
import { entries } from './helpers.js';

function heartbeat(term: number, commit: number): Message {
  return { type: MessageType.Heartbeat, from: 2, to: 3, term, logTerm: 0, index: 0, entries: [], commit, reject: false, rejectHint: 0 };
}

describe('a heartbeat whose commit is beyond the follower log', () => {
  it('is answered, and its commit ignored, by a freshly created replica', () => {
    const node = new RawNode({ id: 3, storage: new MemoryStorage({ voters: [1, 2], learners: [3] }), rng: new SeededRng(1) });
    node.step(heartbeat(10, 164));
    const rd = node.ready();
    expect(rd.messages.map((m) => [m.type, m.to])).toEqual([[MessageType.HeartbeatResp, 2]]);
    expect(rd.hardState?.commit ?? 0).toBe(0);
    node.advance(rd);
    expect(node.status().hardState.commit).toBe(0);
  });

  it('still advances the commit within the log', () => {
    const storage = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
    storage.append(entries(1, [1, 1, 1, 1]));
    const node = new RawNode({ id: 3, storage, rng: new SeededRng(1) });
    node.step(heartbeat(1, 3));
    const rd = node.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1, 2, 3]);
  });
});
