import type { Index, Offset, Term } from '../core/index.js';

/** What the store knows about one stored Raft entry of a partition group, without its payload. */
export interface EntryLocation {
  readonly index: Index;
  readonly term: Term;
  /** Records in this entry (0 for control entries): it holds offsets [endOffset - recordCount, endOffset). */
  readonly recordCount: number;
  /** One past the last offset of the records in this entry and all before it (control entries repeat it). */
  readonly endOffset: Offset;
  /** The leader's append time of the batch (non-decreasing along the log); 0 for control entries. */
  readonly appendTimeMs: number;
  /**
   * Payload bytes of all entries stored before this one. Only differences are used (retention by size),
   * so the origin is the store's choice: group creation, or the point a snapshot was restored at.
   */
  readonly bytesBefore: number;
  readonly bytes: number;
}

/** The first offset an entry holds (its end offset for a control entry). */
export function baseOffsetOf(loc: EntryLocation): Offset {
  return loc.endOffset - loc.recordCount;
}

/** A stored partition entry: its location plus the raw Raft entry payload (an encoded record batch). */
export interface StoredBatch extends EntryLocation {
  readonly data: Uint8Array;
}

/**
 * The partition log's view of durable storage (implemented by src/storage). Entries are Raft entries
 * of the partition's group; data entries carry one encoded record batch each.
 */
export interface PartitionStore {
  /**
   * Stored data entries in log order starting with the one that holds `offset` (a single seek on a key
   * that sorts by end offset): entries are added while the running total of their `bytes` stays
   * <= maxBytes, but the first is always returned; none has index > maxIndex. Control entries (no
   * records) are skipped. Empty when no entry <= maxIndex holds `offset`.
   */
  readFromOffset(offset: Offset, maxBytes: number, maxIndex: Index): Promise<StoredBatch[]>;
  /** The first stored data entry with appendTimeMs >= timeMs and index <= maxIndex, or undefined. */
  findByTime(timeMs: number, maxIndex: Index): Promise<EntryLocation | undefined>;
  /** The first stored entry (after compaction) and the last stored entry; undefined when empty. */
  first(): EntryLocation | undefined;
  last(): EntryLocation | undefined;
  /** Location of entry `index`, if stored. */
  locate(index: Index): Promise<EntryLocation | undefined>;
}
