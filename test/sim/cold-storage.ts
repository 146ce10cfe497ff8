/**
 * The production storage's read path, modelled on a simulated node's MemoryStorage (see
 * src/storage/group-store.ts): entries are served from a bounded tail cache; a read that starts below
 * it throws TemporarilyUnavailableError and starts one background load (one at a time per node, as
 * in production), which after a random delay makes a small window of entries readable for a while
 * and tells the host, which calls RawNode.entriesLoaded() and takes a Ready. A new snapshot may also
 * still be "being built" when the leader first asks for it (snapshot() throws, and serves it once
 * the build finishes; the leader retries on a later heartbeat answer).
 *
 * The cache and the windows are volatile: a crash drops them and any load in flight (the wrapper is
 * closed and a restarted node gets a fresh one). Reads only: writes go to the MemoryStorage, which
 * stays the node's durable state. Entries are always read from it, so a window never serves stale
 * data after a truncation or a snapshot (production invalidates its window then).
 */
import type { Index, Rng, Term } from '../../src/core/index.js';
import {
  TemporarilyUnavailableError,
  type Entry,
  type InitialState,
  type MemoryStorage,
  type Snapshot,
  type Storage,
} from '../../src/raft/index.js';
import type { ColdStorageParams } from './params.js';
import type { Scheduler } from './scheduler.js';
import type { SimStats } from './stats.js';
import { TraceKind, type Trace } from './trace.js';

export interface ColdStorageDeps {
  readonly rng: Rng;
  readonly params: ColdStorageParams;
  readonly scheduler: Scheduler;
  readonly stats: SimStats;
  readonly trace: Trace;
}

/** Entries [lo, hi) loaded from disk, readable until expiresAtMs. */
interface LoadedWindow {
  readonly lo: Index;
  readonly hi: Index;
  readonly expiresAtMs: number;
}

export class ColdStorage implements Storage {
  private windows: LoadedWindow[] = [];
  private loading = false;
  /** The snapshot index whose snapshot is readable; another one may still be being built. */
  private builtSnapshotIndex: Index;
  private building = false;
  private closed = false;
  /** Set while the checker reads: an oracle must neither see cold entries nor start loads. */
  private oracle = false;

  constructor(
    private readonly inner: MemoryStorage,
    private readonly nodeId: number,
    private readonly deps: ColdStorageDeps,
    /** A load finished: the host runs `finish` when the node is awake, then calls entriesLoaded(). */
    private readonly onLoaded: (finish: () => void) => void,
  ) {
    // The snapshot on disk at start-up is the one a restarted node already has in hand.
    this.builtSnapshotIndex = inner.snapshot().meta.index;
  }

  /** The node crashed: the cache, the windows and every load or build in flight are gone. */
  close(): void {
    this.closed = true;
  }

  /** Run `read` with every entry readable and no side effects (the checker's whole-log reads). */
  oracleRead<T>(read: () => T): T {
    this.oracle = true;
    try {
      return read();
    } finally {
      this.oracle = false;
    }
  }

  initialState(): InitialState {
    return this.inner.initialState();
  }

  term(i: Index): Term {
    return this.inner.term(i); // terms are always in memory (production keeps a term index)
  }

  firstIndex(): Index {
    return this.inner.firstIndex();
  }

  lastIndex(): Index {
    return this.inner.lastIndex();
  }

  entries(lo: Index, hi: Index, maxBytes: number): Entry[] {
    const first = this.inner.firstIndex();
    const last = this.inner.lastIndex();
    // Out of range (the inner storage throws the right error) or served from memory.
    if (this.oracle || lo < first || hi > last + 1 || lo >= hi) return this.inner.entries(lo, hi, maxBytes);
    const cacheLo = this.cacheLo(first, last);
    if (lo >= cacheLo) return this.inner.entries(lo, hi, maxBytes);
    const now = this.deps.scheduler.now;
    this.windows = this.windows.filter((w) => w.expiresAtMs > now);
    const w = this.windows.find((x) => x.lo <= lo && lo < x.hi);
    // A window that reaches the tail cache continues into it; otherwise the read stops at its end.
    if (w) return this.inner.entries(lo, w.hi >= cacheLo ? hi : Math.min(hi, w.hi), maxBytes);
    this.deps.stats.coldReads++;
    if (!this.loading) this.startLoad(lo, Math.min(hi, cacheLo, lo + this.deps.params.loadEntriesMax));
    throw new TemporarilyUnavailableError(`n${this.nodeId}: entries from ${lo} are being read from disk`);
  }

  snapshot(): Snapshot {
    const snap = this.inner.snapshot();
    const index = snap.meta.index;
    if (this.oracle || index === this.builtSnapshotIndex) return snap;
    const p = this.deps.params;
    if (!this.building && !this.deps.rng.chance(p.snapshotBuildRate)) {
      this.builtSnapshotIndex = index;
      return snap;
    }
    this.deps.stats.snapshotsNotReady++;
    if (!this.building) {
      this.building = true;
      this.deps.trace.numbers(TraceKind.Storage, this.nodeId, index, index + 1, 0, 'snapshot being built');
      this.deps.scheduler.after(this.deps.rng.int(1, p.snapshotBuildMaxMs + 1), () => {
        if (this.closed) return;
        this.building = false;
        // The build read the snapshot of its start; a newer one made meanwhile needs its own build.
        this.builtSnapshotIndex = index;
      });
    }
    throw new TemporarilyUnavailableError(`n${this.nodeId}: snapshot at ${index} is being built`);
  }

  /**
   * First entry of the tail cache: the newest `tailEntries` entries, but never dropping the last
   * one or any entry above the persisted commit index (production evicts neither).
   */
  private cacheLo(first: Index, last: Index): Index {
    const keepFrom = Math.min(last + 1 - this.deps.params.tailEntries, last, this.inner.getHardState().commit + 1);
    return Math.max(first, keepFrom);
  }

  private startLoad(lo: Index, hi: Index): void {
    const { rng, params, scheduler, stats, trace } = this.deps;
    this.loading = true;
    trace.numbers(TraceKind.Storage, this.nodeId, lo, hi, 0, 'cold read: loading entries');
    scheduler.after(rng.int(1, params.loadDelayMaxMs + 1), () => {
      if (this.closed) return;
      this.onLoaded(() => {
        if (this.closed) return;
        this.loading = false;
        stats.coldLoads++;
        this.windows.push({ lo, hi, expiresAtMs: scheduler.now + params.loadedTtlMs });
        if (this.windows.length > params.loadedWindowsMax) this.windows.shift();
        trace.numbers(TraceKind.Storage, this.nodeId, lo, hi, 0, 'cold read: entries loaded');
      });
    });
  }
}
