/**
 * Rebuilding a group's in-memory state from disk on open, without reading every entry: the three
 * small records (hard state, snapshot, log start), the TermStart and Conf keys (one per term change,
 * one per membership change), two reverse seeks for the tail, then the tail cache.
 *
 * Tail check: the newest EntryIndex and EntryData records must describe the same entry. LevelDB
 * batches are atomic, so a disagreement means damage; entries above the committed index are cut back
 * to the last consistent one (and logged), while a cut at or below the commit index is fatal.
 */
import type { GroupId, Index, Logger } from '../core/index.js';
import { EMPTY_HARD_STATE, type ConfState, type Entry, type HardState, type Snapshot } from '../raft/index.js';
import { CorruptionError } from './corruption-error.js';
import { GET_OPTIONS, scan, SMALL_SCAN, type Db } from './db.js';
import { decodeEntryData, decodeEntryIndex, sameLocation, type StoredLocation } from './entry-codec.js';
import { EntryRun } from './entry-run.js';
import { dataKey, dataKeyIndex, groupKey, groupRange, indexedKey, indexedKeyIndex, KeyKind } from './keys.js';
import {
  decodeConfEntry,
  decodeHardState,
  decodeLogStart,
  decodeSnapshot,
  decodeTermStart,
  encodeLogStart,
  encodeSnapshot,
  type LogStart,
} from './state-codec.js';
import { TermIndex } from './term-index.js';
import type { WriteBatcher } from './write-batcher.js';

export interface RecoveredGroup {
  readonly hardState: HardState;
  readonly snapshot: Snapshot;
  readonly start: LogStart;
  /** Last index after any cut (start.index when the log is empty). */
  readonly last: Index;
  readonly terms: TermIndex;
  /** ConfChange entries after the log start, oldest first. */
  readonly conf: Entry[];
  /** The newest entries: within tailCacheBytesMax, but at least the last one and all uncommitted ones. */
  readonly cache: EntryRun;
  readonly firstLoc: StoredLocation | undefined;
  /** Entry records at or before the log start are still on disk (a prune was interrupted). */
  readonly garbage: boolean;
}

export interface RecoveryOptions {
  readonly bootstrap: ConfState | undefined;
  readonly tailCacheBytesMax: number;
  /** More inconsistent tail entries than this is not a torn write: refuse to open. */
  readonly tailCutEntriesMax: number;
  readonly logger: Logger;
}

export async function recoverGroup(db: Db, batcher: WriteBatcher, g: GroupId, o: RecoveryOptions): Promise<RecoveredGroup> {
  const keys = [groupKey(KeyKind.HardState, g), groupKey(KeyKind.Snapshot, g), groupKey(KeyKind.LogStart, g)] as const;
  const [hsV, snapV, startV] = (await db.getMany([...keys], GET_OPTIONS)) as Array<Buffer | undefined>;
  if (!snapV && !startV) return createGroup(db, batcher, g, o, hsV !== undefined);
  if (!snapV || !startV) throw new CorruptionError(g, 'group', -1, `${snapV ? 'log start' : 'snapshot'} record missing`);
  const hardState = hsV ? decodeHardState(g, keys[0], hsV) : EMPTY_HARD_STATE;
  const snapshot = decodeSnapshot(g, keys[1], snapV);
  const start = decodeLogStart(g, keys[2], startV);
  if (start.index > snapshot.meta.index) {
    throw new CorruptionError(g, 'log start', start.index, `after the snapshot at ${snapshot.meta.index}`);
  }
  const terms = await loadTerms(db, g, start);
  const conf = await loadConf(db, g, start.index);
  const tail = await checkTail(db, g, start, hardState.commit, o.tailCutEntriesMax);
  checkLast(g, tail, terms, hardState);
  await cutTail(batcher, g, tail, terms, conf, o.logger);
  const cache = await loadTailCache(db, g, start, tail, terms, hardState.commit, o);
  return {
    hardState,
    snapshot,
    start,
    last: tail.last,
    terms,
    conf,
    cache,
    firstLoc: await firstLocation(db, g, start, tail.last, cache),
    garbage: await hasGarbage(db, g, start.index),
  };
}

async function createGroup(db: Db, batcher: WriteBatcher, g: GroupId, o: RecoveryOptions, hasHardState: boolean): Promise<RecoveredGroup> {
  const stray = hasHardState || (await anyKey(db, KeyKind.EntryIndex, g)) || (await anyKey(db, KeyKind.EntryData, g));
  if (stray) throw new CorruptionError(g, 'group', -1, 'records exist but the snapshot and log start records are missing');
  const snapshot: Snapshot = {
    meta: { index: 0, term: 0, confState: o.bootstrap ?? { voters: [], learners: [] } },
    data: new Uint8Array(0),
  };
  const start: LogStart = { index: 0, term: 0, endOffset: 0, bytesTotal: 0 };
  const s = encodeSnapshot(g, snapshot);
  const l = encodeLogStart(g, start);
  batcher.put(s.key, s.value);
  batcher.put(l.key, l.value);
  await batcher.flush();
  o.logger.info({ groupId: g, voters: snapshot.meta.confState.voters }, 'storage: group created');
  return {
    hardState: EMPTY_HARD_STATE,
    snapshot,
    start,
    last: 0,
    terms: new TermIndex(0, 0),
    conf: [],
    cache: new EntryRun(1),
    firstLoc: undefined,
    garbage: false,
  };
}

async function anyKey(db: Db, kind: KeyKind, g: GroupId): Promise<boolean> {
  let found = false;
  await scan(db, { ...groupRange(kind, g), reverse: false }, SMALL_SCAN, () => {
    found = true;
    return false;
  });
  return found;
}

async function loadTerms(db: Db, g: GroupId, start: LogStart): Promise<TermIndex> {
  const terms = new TermIndex(start.index, start.term);
  const range = { gt: indexedKey(KeyKind.TermStart, g, start.index), lt: groupRange(KeyKind.TermStart, g).lt, reverse: false };
  await scan(db, range, SMALL_SCAN, (key, value) => {
    const t = decodeTermStart(g, key, value);
    if (t.term <= terms.lastTerm()) {
      throw new CorruptionError(g, 'term start', t.index, `term ${t.term} not above the previous term ${terms.lastTerm()}`);
    }
    terms.append(t.index, t.term);
    return true;
  });
  return terms;
}

async function loadConf(db: Db, g: GroupId, startIndex: Index): Promise<Entry[]> {
  const conf: Entry[] = [];
  const range = { gt: indexedKey(KeyKind.Conf, g, startIndex), lt: groupRange(KeyKind.Conf, g).lt, reverse: false };
  await scan(db, range, SMALL_SCAN, (key, value) => {
    conf.push(decodeConfEntry(g, key, value));
    return true;
  });
  return conf;
}

interface IndexRecord {
  readonly index: Index;
  readonly key: Buffer;
  readonly loc: StoredLocation | undefined;
}

interface DataRecord {
  readonly index: Index;
  readonly key: Buffer;
  readonly decoded: { entry: Entry; loc: StoredLocation } | undefined;
}

interface Tail {
  readonly last: Index;
  readonly lastLoc: StoredLocation | undefined;
  /** Keys to delete, the inconsistent entries above `last`. */
  readonly cuts: Buffer[];
  readonly cutIndexes: Index[];
}

/** Walk the newest index and data records down together until they agree. */
async function checkTail(db: Db, g: GroupId, start: LogStart, commit: Index, cutsMax: number): Promise<Tail> {
  const idxIt = db.iterator({
    gt: indexedKey(KeyKind.EntryIndex, g, start.index),
    lt: groupRange(KeyKind.EntryIndex, g).lt,
    reverse: true,
    keys: true,
    values: true,
    limit: -1,
    fillCache: true,
    highWaterMarkBytes: 16 * 1024,
  });
  const dataIt = db.iterator({ ...groupRange(KeyKind.EntryData, g), reverse: true, keys: true, values: true, limit: -1, fillCache: true, highWaterMarkBytes: 256 * 1024 });
  try {
    const nextIndex = async (): Promise<IndexRecord | undefined> => {
      const kv = await idxIt.next();
      if (!kv) return undefined;
      const key = kv[0] as Buffer;
      let loc: StoredLocation | undefined;
      try {
        loc = decodeEntryIndex(g, key, kv[1] as Buffer);
      } catch {
        loc = undefined;
      }
      return { index: indexedKeyIndex(key), key, loc };
    };
    const nextData = async (): Promise<DataRecord | undefined> => {
      for (;;) {
        const kv = await dataIt.next();
        if (!kv) return undefined;
        const key = kv[0] as Buffer;
        const index = dataKeyIndex(key);
        if (index <= start.index) continue; // dead, below the log start (pruned later)
        let decoded: DataRecord['decoded'];
        try {
          decoded = decodeEntryData(g, key, kv[1] as Buffer);
        } catch {
          decoded = undefined;
        }
        return { index, key, decoded };
      }
    };
    return await walkTail(g, start.index, commit, cutsMax, nextIndex, nextData);
  } finally {
    await Promise.all([idxIt.close(), dataIt.close()]);
  }
}

async function walkTail(
  g: GroupId,
  startIndex: Index,
  commit: Index,
  cutsMax: number,
  nextIndex: () => Promise<IndexRecord | undefined>,
  nextData: () => Promise<DataRecord | undefined>,
): Promise<Tail> {
  const cuts: Buffer[] = [];
  const cutIndexes: Index[] = [];
  const cut = (index: Index, ...keys: Buffer[]): void => {
    if (index <= commit) {
      throw new CorruptionError(g, 'entry', index, `log tail is inconsistent at or below the commit index ${commit}; refusing to cut committed entries`);
    }
    if (cutIndexes.length >= cutsMax) {
      throw new CorruptionError(g, 'entry', index, `more than ${cutsMax} inconsistent tail entries; not a torn write`);
    }
    if (cutIndexes[cutIndexes.length - 1] !== index) cutIndexes.push(index);
    cuts.push(...keys);
  };
  let a = await nextIndex();
  let d = await nextData();
  for (;;) {
    if (!a && !d) return { last: startIndex, lastLoc: undefined, cuts, cutIndexes };
    const ai = a ? a.index : -1;
    const di = d ? d.index : -1;
    if (di > ai) {
      cut(di, d!.key);
      d = await nextData();
    } else if (ai > di) {
      cut(ai, a!.key, ...(a!.loc ? [dataKey(g, a!.loc.endOffset, ai)] : []));
      a = await nextIndex();
    } else if (a!.loc && d!.decoded && sameLocation(a!.loc, d!.decoded.loc)) {
      return { last: ai, lastLoc: a!.loc, cuts, cutIndexes };
    } else {
      cut(ai, a!.key, d!.key);
      a = await nextIndex();
      d = await nextData();
    }
  }
}

/** Delete the inconsistent tail, and any term start or membership record beyond the new last index. */
async function cutTail(batcher: WriteBatcher, g: GroupId, tail: Tail, terms: TermIndex, conf: Entry[], logger: Logger): Promise<void> {
  const strayTerms = terms.truncateFrom(tail.last + 1);
  const strayConf: Index[] = [];
  while (conf.length > 0 && conf[conf.length - 1]!.index > tail.last) strayConf.push(conf.pop()!.index);
  if (tail.cuts.length === 0 && strayTerms.length === 0 && strayConf.length === 0) return;
  for (const k of tail.cuts) batcher.del(k);
  for (const i of strayTerms) batcher.del(indexedKey(KeyKind.TermStart, g, i));
  for (const i of strayConf) batcher.del(indexedKey(KeyKind.Conf, g, i));
  logger.warn(
    {
      groupId: g,
      cutFrom: tail.cutIndexes[tail.cutIndexes.length - 1],
      cutTo: tail.cutIndexes[0],
      entries: tail.cutIndexes.length,
      termStarts: strayTerms,
      confEntries: strayConf,
      lastIndex: tail.last,
    },
    'storage: cut an inconsistent (torn) log tail back to the last consistent entry',
  );
  await batcher.flush();
}

function checkLast(g: GroupId, tail: Tail, terms: TermIndex, hs: HardState): void {
  if (hs.commit > tail.last) {
    throw new CorruptionError(g, 'hard state', -1, `commit ${hs.commit} beyond the last stored index ${tail.last}`);
  }
  if (tail.lastLoc && terms.termAt(tail.last) !== tail.lastLoc.term) {
    throw new CorruptionError(g, 'entry', tail.last, `term ${tail.lastLoc.term} but the term index says ${terms.termAt(tail.last)}`);
  }
}

/**
 * The newest entries, read newest first: within the cache bound, but always the last one and every
 * uncommitted one (as at run time, the cache keeps what a truncation may still replace).
 */
async function loadTailCache(
  db: Db,
  g: GroupId,
  start: LogStart,
  tail: Tail,
  terms: TermIndex,
  commit: Index,
  o: RecoveryOptions,
): Promise<EntryRun> {
  if (!tail.lastLoc) return new EntryRun(start.index + 1);
  const newestFirst: Array<{ entry: Entry; loc: StoredLocation }> = [];
  let bytes = 0;
  const range = { gte: groupRange(KeyKind.EntryData, g).gte, lte: dataKey(g, tail.lastLoc.endOffset, tail.last), reverse: true };
  const opts = { chunkEntriesMax: 64, chunkBytesMax: 1024 * 1024, fillCache: true };
  let expected = tail.last;
  await scan(db, range, opts, (key, value) => {
    const index = dataKeyIndex(key);
    if (index <= start.index) return true; // dead, below the log start
    if (index !== expected) {
      o.logger.error({ groupId: g, index, expected }, 'storage: hole in the log; tail cache stops here');
      return false;
    }
    let rec: { entry: Entry; loc: StoredLocation };
    try {
      rec = decodeEntryData(g, key, value);
    } catch (err) {
      o.logger.error({ err, groupId: g, index }, 'storage: corrupt entry; tail cache stops here (reads of it will fail)');
      return false;
    }
    if (rec.entry.term !== terms.termAt(index)) {
      o.logger.error({ groupId: g, index, term: rec.entry.term }, 'storage: entry term disagrees with the term index');
      return false;
    }
    newestFirst.push(rec);
    bytes += rec.entry.data.byteLength + 16;
    expected--;
    return (bytes < o.tailCacheBytesMax || expected > commit) && expected > start.index;
  });
  if (newestFirst.length === 0) throw new CorruptionError(g, 'entry', tail.last, 'the last entry cannot be read back');
  const run = new EntryRun(expected + 1);
  for (let k = newestFirst.length - 1; k >= 0; k--) run.push(newestFirst[k]!.entry, newestFirst[k]!.loc);
  return run;
}

async function firstLocation(db: Db, g: GroupId, start: LogStart, last: Index, cache: EntryRun): Promise<StoredLocation | undefined> {
  const first = start.index + 1;
  if (last < first) return undefined;
  if (cache.lo === first) return cache.firstLoc();
  const key = indexedKey(KeyKind.EntryIndex, g, first);
  const v = (await db.get(key, GET_OPTIONS)) as Buffer | undefined;
  if (!v) throw new CorruptionError(g, 'entry index', first, 'the first entry of the log is missing');
  return decodeEntryIndex(g, key, v);
}

async function hasGarbage(db: Db, g: GroupId, startIndex: Index): Promise<boolean> {
  let found = false;
  const range = { gte: groupRange(KeyKind.EntryIndex, g).gte, lte: indexedKey(KeyKind.EntryIndex, g, startIndex), reverse: false };
  await scan(db, range, SMALL_SCAN, () => {
    found = true;
    return false;
  });
  return found;
}
