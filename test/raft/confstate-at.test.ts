import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/core/index.js';
import { ConfChangeType, MemoryStorage, RawNode, StateType } from '../../src/raft/index.js';

describe('membership history for snapshots below the applied index', () => {
  it('answers confStateAt for any index since the storage snapshot, across membership changes', () => {
    const storage = new MemoryStorage({ voters: [1], learners: [] });
    const node = new RawNode({ id: 1, storage, rng: new SeededRng(2) });
    const drain = (): void => {
      while (node.hasReady()) {
        const rd = node.ready();
        storage.append(rd.entries);
        if (rd.hardState) storage.setHardState(rd.hardState);
        node.advance(rd);
      }
    };
    for (let i = 0; i < 30 && node.status().softState.state !== StateType.Leader; i++) {
      node.tick();
      drain();
    }
    expect(node.status().softState.state).toBe(StateType.Leader);
    const before = node.propose(new TextEncoder().encode('a'));
    drain();
    const change = node.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 2 });
    drain();
    node.propose(new TextEncoder().encode('b'));
    drain();
    expect(node.status().applied).toBeGreaterThan(change);
    // A retention cut before the change must record the old membership, after it the new one.
    expect(node.confStateAt(before)).toEqual({ voters: [1], learners: [] });
    expect(node.confStateAt(change)).toEqual({ voters: [1], learners: [2] });
  });
});
