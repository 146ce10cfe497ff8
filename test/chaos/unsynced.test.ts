/**
 * The lose-unsynced fault's machinery on a real LevelDB in a real process: what was written with
 * sync survives the rollback, what was written without it is gone, and LevelDB opens the result.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../e2e/harness/dist.js';
import { buildSyncTracker, parseSyncLog, rollBackToSynced, syncTrackingEnv } from './unsynced.js';

const work = mkdtempSync(join(tmpdir(), 'runnel-unsynced-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const keysEach = 50;
const writerTimeoutMs = 30_000;

/** Writes synced keys s0.., then unsynced keys u0.., says "written" and waits for its SIGKILL. */
const writer = `
import { ClassicLevel } from 'classic-level';
const db = new ClassicLevel(process.argv[1]);
await db.open();
for (let i = 0; i < ${keysEach}; i++) await db.batch().put('s' + i, 'synced-' + i).write({ sync: true });
for (let i = 0; i < ${keysEach}; i++) await db.batch().put('u' + i, 'unsynced-' + i).write({ sync: false });
process.stdout.write('written\\n');
setInterval(() => {}, 1000);
`;

function runWriterUntilKilled(dir: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', writer, dir], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), writerTimeoutMs);
    let said = '';
    child.stdout.on('data', (b: Buffer) => {
      said += b.toString();
      if (said.includes('written')) child.kill('SIGKILL');
    });
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && said.includes('written')) resolve();
      else reject(new Error(`writer ended with ${signal ?? 'no signal'} before writing (${said})`));
    });
  });
}

async function keysOf(dir: string): Promise<string[]> {
  const db = new ClassicLevel<string, string>(dir);
  await db.open();
  try {
    return await db.keys().all();
  } finally {
    await db.close();
  }
}

describe('lose-unsynced: rolling a data directory back to its last fsync', () => {
  const lib = buildSyncTracker(work);

  it('keeps every write made with sync and drops the unsynced ones, leaving a LevelDB that opens', async () => {
    const dir = join(work, 'db');
    const log = join(work, 'synced.log');
    await runWriterUntilKilled(dir, syncTrackingEnv(lib, log));
    // SIGKILL alone keeps the page cache: every key is still there.
    expect((await keysOf(dir)).filter((k) => k.startsWith('u'))).toHaveLength(keysEach);

    await runWriterUntilKilled(join(work, 'db2'), syncTrackingEnv(lib, join(work, 'synced2.log')));
    const stats = rollBackToSynced(join(work, 'db2'), join(work, 'synced2.log'));
    expect(stats.bytesDropped).toBeGreaterThan(0);
    const keys = await keysOf(join(work, 'db2'));
    expect(keys.filter((k) => k.startsWith('s'))).toHaveLength(keysEach);
    expect(keys.filter((k) => k.startsWith('u'))).toHaveLength(0);
  });

  it('reads the largest synced size per inode and ignores a torn last line', () => {
    const durable = parseSyncLog('1 7 100\n1 8 5\n1 7 300\n1 7 200\n2 7 9\n1 8 4');
    expect(durable.get('1:7')).toBe(300);
    expect(durable.get('2:7')).toBe(9);
    expect(durable.get('1:8')).toBe(5);
    expect(parseSyncLog('1 7 1').size).toBe(1);
    expect(parseSyncLog('1 7 ').size).toBe(0);
  });
});
