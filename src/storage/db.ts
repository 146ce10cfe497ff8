import { ClassicLevel } from 'classic-level';

/** The node's one LevelDB: binary keys and values (keyEncoding/valueEncoding 'view'). */
export type Db = ClassicLevel<Uint8Array, Uint8Array>;

/** LevelDB tuning, all passed to classic-level explicitly (its defaults are noted). */
export interface LevelDbTuning {
  /** Block cache (classic-level default 8 MiB). */
  readonly cacheSizeBytes: number;
  /** Memtable / WAL size before a flush to a table file (default 4 MiB). */
  readonly writeBufferBytes: number;
  /** Table block size (default 4 KiB). */
  readonly blockSizeBytes: number;
  /** Table file size (default 2 MiB). */
  readonly maxFileBytes: number;
  readonly maxOpenFiles: number;
  /** Snappy; skipped per block when it does not pay (default true). */
  readonly compression: boolean;
}

export const LEVELDB_DEFAULTS: LevelDbTuning = {
  cacheSizeBytes: 32 * 1024 * 1024,
  writeBufferBytes: 64 * 1024 * 1024,
  blockSizeBytes: 16 * 1024,
  maxFileBytes: 32 * 1024 * 1024,
  maxOpenFiles: 1000,
  compression: true,
};

export async function openDb(dir: string, t: LevelDbTuning): Promise<Db> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open({
    createIfMissing: true,
    errorIfExists: false,
    passive: false,
    multithreading: false,
    compression: t.compression,
    cacheSize: t.cacheSizeBytes,
    writeBufferSize: t.writeBufferBytes,
    blockSize: t.blockSizeBytes,
    maxOpenFiles: t.maxOpenFiles,
    blockRestartInterval: 16,
    maxFileSize: t.maxFileBytes,
  });
  return db;
}

export interface ScanRange {
  readonly gte?: Buffer;
  readonly gt?: Buffer;
  readonly lt?: Buffer;
  readonly lte?: Buffer;
  readonly reverse: boolean;
}

export interface ScanOptions {
  /** Entries fetched per round trip to LevelDB. */
  readonly chunkEntriesMax: number;
  /** classic-level stops a round trip once this many bytes were read (default 16 KiB). */
  readonly chunkBytesMax: number;
  /** Populate LevelDB's block cache with what is read. */
  readonly fillCache: boolean;
}

export const SMALL_SCAN: ScanOptions = { chunkEntriesMax: 256, chunkBytesMax: 64 * 1024, fillCache: true };

/**
 * Visit [key, value] pairs of a range in order until `visit` returns false. The iterator reads a
 * snapshot taken synchronously by this call, so a caller may pair it with in-memory state read in
 * the same turn.
 */
export async function scan(
  db: Db,
  range: ScanRange,
  options: ScanOptions,
  visit: (key: Buffer, value: Buffer) => boolean,
): Promise<void> {
  const it = db.iterator({
    ...range,
    keys: true,
    values: true,
    limit: -1,
    fillCache: options.fillCache,
    highWaterMarkBytes: options.chunkBytesMax,
  });
  try {
    for (;;) {
      const chunk = await it.nextv(options.chunkEntriesMax);
      if (chunk.length === 0) return;
      for (const [k, v] of chunk) {
        if (!visit(k as Buffer, v as Buffer)) return;
      }
    }
  } finally {
    await it.close();
  }
}

/** Point reads: populate the block cache (classic-level's default, stated). */
export const GET_OPTIONS = { fillCache: true } as const;
