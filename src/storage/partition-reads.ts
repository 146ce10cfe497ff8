/**
 * The partition log's reads (PartitionStore): by offset, by time, by index. Entries below the tail
 * cache are read from LevelDB; the tail cache holds every entry not yet written to LevelDB, so each
 * read takes the cache's low index in the same turn as it opens its iterator (LevelDB iterators read a
 * snapshot taken when created): disk below it, memory from it. If the cache moved on meanwhile, the
 * entries it dropped are on disk by then, and the read goes back to disk for them.
 */
import type { GroupId, Index, Offset, Term } from '../core/index.js';
import { baseOffsetOf, type EntryLocation, type StoredBatch } from '../log/partition-store.js';
import { CorruptionError } from './corruption-error.js';
import { GET_OPTIONS, scan, type Db } from './db.js';
import { decodeEntryData, decodeEntryIndex, type StoredLocation } from './entry-codec.js';
import type { EntryRun } from './entry-run.js';
import { dataKey, dataKeyIndex, groupRange, indexedKey, KeyKind } from './keys.js';

/** What the reads need from a group store. */
export interface ReadableGroup {
  readonly groupId: GroupId;
  readonly db: Db;
  /** The tail cache (live: it changes between awaits). */
  readonly cache: EntryRun;
  firstIndex(): Index;
  lastIndex(): Index;
  /** Entries at or below this index never change (the staged hard state's commit). */
  committedIndex(): Index;
  termAt(i: Index): Term;
}

export function toLocation(loc: StoredLocation): EntryLocation {
  return {
    index: loc.index,
    term: loc.term,
    recordCount: loc.recordCount,
    endOffset: loc.endOffset,
    appendTimeMs: loc.appendTimeMs,
    bytesBefore: loc.bytesBefore,
    bytes: loc.bytes,
  };
}

function toBatch(loc: StoredLocation, data: Uint8Array): StoredBatch {
  return { ...toLocation(loc), data };
}

/**
 * Collects data batches within a byte budget: at least one, then no more than maxBytes of payload.
 * The first must hold `offset` (else the offset is not stored: compacted away, say, and the read is empty).
 */
class Budget {
  readonly out: StoredBatch[] = [];
  private bytes = 0;
  constructor(
    private readonly offset: Offset,
    private readonly maxBytes: number,
  ) {}

  /** Add a batch if it fits; false when the read is over. */
  take(loc: StoredLocation, data: Uint8Array): boolean {
    if (this.out.length === 0 && baseOffsetOf(loc) > this.offset) return false;
    if (this.out.length > 0 && this.bytes + data.byteLength > this.maxBytes) return false;
    this.out.push(toBatch(loc, data));
    this.bytes += data.byteLength;
    return this.bytes < this.maxBytes;
  }

  /** Bytes still wanted (a read of this much ends the budget, whatever the batch sizes). */
  get remainingBytes(): number {
    return Math.max(0, this.maxBytes - this.bytes);
  }
}

export async function readFromOffset(g: ReadableGroup, offset: Offset, maxBytes: number, maxIndex: Index): Promise<StoredBatch[]> {
  const budget = new Budget(offset, maxBytes);
  const hi = Math.min(maxIndex, g.lastIndex());
  let next: Index | undefined; // the next index to visit, once positioned
  let seek = dataKey(g.groupId, offset + 1, 0); // the first entry ending after `offset` holds it
  for (;;) {
    if (hi < g.firstIndex()) return budget.out;
    const cache = g.cache;
    const first = cache.firstLoc();
    if (first && (next !== undefined ? next >= cache.lo : offset >= baseOffsetOf(first) || cache.lo <= g.firstIndex())) {
      readCached(cache, next ?? cache.firstEndingAfter(offset), hi, budget);
      return budget.out;
    }
    const r = await readDisk(g, seek, next, cache.lo, hi, budget);
    if (r.done) return budget.out;
    next = r.next;
    seek = dataKey(g.groupId, r.endOffset, r.next);
  }
}

function readCached(cache: EntryRun, from: Index | undefined, hi: Index, budget: Budget): void {
  if (from === undefined) return;
  for (let i = from; i <= hi && i < cache.hi; i++) {
    const loc = cache.loc(i)!;
    if (loc.hasRecords && !budget.take(loc, cache.entry(i)!.data)) return;
  }
}

const READ_SCAN = { chunkEntriesMax: 64, fillCache: true } as const;
const READ_CHUNK_BYTES_MAX = 4 * 1024 * 1024;
const READ_CHUNK_BYTES_MIN = 16 * 1024;

/**
 * Read data records from `seek` up to (excluding) index `stopAt`. done: the budget or maxIndex ended
 * the read; otherwise `next` (= stopAt) is where memory (or another disk pass) continues.
 */
async function readDisk(
  g: ReadableGroup,
  seek: Buffer,
  expectedFirst: Index | undefined,
  stopAt: Index,
  hi: Index,
  budget: Budget,
): Promise<{ done: true } | { done: false; next: Index; endOffset: number }> {
  const firstIndex = g.firstIndex();
  const commit = g.committedIndex();
  let expected = expectedFirst;
  let endOffset = 0;
  let done = false;
  const range = { gte: seek, lt: groupRange(KeyKind.EntryData, g.groupId).lt, reverse: false };
  // LevelDB reads a chunk ahead of the visitor: no more than the budget still wants (it always
  // returns at least one entry), so a small fetch does not read megabytes it then drops.
  const chunkBytesMax = Math.min(READ_CHUNK_BYTES_MAX, Math.max(READ_CHUNK_BYTES_MIN, budget.remainingBytes));
  await scan(g.db, range, { ...READ_SCAN, chunkBytesMax }, (key, value) => {
    const index = dataKeyIndex(key);
    if (index < firstIndex) return true; // dead, below the log start
    if (index >= stopAt) return false;
    if (expected !== undefined && index !== expected) {
      throw new CorruptionError(g.groupId, 'entry', expected, `missing from the log (found ${index} next)`);
    }
    const { entry, loc } = decodeEntryData(g.groupId, key, value);
    if (index <= commit && loc.term !== g.termAt(index)) {
      throw new CorruptionError(g.groupId, 'entry', index, `term ${loc.term}, but the term index says ${g.termAt(index)}`);
    }
    expected = index + 1;
    endOffset = loc.endOffset;
    if (index > hi || (loc.hasRecords && !budget.take(loc, entry.data))) {
      done = true;
      return false;
    }
    return true;
  });
  if (done) return { done: true };
  const reach = Math.min(stopAt, hi + 1);
  if (expected !== reach) {
    // Every entry below the cache is on disk, and the first one ending after `offset` is below it.
    const at = expected ?? stopAt - 1;
    throw new CorruptionError(g.groupId, 'entry', at, `missing from the log (reading up to ${reach - 1})`);
  }
  return stopAt > hi ? { done: true } : { done: false, next: stopAt, endOffset };
}

/** Location of entry `index` from memory or its EntryIndex record. */
export async function locate(g: ReadableGroup, window: EntryRun, index: Index): Promise<StoredLocation | undefined> {
  if (index < g.firstIndex() || index > g.lastIndex()) return undefined;
  const mem = g.cache.loc(index) ?? window.loc(index);
  if (mem) return mem;
  const key = indexedKey(KeyKind.EntryIndex, g.groupId, index);
  const v = (await g.db.get(key, GET_OPTIONS)) as Buffer | undefined;
  if (!v) {
    if (index < g.firstIndex() || index > g.lastIndex()) return undefined; // compacted or truncated meanwhile
    throw new CorruptionError(g.groupId, 'entry index', index, 'missing from the log');
  }
  const loc = decodeEntryIndex(g.groupId, key, v);
  if (index <= g.committedIndex() && loc.term !== g.termAt(index)) {
    throw new CorruptionError(g.groupId, 'entry index', index, `term ${loc.term}, but the term index says ${g.termAt(index)}`);
  }
  return loc;
}

/** The first data entry (one holding records) at or after index `from`, up to `hi`. */
async function dataAtOrAfter(g: ReadableGroup, from: Index, hi: Index): Promise<StoredLocation | undefined> {
  let i = from;
  while (i <= hi) {
    const cache = g.cache;
    if (i >= cache.lo) {
      for (; i <= hi && i < cache.hi; i++) {
        const loc = cache.loc(i)!;
        if (loc.hasRecords) return loc;
      }
      return undefined;
    }
    const stopAt = Math.min(hi + 1, cache.lo);
    let found: StoredLocation | undefined;
    const range = { gte: indexedKey(KeyKind.EntryIndex, g.groupId, i), lt: indexedKey(KeyKind.EntryIndex, g.groupId, stopAt), reverse: false };
    await scan(g.db, range, { chunkEntriesMax: 16, chunkBytesMax: 16 * 1024, fillCache: true }, (key, value) => {
      const loc = decodeEntryIndex(g.groupId, key, value);
      if (loc.hasRecords) found = loc;
      return found === undefined;
    });
    if (found) return found;
    i = stopAt;
  }
  return undefined;
}

/**
 * The first data entry with appendTimeMs >= timeMs and index <= maxIndex. Append times are
 * non-decreasing over data entries (control entries carry 0 and are skipped), so this is a binary
 * search over indexes: O(log n) small reads.
 */
export async function findByTime(g: ReadableGroup, timeMs: number, maxIndex: Index): Promise<EntryLocation | undefined> {
  let lo = g.firstIndex();
  const hi = Math.min(maxIndex, g.lastIndex());
  if (lo > hi) return undefined;
  // Smallest i in [lo, hi + 1] such that the first data entry at or after i is at/after timeMs.
  let top = hi + 1;
  while (lo < top) {
    const mid = Math.floor((lo + top) / 2);
    const d = await dataAtOrAfter(g, mid, hi);
    if (d === undefined || d.appendTimeMs >= timeMs) top = mid;
    else lo = mid + 1;
  }
  const d = await dataAtOrAfter(g, lo, hi);
  return d && d.appendTimeMs >= timeMs ? toLocation(d) : undefined;
}
