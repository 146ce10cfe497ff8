import { assert, type Index, type Term } from '../core/index.js';
import { CompactedError, UnavailableError } from './errors.js';
import { limitBytes, type InitialState, type Storage } from './storage.js';
import { EMPTY_HARD_STATE, EntryType, type ConfState, type Entry, type HardState, type Snapshot } from './types.js';

/**
 * Storage kept in memory: the durable state of a simulated node, the read cache model for hosts,
 * and the reference the LevelDB implementation is tested against.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot;
  // ents[0] is a dummy standing for the snapshot: ents[0].index === snap.meta.index.
  private ents: Entry[];

  constructor(confState: ConfState = { voters: [], learners: [] }) {
    this.snap = { meta: { index: 0, term: 0, confState }, data: new Uint8Array(0) };
    this.ents = [dummy(0, 0)];
  }

  initialState(): InitialState {
    return {
      hardState: this.hardState,
      confState: this.snap.meta.confState,
      confEntries: this.ents.slice(1).filter((e) => e.type === EntryType.ConfChange),
    };
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  getHardState(): HardState {
    return this.hardState;
  }

  entries(lo: Index, hi: Index, maxBytes: number): Entry[] {
    const offset = this.ents[0]!.index;
    if (lo <= offset) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1);
    return limitBytes(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  term(i: Index): Term {
    const offset = this.ents[0]!.index;
    if (i < offset) throw new CompactedError(i);
    if (i - offset >= this.ents.length) throw new UnavailableError(i);
    return this.ents[i - offset]!.term;
  }

  firstIndex(): Index {
    return this.ents[0]!.index + 1;
  }

  lastIndex(): Index {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replace everything with a snapshot received from the leader. */
  applySnapshot(s: Snapshot): void {
    assert(s.meta.index >= this.snap.meta.index, () => `snapshot ${s.meta.index} older than ${this.snap.meta.index}`);
    this.snap = s;
    this.ents = [dummy(s.meta.index, s.meta.term)];
  }

  /** Record the application's snapshot at `index` (<= applied) so lagging followers can be sent it. */
  createSnapshot(index: Index, confState: ConfState, data: Uint8Array): Snapshot {
    assert(index > this.snap.meta.index, () => `snapshot ${index} not newer than ${this.snap.meta.index}`);
    assert(index <= this.lastIndex(), () => `snapshot ${index} beyond last index ${this.lastIndex()}`);
    this.snap = { meta: { index, term: this.term(index), confState }, data };
    return this.snap;
  }

  /** Drop entries before `compactIndex`; the entry at compactIndex becomes the dummy. */
  compact(compactIndex: Index): void {
    const offset = this.ents[0]!.index;
    if (compactIndex <= offset) return;
    assert(compactIndex <= this.lastIndex(), () => `compact ${compactIndex} beyond last ${this.lastIndex()}`);
    const i = compactIndex - offset;
    this.ents = [dummy(compactIndex, this.ents[i]!.term), ...this.ents.slice(i + 1)];
  }

  /** Append, replacing any stored entries at and after entries[0].index. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[entries.length - 1]!.index;
    if (last < first) return; // all already compacted
    const fresh = entries[0]!.index < first ? entries.slice(first - entries[0]!.index) : entries;
    const offset = fresh[0]!.index - this.ents[0]!.index;
    assert(offset <= this.ents.length, () => `gap: appending ${fresh[0]!.index} after last ${this.lastIndex()}`);
    this.ents = this.ents.slice(0, offset).concat(fresh);
  }
}

function dummy(index: Index, term: Term): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array(0) };
}
