/**
 * One Raft group's log, hard state and snapshot in the node's LevelDB.
 *
 * Reads (Raft's synchronous Storage) are served from memory: bounds, the term index, the hard state,
 * the snapshot, membership entries and a tail cache of entries. A read below the tail cache throws
 * TemporarilyUnavailableError and starts one background load (at most loadBytesMax) into a small
 * window; the onEntriesLoaded listeners then tell the host to retry.
 *
 * Writes are staged into the engine's group-commit batch and are durable when the engine's flush()
 * covering them resolves. The tail cache never drops an entry that is not yet written to LevelDB or
 * not yet committed (so truncations and offset reads of fresh entries never need the disk); beyond
 * that it keeps tailCacheBytesMax.
 */
import { assert, type GroupId, type Index, type Logger, type Offset, type Term } from '../core/index.js';
import type { EntryLocation, PartitionStore, StoredBatch } from '../log/partition-store.js';
import type { EntryRecords, GroupStorage, OpenGroupOptions } from '../multiraft/group-storage.js';
import {
  CompactedError,
  EntryType,
  limitBytes,
  TemporarilyUnavailableError,
  UnavailableError,
  type Entry,
  type HardState,
  type InitialState,
  type Snapshot,
} from '../raft/index.js';
import { CorruptionError } from './corruption-error.js';
import { GET_OPTIONS, scan, type Db } from './db.js';
import { decodeEntryData, decodeEntryIndex, encodeEntryData, encodeEntryIndex, sameLocation, type StoredLocation } from './entry-codec.js';
import { EntryRun } from './entry-run.js';
import type { RecoveredGroup } from './group-recovery.js';
import { dataKey, dataKeyIndex, groupRange, indexedKey, KeyKind } from './keys.js';
import { findByTime, locate, readFromOffset, toLocation, type ReadableGroup } from './partition-reads.js';
import type { Pruner } from './pruner.js';
import { encodeConfEntry, encodeHardState, encodeLogStart, encodeSnapshot, encodeTermStart, type LogStart } from './state-codec.js';
import { TermIndex } from './term-index.js';
import type { BatchParticipant, WriteBatcher } from './write-batcher.js';

export interface GroupStoreConfig {
  /** Tail cache bound per group (soft: unwritten and uncommitted entries are always kept). */
  readonly tailCacheBytesMax: number;
  /** Most bytes one background load reads into the window. */
  readonly loadBytesMax: number;
}

export interface GroupStoreDeps {
  readonly db: Db;
  readonly batcher: WriteBatcher;
  readonly pruner: Pruner;
  readonly logger: Logger;
}

export class LevelDbGroupStore implements GroupStorage, PartitionStore, BatchParticipant, ReadableGroup {
  readonly db: Db;
  private readonly batcher: WriteBatcher;
  private readonly pruner: Pruner;
  private readonly logger: Logger;
  private readonly describe: ((e: Entry) => EntryRecords | undefined) | undefined;
  private readonly snapshotEndOffset: ((s: Snapshot) => number) | undefined;

  private hs: HardState;
  private hsDirty = false;
  private snap: Snapshot;
  // The compaction point (Raft's dummy entry): start.index <= snap.meta.index, start.index <= last.
  private start: LogStart;
  private startDirty = false;
  // hs.commit <= lastIdx is checked when the batch is sealed (a Ready may stage them in either order).
  private lastIdx: Index;
  private terms: TermIndex;
  // ConfChange entries with start.index < index <= last, oldest first.
  private conf: Entry[];
  // Entries [cache.lo, last]: never empty when the log is not; holds every entry not yet written.
  readonly cache: EntryRun;
  // The last background load: entries below cache.lo (window.hi <= cache.lo).
  private window: EntryRun;
  private firstLoc: StoredLocation | undefined;
  // End offset and payload bytes counted through `last`.
  private endOffset: number;
  private bytesTotal: number;
  // Entries <= sealedHi are in the batch being written; <= durableHi are written.
  private sealedHi: Index;
  private durableHi: Index;
  private loading = false;
  private loadFailure: Error | undefined;
  private loadedListeners: Array<() => void> = [];
  private loadWaiters: Array<() => void> = [];
  // Bumped by every change that replaces entries (truncation, snapshot): stale loads are dropped.
  private generation = 0;
  private closed = false;

  constructor(
    readonly groupId: GroupId,
    deps: GroupStoreDeps,
    private readonly config: GroupStoreConfig,
    options: OpenGroupOptions,
    r: RecoveredGroup,
  ) {
    this.db = deps.db;
    this.batcher = deps.batcher;
    this.pruner = deps.pruner;
    this.logger = deps.logger;
    this.describe = options.describeEntry;
    this.snapshotEndOffset = options.snapshotEndOffset;
    assert(!this.describe || this.snapshotEndOffset, 'a partition group (describeEntry) needs snapshotEndOffset too');
    this.hs = r.hardState;
    this.snap = r.snapshot;
    this.start = r.start;
    this.lastIdx = r.last;
    this.terms = r.terms;
    this.conf = r.conf;
    this.cache = r.cache;
    this.window = new EntryRun(r.start.index + 1);
    this.firstLoc = r.firstLoc;
    const lastLoc = r.cache.lastLoc();
    this.endOffset = lastLoc ? lastLoc.endOffset : r.start.endOffset;
    this.bytesTotal = lastLoc ? lastLoc.bytesBefore + lastLoc.bytes : r.start.bytesTotal;
    this.sealedHi = r.last;
    this.durableHi = r.last;
    assert(this.cache.hi === this.lastIdx + 1, () => `tail cache ends at ${this.cache.hi - 1}, log at ${this.lastIdx}`);
  }

  // ---- Raft's Storage: synchronous, from memory ----

  initialState(): InitialState {
    return { hardState: this.hs, confState: this.snap.meta.confState, confEntries: this.conf.slice() };
  }

  entries(lo: Index, hi: Index, maxBytes: number): Entry[] {
    if (lo <= this.start.index) throw new CompactedError(lo);
    if (hi > this.lastIdx + 1) throw new UnavailableError(hi - 1);
    if (lo >= hi) return [];
    if (lo >= this.cache.lo) return limitBytes(this.cache.slice(lo, hi), maxBytes);
    const failure = this.loadFailure;
    if (failure) {
      this.loadFailure = undefined;
      throw failure;
    }
    if (this.window.has(lo)) {
      let out = this.window.slice(lo, hi);
      if (this.window.hi === this.cache.lo && hi > this.cache.lo) out = out.concat(this.cache.slice(this.cache.lo, hi));
      return limitBytes(out, maxBytes);
    }
    this.startLoad(lo, hi);
    throw new TemporarilyUnavailableError(`group ${this.groupId}: entries from ${lo} are being read from disk`);
  }

  term(i: Index): Term {
    if (i < this.start.index) throw new CompactedError(i);
    if (i > this.lastIdx) throw new UnavailableError(i);
    return this.terms.termAt(i);
  }

  firstIndex(): Index {
    return this.start.index + 1;
  }

  lastIndex(): Index {
    return this.lastIdx;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  getHardState(): HardState {
    return this.hs;
  }

  onEntriesLoaded(listener: () => void): void {
    this.loadedListeners.push(listener);
  }

  /** Entries [lo, hi) within maxBytes, waiting for background loads (hosts' catch-up, tests). */
  async readEntries(lo: Index, hi: Index, maxBytes: number): Promise<Entry[]> {
    for (;;) {
      try {
        return this.entries(lo, hi, maxBytes);
      } catch (e) {
        if (!(e instanceof TemporarilyUnavailableError)) throw e;
        await new Promise<void>((resolve) => this.loadWaiters.push(resolve));
      }
    }
  }

  // ---- writes: staged into the group-commit batch ----

  append(entries: readonly Entry[]): void {
    this.checkOpen();
    if (entries.length === 0) return;
    for (let k = 1; k < entries.length; k++) {
      assert(entries[k]!.index === entries[k - 1]!.index + 1, () => `appended indexes not contiguous at ${entries[k]!.index}`);
    }
    const first = this.firstIndex();
    if (entries[entries.length - 1]!.index < first) return; // all compacted already
    const fresh = entries[0]!.index < first ? entries.slice(first - entries[0]!.index) : entries;
    const k = fresh[0]!.index;
    assert(k <= this.lastIdx + 1, () => `group ${this.groupId}: gap, appending ${k} after last ${this.lastIdx}`);
    if (k <= this.lastIdx) this.truncateFrom(k);
    for (const e of fresh) this.appendOne(e);
    this.batcher.join(this);
    this.evict();
  }

  setHardState(hs: HardState): void {
    this.checkOpen();
    assert(hs.term >= this.hs.term, () => `group ${this.groupId}: term going back from ${this.hs.term} to ${hs.term}`);
    assert(hs.commit >= this.hs.commit, () => `group ${this.groupId}: commit going back from ${this.hs.commit} to ${hs.commit}`);
    assert(
      hs.term > this.hs.term || this.hs.vote === 0 || hs.vote === this.hs.vote,
      () => `group ${this.groupId}: vote changed within term ${hs.term}`,
    );
    this.hs = hs;
    this.hsDirty = true;
    this.batcher.join(this);
  }

  applySnapshot(snapshot: Snapshot): void {
    this.checkOpen();
    const s = snapshot.meta.index;
    assert(s >= this.snap.meta.index, () => `group ${this.groupId}: snapshot ${s} older than ${this.snap.meta.index}`);
    assert(this.hs.commit <= s, () => `group ${this.groupId}: snapshot ${s} below commit ${this.hs.commit}`);
    if (this.lastIdx > s) this.truncateFrom(s + 1);
    const dead = this.lastIdx > this.start.index; // entries (start.index, lastIdx] are replaced
    for (const b of this.terms.boundaries()) this.batcher.del(indexedKey(KeyKind.TermStart, this.groupId, b.index));
    for (const c of this.conf) this.batcher.del(indexedKey(KeyKind.Conf, this.groupId, c.index));
    this.terms = new TermIndex(s, snapshot.meta.term);
    this.conf = [];
    this.cache.reset(s + 1);
    this.window.reset(s + 1);
    this.firstLoc = undefined;
    this.endOffset = this.snapshotEndOffset ? this.snapshotEndOffset(snapshot) : 0;
    this.setStart({ index: s, term: snapshot.meta.term, endOffset: this.endOffset, bytesTotal: this.bytesTotal });
    this.storeSnapshot(snapshot);
    this.lastIdx = s;
    this.sealedHi = s;
    this.durableHi = s;
    this.generation++;
    if (dead) void this.pruner.enqueue({ groupId: this.groupId, throughIndex: s, removeGroup: false });
    this.batcher.join(this);
  }

  compact(snapshot: Snapshot, compactIndex: Index): void {
    this.checkOpen();
    const s = snapshot.meta.index;
    assert(compactIndex <= s, () => `group ${this.groupId}: compact index ${compactIndex} after snapshot ${s}`);
    assert(s >= this.snap.meta.index, () => `group ${this.groupId}: snapshot ${s} older than ${this.snap.meta.index}`);
    assert(s <= this.hs.commit, () => `group ${this.groupId}: snapshot ${s} beyond commit ${this.hs.commit}`);
    assert(s <= this.lastIdx, () => `group ${this.groupId}: snapshot ${s} beyond last index ${this.lastIdx}`);
    assert(snapshot.meta.term === this.terms.termAt(s), () => `group ${this.groupId}: snapshot term ${snapshot.meta.term} != term(${s})`);
    this.storeSnapshot(snapshot);
    if (compactIndex > this.start.index) this.compactTo(compactIndex);
    this.batcher.join(this);
  }

  // ---- group commit ----

  seal(): void {
    if (this.closed) return;
    assert(this.hs.commit <= this.lastIdx, () => `group ${this.groupId}: hard state commit ${this.hs.commit} beyond last index ${this.lastIdx}`);
    if (this.hsDirty) {
      const h = encodeHardState(this.groupId, this.hs);
      this.batcher.put(h.key, h.value);
      this.hsDirty = false;
    }
    if (this.startDirty) {
      const l = encodeLogStart(this.groupId, this.start);
      this.batcher.put(l.key, l.value);
      this.startDirty = false;
    }
    this.sealedHi = this.lastIdx;
  }

  written(): void {
    this.durableHi = this.sealedHi;
    this.evict();
  }

  // ---- PartitionStore ----

  /** This group as a partition's store; only for groups opened with describeEntry. */
  partitionStore(): PartitionStore {
    assert(this.describe, () => `group ${this.groupId} was opened without describeEntry: not a partition`);
    return this;
  }

  readFromOffset(offset: Offset, maxBytes: number, maxIndex: Index): Promise<StoredBatch[]> {
    return readFromOffset(this, offset, maxBytes, maxIndex);
  }

  findByTime(timeMs: number, maxIndex: Index): Promise<EntryLocation | undefined> {
    return findByTime(this, timeMs, maxIndex);
  }

  first(): EntryLocation | undefined {
    return this.firstLoc && toLocation(this.firstLoc);
  }

  last(): EntryLocation | undefined {
    const loc = this.cache.lastLoc();
    return loc && toLocation(loc);
  }

  async locate(index: Index): Promise<EntryLocation | undefined> {
    const loc = await locate(this, this.window, index);
    return loc && toLocation(loc);
  }

  committedIndex(): Index {
    return this.hs.commit;
  }

  termAt(i: Index): Term {
    return this.terms.termAt(i);
  }

  /** End offset of the records through the last entry (a partition's log end offset). */
  logEndOffset(): number {
    return this.endOffset;
  }

  /** Called by the engine: the group was removed or the engine closed; nothing more is staged. */
  detach(): void {
    this.closed = true;
    this.hsDirty = false;
    this.startDirty = false;
  }

  /** Tail cache and window sizes (for metrics and tests). */
  cacheStats(): { tailLo: Index; tailEntries: number; tailBytes: number; windowEntries: number } {
    return { tailLo: this.cache.lo, tailEntries: this.cache.length, tailBytes: this.cache.bytes, windowEntries: this.window.length };
  }

  // ---- internals ----

  private checkOpen(): void {
    assert(!this.closed, () => `group ${this.groupId} is closed or removed`);
  }

  private appendOne(e: Entry): void {
    const rec = this.describe?.(e);
    if (rec) {
      assert(rec.baseOffset === this.endOffset, () => `group ${this.groupId}: entry ${e.index} starts at offset ${rec.baseOffset}, log ends at ${this.endOffset}`);
      assert(Number.isSafeInteger(rec.recordCount) && rec.recordCount > 0, () => `entry ${e.index}: record count ${rec.recordCount}`);
      this.endOffset += rec.recordCount;
    }
    const d = encodeEntryData(this.groupId, e, {
      index: e.index,
      term: e.term,
      type: e.type,
      hasRecords: rec !== undefined,
      recordCount: rec?.recordCount ?? 0,
      endOffset: this.endOffset,
      appendTimeMs: rec?.appendTimeMs ?? 0,
      bytesBefore: this.bytesTotal,
      bytes: e.data.byteLength,
    });
    const ix = encodeEntryIndex(this.groupId, d.loc);
    this.batcher.put(d.key, d.value);
    this.batcher.put(ix.key, ix.value);
    if (this.terms.append(e.index, e.term)) {
      const t = encodeTermStart(this.groupId, e.index, e.term);
      this.batcher.put(t.key, t.value);
    }
    if (e.type === EntryType.ConfChange) {
      this.conf.push(e);
      const c = encodeConfEntry(this.groupId, e);
      this.batcher.put(c.key, c.value);
    }
    this.cache.push(e, d.loc);
    this.firstLoc ??= d.loc;
    this.lastIdx = e.index;
    this.bytesTotal += e.data.byteLength;
  }

  /** Delete entries [k, last] (a conflicting, never committed suffix). */
  private truncateFrom(k: Index): void {
    assert(k > this.hs.commit, () => `group ${this.groupId}: truncating at ${k}, at or below commit ${this.hs.commit}`);
    assert(k > this.start.index && k <= this.lastIdx, () => `group ${this.groupId}: truncating at ${k} outside (${this.start.index}, ${this.lastIdx}]`);
    const through = this.boundaryThrough(k - 1);
    for (let i = this.lastIdx; i >= k; i--) {
      const loc = this.locSync(i);
      this.batcher.del(dataKey(this.groupId, loc.endOffset, i));
      this.batcher.del(indexedKey(KeyKind.EntryIndex, this.groupId, i));
    }
    for (const i of this.terms.truncateFrom(k)) this.batcher.del(indexedKey(KeyKind.TermStart, this.groupId, i));
    while (this.conf.length > 0 && this.conf[this.conf.length - 1]!.index >= k) {
      this.batcher.del(indexedKey(KeyKind.Conf, this.groupId, this.conf.pop()!.index));
    }
    this.cache.truncateFrom(k);
    if (this.cache.hi !== k) this.cache.reset(k); // the truncated part reached below the cache
    this.window.truncateFrom(k);
    this.endOffset = through.endOffset;
    this.bytesTotal = through.bytesTotal;
    this.lastIdx = k - 1;
    if (k === this.firstIndex()) this.firstLoc = undefined;
    this.sealedHi = Math.min(this.sealedHi, k - 1);
    this.durableHi = Math.min(this.durableHi, k - 1);
    this.generation++;
  }

  /** Move the log start to ci: the snapshot is already stored; entries <= ci are pruned later. */
  private compactTo(ci: Index): void {
    const through = this.boundaryThrough(ci);
    const term = this.terms.termAt(ci);
    for (const i of this.terms.compactTo(ci)) this.batcher.del(indexedKey(KeyKind.TermStart, this.groupId, i));
    while (this.conf.length > 0 && this.conf[0]!.index <= ci) {
      this.batcher.del(indexedKey(KeyKind.Conf, this.groupId, this.conf.shift()!.index));
    }
    this.firstLoc = ci < this.lastIdx ? this.locSync(ci + 1) : undefined;
    this.cache.dropThrough(ci);
    this.window.dropThrough(ci);
    this.setStart({ index: ci, term, endOffset: through.endOffset, bytesTotal: through.bytesTotal });
    void this.pruner.enqueue({ groupId: this.groupId, throughIndex: ci, removeGroup: false });
  }

  private setStart(s: LogStart): void {
    this.start = s;
    this.startDirty = true;
  }

  private storeSnapshot(snapshot: Snapshot): void {
    this.snap = snapshot;
    const v = encodeSnapshot(this.groupId, snapshot);
    this.batcher.put(v.key, v.value);
  }

  /** End offset and payload bytes counted through entry i (start.index <= i <= last). */
  private boundaryThrough(i: Index): { endOffset: number; bytesTotal: number } {
    if (i === this.start.index) return { endOffset: this.start.endOffset, bytesTotal: this.start.bytesTotal };
    const loc = this.locSync(i);
    return { endOffset: loc.endOffset, bytesTotal: loc.bytesBefore + loc.bytes };
  }

  /**
   * Location of a stored entry, from memory, else (rare: compaction or truncation below the cache)
   * one synchronous point read of its small EntryIndex record. An entry outside the cache is always
   * written to LevelDB already (the cache keeps every unwritten one).
   */
  private locSync(i: Index): StoredLocation {
    const mem = this.cache.loc(i) ?? this.window.loc(i);
    if (mem) return mem;
    const key = indexedKey(KeyKind.EntryIndex, this.groupId, i);
    const v = this.db.getSync(key, GET_OPTIONS) as Buffer | undefined;
    if (!v) throw new CorruptionError(this.groupId, 'entry index', i, 'missing from the log');
    const loc = decodeEntryIndex(this.groupId, key, v);
    assert(loc.index === i, () => `index record ${loc.index} under key ${i}`);
    return loc;
  }

  /** Drop the oldest cached entries beyond the bound, never an unwritten or uncommitted one. */
  private evict(): void {
    const evictable = Math.min(this.hs.commit, this.durableHi);
    while (this.cache.bytes > this.config.tailCacheBytesMax && this.cache.length > 1 && this.cache.lo <= evictable) {
      this.cache.shift();
    }
  }

  private startLoad(lo: Index, hi: Index): void {
    if (this.loading) return;
    this.loading = true;
    void this.runLoad(lo, Math.min(hi, this.cache.lo)); // below the cache everything is on disk
  }

  private async runLoad(lo: Index, stopAt: Index): Promise<void> {
    const generation = this.generation;
    try {
      const run = await this.load(lo, stopAt);
      if (generation === this.generation && !this.closed) this.loaded(run);
    } catch (err) {
      if (generation === this.generation && !this.closed) {
        this.loadFailure = err instanceof Error ? err : new Error(String(err));
        this.logger.error({ err, groupId: this.groupId, index: lo }, 'storage: background entry load failed');
      }
    } finally {
      this.loading = false;
      const waiters = this.loadWaiters;
      this.loadWaiters = [];
      for (const w of waiters) w();
      for (const l of this.loadedListeners) l();
    }
  }

  private async load(lo: Index, stopAt: Index): Promise<EntryRun> {
    const run = new EntryRun(lo);
    const key = indexedKey(KeyKind.EntryIndex, this.groupId, lo);
    const first = (await this.db.get(key, GET_OPTIONS)) as Buffer | undefined;
    if (!first) throw new CorruptionError(this.groupId, 'entry index', lo, 'missing from the log');
    const firstLoc = decodeEntryIndex(this.groupId, key, first);
    const range = { gte: dataKey(this.groupId, firstLoc.endOffset, lo), lt: groupRange(KeyKind.EntryData, this.groupId).lt, reverse: false };
    const bytesMax = this.config.loadBytesMax;
    await scan(this.db, range, { chunkEntriesMax: 64, chunkBytesMax: Math.min(bytesMax, 4 * 1024 * 1024), fillCache: true }, (key, value) => {
      const index = dataKeyIndex(key);
      if (index < lo) return true; // dead, below the log start
      if (index >= stopAt) return false;
      if (index !== run.hi) throw new CorruptionError(this.groupId, 'entry', run.hi, `missing from the log (found ${index} next)`);
      const { entry, loc } = decodeEntryData(this.groupId, key, value);
      run.push(entry, loc);
      return run.bytes < bytesMax;
    });
    if (run.length === 0) throw new CorruptionError(this.groupId, 'entry', lo, 'data record missing');
    if (!sameLocation(run.loc(lo)!, firstLoc)) throw new CorruptionError(this.groupId, 'entry', lo, 'index and data records disagree');
    return run;
  }

  private loaded(run: EntryRun): void {
    run.dropThrough(this.start.index); // compacted meanwhile
    for (let i = run.lo; i < run.hi; i++) {
      const t = this.terms.termAt(i);
      if (run.entry(i)!.term !== t) {
        throw new CorruptionError(this.groupId, 'entry', i, `term ${run.entry(i)!.term}, but the term index says ${t}`);
      }
    }
    if (run.length > 0) this.window = run;
  }
}
