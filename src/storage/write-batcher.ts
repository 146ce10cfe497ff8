/**
 * Group commit. Every put/del staged during one event-loop turn, by any group, lands in one LevelDB
 * chained batch, written with ONE `write({ sync })` after the turn (setImmediate). At most one write
 * is in flight; while it is, the next batch accumulates and is written as soon as it completes.
 *
 * Durability: the promise returned by flush() resolves once everything staged before the call is
 * on disk (fsynced when `sync`); a batch is atomic on recovery (LevelDB's WAL record is checksummed
 * and replayed whole or not at all).
 *
 * Backpressure: staging is synchronous and never refused (Raft's Ready must be persisted), so the
 * bound `pendingBytesMax` works by waiting: writable() resolves only once the pending batch is under
 * the bound, and every flush() naturally waits for the in-flight write and then the pending one. A
 * host that awaits flush() before taking its next Ready (the Ready contract) therefore stalls while
 * the disk is behind, and a producer path can await writable() before proposing more.
 *
 * A failed write is fatal: that flush and every later one reject with the error (the on-disk state of
 * the failed batch is unknown, and a Raft node must not ack anything after it).
 */
import { assert, type Logger } from '../core/index.js';
import type { ChainedBatch } from 'classic-level';
import type { Db } from './db.js';

/** A group with staged changes in the pending batch. */
export interface BatchParticipant {
  /** The batch is about to be written: stage deferred puts into it and check invariants. */
  seal(): void;
  /** The batch is on disk. */
  written(): void;
}

export interface WriteBatcherOptions {
  /** fsync each write. false is UNSAFE (an OS crash or power loss loses acknowledged writes). */
  readonly sync: boolean;
  readonly pendingBytesMax: number;
  readonly logger: Logger;
}

export interface WriteStats {
  /** Batches written (each one LevelDB write, each one fsync when sync). */
  writes: number;
  ops: number;
  bytes: number;
  /** The largest batch written, in operations. */
  batchOpsMax: number;
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // a write nobody waits for must not become an unhandled rejection
  return { promise, resolve, reject };
}

type Batch = ChainedBatch<Db, Uint8Array, Uint8Array>;

interface Pending {
  batch: Batch | undefined;
  bytes: number;
  ops: number;
  readonly participants: Set<BatchParticipant>;
  readonly done: Deferred;
}

export class WriteBatcher {
  readonly stats: WriteStats = { writes: 0, ops: 0, bytes: 0, batchOpsMax: 0 };
  private pending: Pending | undefined;
  private inFlight: Pending | undefined;
  private scheduled = false;
  private failure: Error | undefined;
  private closed = false;
  private writableWaiters: Array<() => void> = [];

  constructor(
    private readonly db: Db,
    private readonly options: WriteBatcherOptions,
  ) {}

  put(key: Buffer, value: Buffer): void {
    const p = this.current();
    p.batch ??= this.db.batch();
    p.batch.put(key, value);
    p.ops++;
    p.bytes += key.byteLength + value.byteLength;
  }

  del(key: Buffer): void {
    const p = this.current();
    p.batch ??= this.db.batch();
    p.batch.del(key);
    p.ops++;
    p.bytes += key.byteLength;
  }

  /** Have `participant.seal()` called before the pending batch is written, `written()` after. */
  join(participant: BatchParticipant): void {
    this.current().participants.add(participant);
  }

  /** Bytes staged but not yet handed to LevelDB. */
  get pendingBytes(): number {
    return this.pending?.bytes ?? 0;
  }

  /** Resolves when everything staged before this call is durable. */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const p = this.pending ?? this.inFlight;
    return p ? p.done.promise : Promise.resolve();
  }

  /** Resolves when the pending batch is below pendingBytesMax (see Backpressure above). */
  writable(): Promise<void> {
    if (this.pendingBytes < this.options.pendingBytesMax) return Promise.resolve();
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  /** Write what is staged, then refuse further staging. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
    }
  }

  private current(): Pending {
    assert(!this.closed, 'staging into a closed storage engine');
    if (this.failure) throw this.failure;
    if (!this.pending) {
      this.pending = { batch: undefined, bytes: 0, ops: 0, participants: new Set(), done: deferred() };
      this.schedule();
    }
    return this.pending;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startWrite();
    });
  }

  private startWrite(): void {
    const p = this.pending;
    if (!p || this.inFlight) return;
    try {
      for (const participant of p.participants) participant.seal(); // stages into p, still current
    } catch (e) {
      this.pending = undefined;
      this.fail(p, e); // a broken invariant: write nothing more
      return;
    }
    this.pending = undefined;
    this.releaseWritable();
    if (!p.batch) {
      this.finish(p);
      return;
    }
    this.inFlight = p;
    p.batch.write({ sync: this.options.sync }).then(
      () => {
        this.stats.writes++;
        this.stats.ops += p.ops;
        this.stats.bytes += p.bytes;
        this.stats.batchOpsMax = Math.max(this.stats.batchOpsMax, p.ops);
        this.inFlight = undefined;
        this.finish(p);
        if (this.pending) this.schedule();
      },
      (e: unknown) => this.fail(p, e),
    );
  }

  private finish(p: Pending): void {
    for (const participant of p.participants) participant.written();
    p.done.resolve();
  }

  private fail(p: Pending, e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    this.failure = err;
    this.options.logger.error({ err, ops: p.ops, bytes: p.bytes }, 'storage: LevelDB write failed; storage is now read-only');
    this.inFlight = undefined;
    p.done.reject(err);
    this.pending?.done.reject(err);
    this.pending = undefined;
    this.releaseWritable();
  }

  private releaseWritable(): void {
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const w of waiters) w();
  }
}
