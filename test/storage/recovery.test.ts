/**
 * Open-time recovery and corruption handling, with damage done through the raw classic-level API.
 */
import { rmSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/index.js';
import { EntryType, TemporarilyUnavailableError, type Entry } from '../../src/raft/index.js';
import { CorruptionError, LevelDbEngine, type LevelDbGroupStore } from '../../src/storage/index.js';
import { encodeHardState } from '../../src/storage/state-codec.js';
import { sealValue } from '../../src/storage/checksum.js';
import { dataKey, dataKeyIndex, groupRange, indexedKey, KeyKind } from '../../src/storage/keys.js';
import { batchData, PARTITION_OPTIONS, tempDir } from './helpers.js';

type Raw = ClassicLevel<Uint8Array, Uint8Array>;

function recordingLogger(): { logger: Logger; warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (a: object | string, b?: string) => warnings.push(typeof a === 'string' ? a : `${b} ${JSON.stringify(a)}`),
    error: (a: object | string, b?: string) => errors.push(typeof a === 'string' ? a : `${b}`),
    child: () => logger,
  };
  return { logger, warnings, errors };
}

/** Entries 1..n of 100-byte batches of 10 records (entry i holds offsets [10(i-1), 10i)). */
function batches(n: number, term = 1): Entry[] {
  return Array.from({ length: n }, (_, k) => ({
    index: k + 1,
    term,
    type: EntryType.Normal,
    data: batchData(10 * k, 10, 1000 + k, new Uint8Array(100).fill(k + 1)),
  }));
}

const G = 3;

describe('recovery and corruption', () => {
  let tmp: ReturnType<typeof tempDir>;

  beforeEach(() => {
    tmp = tempDir('recovery');
  });
  afterEach(() => tmp.cleanup());

  async function writeLog(n: number, commit: number, options: { tailCacheBytesMax?: number } = {}): Promise<void> {
    const e = await LevelDbEngine.open({ dir: tmp.dir, fsync: true, ...options });
    const g = await e.openGroup(G, PARTITION_OPTIONS);
    g.append(batches(n));
    g.setHardState({ term: 1, vote: 1, commit });
    await e.close();
  }

  async function raw<T>(f: (db: Raw) => Promise<T>): Promise<T> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(tmp.dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open({ createIfMissing: false, errorIfExists: false });
    try {
      return await f(db);
    } finally {
      await db.close();
    }
  }

  async function dataKeyOf(db: Raw, index: number): Promise<Buffer> {
    for await (const k of db.keys(groupRange(KeyKind.EntryData, G))) {
      if (dataKeyIndex(k as Buffer) === index) return k as Buffer;
    }
    throw new Error(`no data key for ${index}`);
  }

  async function open(logger?: Logger, tailCacheBytesMax?: number): Promise<{ e: LevelDbEngine; g: LevelDbGroupStore }> {
    const e = await LevelDbEngine.open({ dir: tmp.dir, fsync: true, ...(logger ? { logger } : {}), ...(tailCacheBytesMax ? { tailCacheBytesMax } : {}) });
    try {
      return { e, g: await e.openGroup(G, PARTITION_OPTIONS) };
    } catch (err) {
      await e.close();
      throw err;
    }
  }

  it('cuts a torn tail (index record without its data) back to the last consistent entry, and logs it', async () => {
    await writeLog(10, 5);
    await raw(async (db) => db.del(await dataKeyOf(db, 10)));
    await raw(async (db) => db.del(await dataKeyOf(db, 9)));
    const log = recordingLogger();
    const { e, g } = await open(log.logger);
    expect(g.lastIndex()).toBe(8);
    expect(g.last()?.endOffset).toBe(80);
    expect(log.warnings.join('\n')).toMatch(/cut an inconsistent \(torn\) log tail.*"cutFrom":9,"cutTo":10/);
    g.append(batches(9).slice(8)); // the log continues at 9
    await e.close();
    const again = await open();
    expect(again.g.lastIndex()).toBe(9);
    await again.e.close();
    await raw(async (db) => expect(await db.get(indexedKey(KeyKind.EntryIndex, G, 10))).toBeUndefined());
  });

  it('cuts orphan data records beyond the last index record and corrupt uncommitted tail entries', async () => {
    await writeLog(10, 5);
    await raw(async (db) => {
      const k = await dataKeyOf(db, 10);
      const v = Buffer.from((await db.get(k))!);
      v[v.length - 1] = v[v.length - 1]! ^ 0x40; // flip a payload bit of the uncommitted entry 10
      await db.put(k, v);
      await db.put(dataKey(G, 500, 11), Buffer.from('not an entry'));
    });
    const log = recordingLogger();
    const { e, g } = await open(log.logger);
    expect(g.lastIndex()).toBe(9);
    expect(log.warnings).toHaveLength(1);
    await e.close();
  });

  it('refuses to open when the tail would have to be cut at or below the commit index', async () => {
    await writeLog(10, 10);
    await raw(async (db) => db.del(await dataKeyOf(db, 10)));
    await expect(open()).rejects.toThrow(CorruptionError);
    await expect(open()).rejects.toThrow(/refusing to cut committed entries/);
  });

  it('refuses to open when the hard state commit is beyond the log', async () => {
    await writeLog(4, 2);
    const hs = encodeHardState(G, { term: 1, vote: 1, commit: 9 });
    await raw(async (db) => db.put(hs.key, hs.value));
    await expect(open()).rejects.toThrow(/commit 9 beyond the last stored index 4/);
  });

  it("keeps a joining replica's catch-up target in the hard state across a reopen, and reads the older 28-byte hard state", async () => {
    await writeLog(3, 1);
    let { e, g } = await open();
    expect(g.initialState().hardState).toEqual({ term: 1, vote: 1, commit: 1 }); // written without a target (28 bytes)
    g.setHardState({ term: 2, vote: 0, commit: 2, joinTarget: 10 });
    await e.close();
    ({ e, g } = await open());
    expect(g.initialState().hardState).toEqual({ term: 2, vote: 0, commit: 2, joinTarget: 10 });
    g.setHardState({ term: 2, vote: 0, commit: 3 }); // caught up: the target is gone
    await e.close();
    ({ e, g } = await open());
    expect(g.initialState().hardState).toEqual({ term: 2, vote: 0, commit: 3 });
    await e.close();
    const hs = encodeHardState(G, { term: 2, vote: 0, commit: 3, joinTarget: 10 });
    const odd = Buffer.from(hs.value.subarray(0, 32)); // neither 28 nor 36 bytes, with a valid CRC
    sealValue(hs.key, odd);
    await raw(async (db) => db.put(hs.key, odd));
    await expect(open()).rejects.toThrow(/hard state.*32 bytes/);
  });

  it('reports a flipped byte in a stored entry as CorruptionError, never returning the data', async () => {
    await writeLog(50, 50, { tailCacheBytesMax: 500 });
    await raw(async (db) => {
      const k = await dataKeyOf(db, 7);
      const v = Buffer.from((await db.get(k))!);
      v[60] = v[60]! ^ 0x01;
      await db.put(k, v);
    });
    const { e, g } = await open(undefined, 500);
    try {
      expect(() => g.entries(6, 9, Infinity)).toThrow(TemporarilyUnavailableError);
      await expect(g.readEntries(6, 9, Infinity)).rejects.toThrow(CorruptionError);
      await expect(g.readEntries(6, 9, Infinity)).rejects.toThrow(/group 3 entry 7: CRC32C mismatch/);
      await expect(g.readFromOffset(55, 10_000, 50)).rejects.toThrow(CorruptionError);
      await expect(g.readFromOffset(65, 10_000, 50)).rejects.toThrow(/entry 7/);
      // Entries before and after the damage still read fine.
      expect((await g.readFromOffset(0, 250, 50)).map((b) => b.index)).toEqual([1, 2]);
      expect((await g.readFromOffset(75, 250, 50)).map((b) => b.index)).toEqual([8, 9]);
      expect((await g.readEntries(8, 10, Infinity)).map((x) => x.index)).toEqual([8, 9]);
    } finally {
      await e.close();
    }
  });

  it('serves a cold read with one background load, then notifies the listeners', async () => {
    await writeLog(100, 100, { tailCacheBytesMax: 1000 });
    const { e, g } = await open(undefined, 1000);
    try {
      let notified = 0;
      g.onEntriesLoaded(() => notified++);
      expect(g.cacheStats().tailLo).toBeGreaterThan(50);
      expect(() => g.entries(10, 20, Infinity)).toThrow(TemporarilyUnavailableError);
      expect(() => g.entries(30, 40, Infinity)).toThrow(TemporarilyUnavailableError); // no second load
      await new Promise<void>((resolve) => g.onEntriesLoaded(resolve));
      expect(notified).toBe(1);
      expect(g.entries(10, 20, Infinity).map((x) => x.index)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      expect(g.term(15)).toBe(1); // terms of cold entries come from memory
    } finally {
      await e.close();
    }
  });

  it('compaction deletes the prefix in the background and survives reopen', async () => {
    await writeLog(40, 30);
    let { e, g } = await open();
    g.compact({ meta: { index: 25, term: 1, confState: { voters: [1], learners: [] } }, data: new Uint8Array([0, 0, 0, 250]) }, 20);
    expect(g.firstIndex()).toBe(21);
    expect(g.first()?.index).toBe(21);
    await e.flush();
    await e.pruned();
    await e.close();
    const counts = await raw(async (db) => {
      let idx = 0;
      let data = 0;
      for await (const k of db.keys(groupRange(KeyKind.EntryIndex, G))) idx += k ? 1 : 0;
      for await (const k of db.keys(groupRange(KeyKind.EntryData, G))) data += k ? 1 : 0;
      return { idx, data };
    });
    expect(counts).toEqual({ idx: 20, data: 20 });
    ({ e, g } = await open());
    expect([g.firstIndex(), g.lastIndex(), g.snapshot().meta.index, g.first()?.endOffset]).toEqual([21, 40, 25, 210]);
    expect((await g.readFromOffset(199, 100, 40)).map((b) => b.index)).toEqual([]); // compacted away
    expect((await g.readFromOffset(200, 100, 40)).map((b) => b.index)).toEqual([21]);
    await e.close();
  });

  it('an interrupted prune is resumed by the next open', async () => {
    await writeLog(10, 10);
    let { e, g } = await open();
    g.compact({ meta: { index: 5, term: 1, confState: { voters: [1], learners: [] } }, data: new Uint8Array(4) }, 5);
    await e.flush();
    await e.pruned();
    await e.close();
    // Put back an entry at or below the log start, as if the prune had been cut short.
    await raw(async (db) => {
      const w = await LevelDbEngine.open({ dir: `${tmp.dir}-scratch`, fsync: false });
      const s = await w.openGroup(G, PARTITION_OPTIONS);
      s.append(batches(3));
      await w.flush();
      const pairs: Array<[Uint8Array, Uint8Array]> = [];
      for await (const kv of w.rawDb().iterator(groupRange(KeyKind.EntryIndex, G))) pairs.push(kv as [Uint8Array, Uint8Array]);
      for await (const kv of w.rawDb().iterator(groupRange(KeyKind.EntryData, G))) pairs.push(kv as [Uint8Array, Uint8Array]);
      await w.close();
      for (const [k, v] of pairs) await db.put(k, v);
    });
    ({ e, g } = await open());
    expect([g.firstIndex(), g.lastIndex()]).toEqual([6, 10]);
    await e.pruned();
    await e.close();
    const left = await raw(async (db) => {
      const out: number[] = [];
      for await (const k of db.keys(groupRange(KeyKind.EntryData, G))) out.push(dataKeyIndex(k as Buffer));
      return out;
    });
    expect(left).toEqual([6, 7, 8, 9, 10]);
    rmSync(`${tmp.dir}-scratch`, { recursive: true, force: true });
  });

  it('removeGroup deletes every key of the group; the id can be opened again, empty', async () => {
    await writeLog(20, 10);
    const { e, g } = await open();
    const other = await e.openGroup(G + 1);
    other.append(batches(2));
    void g;
    e.removeGroup(G);
    await e.flush();
    const again = await e.openGroup(G, { ...PARTITION_OPTIONS, bootstrap: { voters: [7], learners: [] } });
    expect([again.firstIndex(), again.lastIndex(), again.initialState().confState.voters]).toEqual([1, 0, [7]]);
    await e.close();
    const groupsLeft = await raw(async (db) => {
      const ids = new Set<string>();
      for await (const k of db.keys()) if ((k as Buffer).length >= 5) ids.add(`${(k as Buffer)[0]}:${(k as Buffer).readUInt32BE(1)}`);
      return [...ids].sort();
    });
    // Group G has only its fresh snapshot + log start; group G+1 is untouched.
    expect(groupsLeft).toEqual([`2:${G}`, `2:${G + 1}`, `3:${G}`, `3:${G + 1}`, `4:${G + 1}`, `6:${G + 1}`, `7:${G + 1}`]);
  });
});
