/**
 * Deletes dead key ranges in the background, in steps of at most `keysPerStepMax` keys, each step
 * staged into the ordinary group-commit batch (so it is ordered with every other write and there is
 * still one write in flight at most).
 *
 * Dead ranges are the entries at or before a group's log start after a compaction or a snapshot
 * install, and everything of a removed group. Correctness never waits for a prune: the log start is
 * written atomically with the compaction, reads ignore entries at or before it, and an open that
 * finds such entries still on disk (a crash mid-prune) enqueues the prune again. A removed group
 * keeps a Removed tombstone until its prune is done, and the engine resumes it on open.
 *
 * Why not classic-level's db.clear({gte, lt})? LevelDB has no range tombstone: clear() iterates and
 * deletes in its own unsynced batches, outside the group commit, and cannot be told which keys of a
 * range are live (after a snapshot install the dead entries interleave with live ones in the data
 * key space). The prune walks the small EntryIndex records instead, which name the data keys.
 */
import { assert, type GroupId, type Index, type Logger } from '../core/index.js';
import { decodeEntryIndex } from './entry-codec.js';
import { scan, type Db, type ScanOptions } from './db.js';
import { dataKey, groupKey, groupRange, indexedKey, indexedKeyIndex, KeyKind } from './keys.js';
import type { WriteBatcher } from './write-batcher.js';

export interface PruneJob {
  readonly groupId: GroupId;
  /** Delete entries with index <= throughIndex (ignored when removing the group). */
  readonly throughIndex: Index;
  /** Delete everything of the group, then its Removed tombstone. */
  readonly removeGroup: boolean;
}

export interface PrunerOptions {
  readonly keysPerStepMax: number;
  readonly logger: Logger;
}

interface QueuedJob {
  readonly job: PruneJob;
  readonly done: () => void;
}

const PRUNE_SCAN: ScanOptions = { chunkEntriesMax: 1024, chunkBytesMax: 256 * 1024, fillCache: false };

export class Pruner {
  private queue: QueuedJob[] = [];
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly db: Db,
    private readonly batcher: WriteBatcher,
    private readonly options: PrunerOptions,
  ) {
    assert(options.keysPerStepMax >= 2, 'keysPerStepMax must allow an index and a data key');
  }

  /** Resolves when the job is done, or abandoned because the engine closes. */
  enqueue(job: PruneJob): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push({ job, done: resolve });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running || this.stopping || this.queue.length === 0) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  /** Resolves when every queued job is done. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stop after the current step; queued jobs are abandoned (resumed by the next open). */
  async close(): Promise<void> {
    this.stopping = true;
    await this.idle();
    for (const q of this.queue.splice(0)) q.done();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopping) {
      const q = this.queue.shift()!;
      try {
        await this.run(q.job);
      } catch (err) {
        this.options.logger.error({ err, groupId: q.job.groupId }, 'storage: prune failed; retried on next open');
      }
      q.done();
    }
  }

  private async run(job: PruneJob): Promise<void> {
    await this.batcher.flush(); // everything the job may delete is on disk before the scan
    const g = job.groupId;
    const entries = groupRange(KeyKind.EntryIndex, g);
    const lte = job.removeGroup ? undefined : indexedKey(KeyKind.EntryIndex, g, job.throughIndex);
    await this.steps(entries.gte, lte, entries.lt, (key, value) => this.entryKeys(g, key, value));
    if (!job.removeGroup) return;
    for (const kind of [KeyKind.TermStart, KeyKind.Conf, KeyKind.EntryData]) {
      const r = groupRange(kind, g);
      await this.steps(r.gte, undefined, r.lt, (key) => [key]);
    }
    if (this.stopping) return;
    this.batcher.del(groupKey(KeyKind.Removed, g));
    await this.batcher.flush();
    this.options.logger.info({ groupId: g }, 'storage: removed group deleted');
  }

  /** The keys of one stored entry: its index record and the data record it names. */
  private entryKeys(g: GroupId, key: Buffer, value: Buffer): Buffer[] {
    try {
      const loc = decodeEntryIndex(g, key, value);
      return [key, dataKey(g, loc.endOffset, loc.index)];
    } catch (err) {
      // The data record cannot be named; it stays as an orphan, invisible to reads (below log start).
      this.options.logger.error({ err, groupId: g, index: indexedKeyIndex(key) }, 'storage: corrupt index record while pruning');
      return [key];
    }
  }

  private async steps(
    gte: Buffer,
    lte: Buffer | undefined,
    lt: Buffer,
    keysOf: (key: Buffer, value: Buffer) => Buffer[],
  ): Promise<void> {
    let from: { gte: Buffer } | { gt: Buffer } = { gte };
    while (!this.stopping) {
      const dels: Buffer[] = [];
      let lastKey: Buffer | undefined;
      await scan(this.db, { ...from, ...(lte ? { lte } : { lt }), reverse: false }, PRUNE_SCAN, (key, value) => {
        dels.push(...keysOf(key, value));
        lastKey = key;
        return dels.length + 2 <= this.options.keysPerStepMax;
      });
      if (!lastKey) return;
      for (const k of dels) this.batcher.del(k);
      await this.batcher.flush();
      from = { gt: lastKey };
    }
  }
}
