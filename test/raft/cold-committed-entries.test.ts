import { describe, expect, it } from 'vitest';
import { SeededRng, type Index } from '../../src/core/index.js';
import { EntryType, MemoryStorage, RawNode, TemporarilyUnavailableError, type Entry } from '../../src/raft/index.js';

/** Storage whose entry reads are "on disk" (throw TemporarilyUnavailableError) until loaded. */
class ColdStorage extends MemoryStorage {
  cold = true;
  override entries(lo: Index, hi: Index, maxBytes: number): Entry[] {
    if (this.cold) throw new TemporarilyUnavailableError(`entries [${lo},${hi}) are being loaded`);
    return super.entries(lo, hi, maxBytes);
  }
}

function entry(index: number): Entry {
  return { index, term: 1, type: EntryType.Normal, data: new TextEncoder().encode(`e${index}`) };
}

describe('committed entries that storage must load first', () => {
  it('pauses applying (no busy loop) until entriesLoaded(), then hands them all out', () => {
    const storage = new ColdStorage({ voters: [1], learners: [] });
    storage.append(Array.from({ length: 10 }, (_, i) => entry(i + 1)));
    storage.setHardState({ term: 1, vote: 1, commit: 10 });
    const node = new RawNode({ id: 1, storage, rng: new SeededRng(1) });

    // Nothing can be applied while the entries are cold, and the node says so instead of spinning.
    if (node.hasReady()) {
      const rd = node.ready();
      expect(rd.committedEntries).toEqual([]);
      node.advance(rd);
    }
    expect(node.hasReady()).toBe(false);

    storage.cold = false;
    node.entriesLoaded();
    expect(node.hasReady()).toBe(true);
    const rd = node.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    node.advance(rd);
    expect(node.status().applied).toBe(10);
  });
});
