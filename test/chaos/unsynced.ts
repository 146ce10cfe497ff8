/**
 * The `lose-unsynced` fault's machinery: what a power failure does to a node's disk. Nodes run with
 * sync-tracker.c preloaded, which logs every file's size at each successful fsync/fdatasync. After
 * a node is SIGKILLed, rollBackToSynced cuts every file in its data directory back to that size and
 * deletes files that were never synced, so the node restarts from exactly what had reached the disk
 * (SIGKILL alone keeps the page cache, and with it every unsynced write).
 *
 * The model fits append-only files (LevelDB's WAL, MANIFEST and tables are all written once, front
 * to back). It does not model a lost directory entry of a synced file whose directory was not
 * synced (LevelDB syncs the directory for MANIFEST only), which makes it, if anything, lenient.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../e2e/harness/dist.js';

const compileTimeoutMs = 60_000;
export const syncLogEnv = 'SYNCTRACK_LOG';

/** Compiles sync-tracker.c into `dir`; returns the library's path, or throws why it cannot. */
export function buildSyncTracker(dir: string): string {
  const lib = join(dir, 'libsynctrack.so');
  const source = join(repoRoot, 'test', 'chaos', 'sync-tracker.c');
  const r = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-o', lib, source, '-ldl'], { encoding: 'utf8', timeout: compileTimeoutMs });
  if (r.error) throw new Error(`lose-unsynced needs a C compiler (cc) to build test/chaos/sync-tracker.c: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`cc failed to build test/chaos/sync-tracker.c: ${r.stderr.trim()}`);
  return lib;
}

/** The environment that makes a node log its syncs to `syncLog`. */
export function syncTrackingEnv(lib: string, syncLog: string): Record<string, string> {
  return { LD_PRELOAD: lib, [syncLogEnv]: syncLog };
}

/**
 * "dev:inode" → the largest size a successful sync made durable. The largest, not the last: two
 * threads syncing one file may log out of order. An inode freed and reused by a newer file keeps
 * the older file's size if that is larger (lenient: it can keep unsynced bytes, never drop synced ones).
 */
export function parseSyncLog(text: string): Map<string, number> {
  const durable = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\d+) (\d+) (\d+)$/.exec(line);
    if (!m) continue; // the last line may be torn by the SIGKILL: it recorded nothing yet
    const key = `${m[1]}:${m[2]}`;
    durable.set(key, Math.max(durable.get(key) ?? 0, Number(m[3])));
  }
  return durable;
}

export interface RollbackStats {
  readonly filesTruncated: number;
  readonly filesDeleted: number;
  readonly bytesDropped: number;
}

function regularFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return regularFiles(path);
    return e.isFile() ? [path] : [];
  });
}

/**
 * Cuts every file under `dataDir` back to its last synced size; deletes files never synced. The
 * node must not be running. The sync log is kept: a file synced before this start stays durable.
 */
export function rollBackToSynced(dataDir: string, syncLog: string): RollbackStats {
  const durable = parseSyncLog(existsSync(syncLog) ? readFileSync(syncLog, 'utf8') : '');
  let filesTruncated = 0;
  let filesDeleted = 0;
  let bytesDropped = 0;
  for (const path of regularFiles(dataDir)) {
    const st = statSync(path, { bigint: true });
    const keep = durable.get(`${st.dev}:${st.ino}`);
    const size = Number(st.size);
    if (keep === undefined) {
      unlinkSync(path);
      filesDeleted++;
      bytesDropped += size;
    } else if (size > keep) {
      truncateSync(path, keep);
      filesTruncated++;
      bytesDropped += size - keep;
    }
  }
  return { filesTruncated, filesDeleted, bytesDropped };
}
