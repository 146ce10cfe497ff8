import type { Index, Term } from '../core/index.js';
import type { ConfState, Entry, HardState, Snapshot } from './types.js';

export interface InitialState {
  readonly hardState: HardState;
  /** Membership as of the storage's snapshot (or the bootstrap membership). */
  readonly confState: ConfState;
  /**
   * Every ConfChange entry stored after the snapshot, oldest first. Membership takes effect when an
   * entry is appended (not when committed), so the core rebuilds its membership history from these.
   */
  readonly confEntries: readonly Entry[];
}

/**
 * What the Raft core reads. The core never writes: persisting a Ready is the host's job (etcd's
 * storage.go contract). Failures are typed errors, never sentinel values:
 * CompactedError, UnavailableError, TemporarilyUnavailableError.
 */
export interface Storage {
  initialState(): InitialState;
  /**
   * Entries in [lo, hi), at least one if any exist in range, and then no more than `maxBytes` of
   * entry data in total.
   */
  entries(lo: Index, hi: Index, maxBytes: number): Entry[];
  /** Term of entry i; valid for firstIndex()-1 (the snapshot's index) through lastIndex(). */
  term(i: Index): Term;
  /** First index still held as an entry (snapshot index + 1). */
  firstIndex(): Index;
  lastIndex(): Index;
  /** The latest snapshot (for a follower that fell behind the compaction point). */
  snapshot(): Snapshot;
}

/** Byte size of an entry's payload, the unit of every Raft byte budget. */
export function entryBytes(e: Entry): number {
  return e.data.byteLength + 16;
}

/** The longest prefix of `entries` within `maxBytes`, but always at least one entry. */
export function limitBytes<T extends Entry>(entries: T[], maxBytes: number): T[] {
  if (entries.length === 0) return entries;
  let size = entryBytes(entries[0]!);
  let n = 1;
  while (n < entries.length) {
    size += entryBytes(entries[n]!);
    if (size > maxBytes) break;
    n++;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}
