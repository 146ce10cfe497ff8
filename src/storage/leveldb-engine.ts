/**
 * The node's storage engine: one LevelDB (classic-level) holding every Raft group's log, hard state
 * and snapshots in key spaces per group (keys.ts), with group commit (write-batcher.ts).
 *
 * Durability contract: a change staged through a group (append, setHardState, applySnapshot,
 * compact) or removeGroup is durable once the promise of a flush() called after it resolves; every
 * change of one turn is in one atomic batch. With `fsync: false` (UNSAFE, benchmarks only) a
 * resolved flush means "handed to the OS": a process crash loses nothing, an OS crash may.
 */
import { assert, silentLogger, type GroupId, type Logger } from '../core/index.js';
import type { OpenGroupOptions, StorageEngine } from '../multiraft/group-storage.js';
import { GET_OPTIONS, LEVELDB_DEFAULTS, openDb, scan, SMALL_SCAN, type Db, type LevelDbTuning } from './db.js';
import { recoverGroup } from './group-recovery.js';
import { LevelDbGroupStore, type GroupStoreConfig } from './group-store.js';
import { groupKey, keyGroup, KeyKind, kindRange } from './keys.js';
import { Pruner } from './pruner.js';
import { decodeFormat, encodeFormat, encodeRemoved, FORMAT_TAG } from './state-codec.js';
import { WriteBatcher, type WriteStats } from './write-batcher.js';

export interface LevelDbEngineOptions {
  /** The LevelDB directory (one of `log.dirs`). */
  readonly dir: string;
  /**
   * fsync every group-commit write. `false` is UNSAFE and meant for benchmarks only: an OS crash or
   * power loss then loses writes that were acknowledged.
   */
  readonly fsync: boolean;
  readonly logger?: Logger;
  /** Tail cache per group (soft bound, see group-store.ts). Default 8 MiB. */
  readonly tailCacheBytesMax?: number;
  /** Most bytes one background load of cold entries reads. Default 4 MiB. */
  readonly loadBytesMax?: number;
  /** Group-commit batch size at which writable() starts to wait. Default 64 MiB. */
  readonly pendingBytesMax?: number;
  /** Keys deleted per step by the background prune of compacted or removed entries. Default 8192. */
  readonly pruneKeysPerStepMax?: number;
  /** Inconsistent tail entries an open may cut before refusing (it is not a torn write). Default 100000. */
  readonly tailCutEntriesMax?: number;
  readonly leveldb?: Partial<LevelDbTuning>;
}

export class LevelDbEngine implements StorageEngine {
  private readonly groups = new Map<GroupId, LevelDbGroupStore>();
  private readonly opening = new Set<GroupId>();
  private readonly removals = new Map<GroupId, Promise<void>>();
  private closed = false;

  private constructor(
    private readonly db: Db,
    private readonly batcher: WriteBatcher,
    private readonly pruner: Pruner,
    private readonly groupConfig: GroupStoreConfig,
    private readonly tailCutEntriesMax: number,
    private readonly logger: Logger,
  ) {}

  static async open(options: LevelDbEngineOptions): Promise<LevelDbEngine> {
    const logger = (options.logger ?? silentLogger).child({ component: 'storage' });
    const db = await openDb(options.dir, { ...LEVELDB_DEFAULTS, ...options.leveldb });
    try {
      const batcher = new WriteBatcher(db, {
        sync: options.fsync,
        pendingBytesMax: options.pendingBytesMax ?? 64 * 1024 * 1024,
        logger,
      });
      const pruner = new Pruner(db, batcher, { keysPerStepMax: options.pruneKeysPerStepMax ?? 8192, logger });
      const engine = new LevelDbEngine(
        db,
        batcher,
        pruner,
        { tailCacheBytesMax: options.tailCacheBytesMax ?? 8 * 1024 * 1024, loadBytesMax: options.loadBytesMax ?? 4 * 1024 * 1024 },
        options.tailCutEntriesMax ?? 100_000,
        logger,
      );
      await engine.checkFormat();
      await engine.resumeRemovals();
      if (!options.fsync) logger.warn({ dir: options.dir }, 'storage: fsync is OFF (unsafe; benchmarks only)');
      return engine;
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /** Open (or create, with options.bootstrap) a group and rebuild its state from disk. */
  async openGroup(groupId: GroupId, options: OpenGroupOptions = {}): Promise<LevelDbGroupStore> {
    this.checkOpen();
    assert(!this.groups.has(groupId) && !this.opening.has(groupId), () => `group ${groupId} is already open`);
    this.opening.add(groupId);
    try {
      await this.removals.get(groupId);
      const logger = this.logger.child({ groupId });
      const r = await recoverGroup(this.db, this.batcher, groupId, {
        bootstrap: options.bootstrap,
        tailCacheBytesMax: this.groupConfig.tailCacheBytesMax,
        tailCutEntriesMax: this.tailCutEntriesMax,
        logger,
      });
      const deps = { db: this.db, batcher: this.batcher, pruner: this.pruner, logger };
      const store = new LevelDbGroupStore(groupId, deps, this.groupConfig, options, r);
      if (r.garbage) void this.pruner.enqueue({ groupId, throughIndex: r.start.index, removeGroup: false });
      this.groups.set(groupId, store);
      return store;
    } finally {
      this.opening.delete(groupId);
    }
  }

  /** Drop a group (open or not) and all its data; durable with the next flush(). */
  removeGroup(groupId: GroupId): void {
    this.checkOpen();
    assert(!this.opening.has(groupId), () => `group ${groupId} is being opened`);
    this.groups.get(groupId)?.detach();
    this.groups.delete(groupId);
    this.stageRemoval(groupId);
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /** Resolves when the pending group-commit batch is below pendingBytesMax (backpressure). */
  writable(): Promise<void> {
    return this.batcher.writable();
  }

  /** Group-commit counters: `writes` is the number of LevelDB writes (= fsyncs when fsync is on). */
  stats(): Readonly<WriteStats> {
    return { ...this.batcher.stats };
  }

  /** Resolves when background deletion (compacted prefixes, removed groups) has caught up. */
  pruned(): Promise<void> {
    return this.pruner.idle();
  }

  /** The raw LevelDB, for tests and tools that inspect or damage the store on purpose. */
  rawDb(): Db {
    return this.db;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let failure: unknown;
    await this.batcher.flush().catch((e: unknown) => (failure = e));
    await this.pruner.close();
    await this.batcher.close().catch(() => {});
    for (const g of this.groups.values()) g.detach();
    this.groups.clear();
    await this.db.close();
    if (failure !== undefined) throw failure; // the last writes are not known to be durable
  }

  private checkOpen(): void {
    assert(!this.closed, 'storage engine is closed');
  }

  private stageRemoval(groupId: GroupId): void {
    const t = encodeRemoved(groupId);
    this.batcher.put(t.key, t.value);
    this.batcher.del(groupKey(KeyKind.HardState, groupId));
    this.batcher.del(groupKey(KeyKind.Snapshot, groupId));
    this.batcher.del(groupKey(KeyKind.LogStart, groupId));
    const prior = this.removals.get(groupId) ?? Promise.resolve();
    const done = prior
      .then(() => this.pruner.enqueue({ groupId, throughIndex: 0, removeGroup: true }))
      .finally(() => {
        if (this.removals.get(groupId) === done) this.removals.delete(groupId);
      });
    this.removals.set(groupId, done);
    this.logger.info({ groupId }, 'storage: group removed');
  }

  private async checkFormat(): Promise<void> {
    const f = encodeFormat();
    const v = (await this.db.get(f.key, GET_OPTIONS)) as Buffer | undefined;
    if (v) {
      const tag = decodeFormat(v);
      if (tag !== FORMAT_TAG) throw new Error(`storage: unknown or damaged format tag ${JSON.stringify(tag)} (expected ${FORMAT_TAG})`);
      return;
    }
    let empty = true;
    await scan(this.db, { reverse: false }, SMALL_SCAN, () => {
      empty = false;
      return false;
    });
    if (!empty) throw new Error('storage: the directory holds a LevelDB that Runnel did not create');
    this.batcher.put(f.key, f.value);
    await this.batcher.flush();
  }

  /** Groups removed before a restart whose deletion did not finish: finish it in the background. */
  private async resumeRemovals(): Promise<void> {
    const ids: GroupId[] = [];
    await scan(this.db, { ...kindRange(KeyKind.Removed), reverse: false }, SMALL_SCAN, (key) => {
      ids.push(keyGroup(key));
      return true;
    });
    for (const groupId of ids) {
      const done = this.pruner.enqueue({ groupId, throughIndex: 0, removeGroup: true }).finally(() => this.removals.delete(groupId));
      this.removals.set(groupId, done);
    }
  }
}
