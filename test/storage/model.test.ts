/**
 * The LevelDB GroupStorage against the reference MemoryStorage: random Raft-valid sequences of
 * appends (with truncation of uncommitted suffixes), hard-state updates, compactions, snapshot
 * installs, flushes and close/reopen, on a metadata group and a partition group sharing one engine.
 * After every step every Raft-visible read must agree; the partition reads agree with a model of
 * offsets. Tiny cache bounds force the cold-read (TemporarilyUnavailable + background load) path.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Index } from '../../src/core/index.js';
import { EntryType, MemoryStorage, type ConfState, type Entry, type Snapshot } from '../../src/raft/index.js';
import { LevelDbEngine, type LevelDbGroupStore } from '../../src/storage/index.js';
import { batchData, bytesEqual, describeTestEntry, PARTITION_OPTIONS, tempDir } from './helpers.js';

const frac = fc.double({ min: 0, max: 1, noNaN: true, noDefaultInfinity: true });

type Op =
  | { t: 'append'; at: number; n: number; bump: number; sizes: number[]; kinds: number[] }
  | { t: 'hardState'; commit: number; bump: number; vote: number }
  | { t: 'compact'; s: number; ci: number; data: Uint8Array }
  | { t: 'snapshot'; ahead: number; bump: number; endOffset: number }
  | { t: 'flush' }
  | { t: 'reopen' }
  | { t: 'read'; lo: number; hi: number; maxBytes: number }
  | { t: 'partitionRead'; offset: number; maxBytes: number; maxIndex: number; time: number; index: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('append' as const),
      at: frac,
      n: fc.integer({ min: 1, max: 6 }),
      bump: fc.nat({ max: 2 }),
      sizes: fc.array(fc.nat({ max: 150 }), { minLength: 6, maxLength: 6 }),
      kinds: fc.array(fc.nat({ max: 9 }), { minLength: 6, maxLength: 6 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('hardState' as const), commit: frac, bump: fc.nat({ max: 1 }), vote: fc.nat({ max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('compact' as const), s: frac, ci: frac, data: fc.uint8Array({ maxLength: 24 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('snapshot' as const), ahead: fc.nat({ max: 8 }), bump: fc.nat({ max: 2 }), endOffset: fc.nat({ max: 5000 }) }),
  },
  { weight: 2, arbitrary: fc.constant({ t: 'flush' as const }) },
  { weight: 2, arbitrary: fc.constant({ t: 'reopen' as const }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('read' as const), lo: frac, hi: frac, maxBytes: fc.integer({ min: 1, max: 700 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('partitionRead' as const),
      offset: frac,
      maxBytes: fc.integer({ min: 1, max: 700 }),
      maxIndex: frac,
      time: frac,
      index: frac,
    }),
  },
);

interface Loc {
  endOffset: number;
  recordCount: number;
  appendTimeMs: number;
  hasRecords: boolean;
}

/** The reference: MemoryStorage plus where the records of each stored entry are. */
class Model {
  readonly mem: MemoryStorage;
  locs = new Map<Index, Loc>();
  startEnd = 0;
  clock = 1;

  constructor(readonly partition: boolean, conf: ConfState) {
    this.mem = new MemoryStorage(conf);
  }

  endThrough(i: Index): number {
    return i === this.mem.firstIndex() - 1 ? this.startEnd : this.locs.get(i)!.endOffset;
  }

  append(entries: Entry[]): void {
    this.mem.append(entries);
    for (const e of entries) {
      for (const k of [...this.locs.keys()]) if (k >= e.index) this.locs.delete(k);
      const r = this.partition ? describeTestEntry(e) : undefined;
      const prevEnd = this.endThrough(e.index - 1);
      this.locs.set(e.index, {
        endOffset: r ? r.baseOffset + r.recordCount : prevEnd,
        recordCount: r?.recordCount ?? 0,
        appendTimeMs: r?.appendTimeMs ?? 0,
        hasRecords: r !== undefined,
      });
    }
  }

  compact(ci: Index): void {
    if (ci < this.mem.firstIndex()) return;
    this.startEnd = this.endThrough(ci);
    this.mem.compact(ci);
    for (const k of [...this.locs.keys()]) if (k <= ci) this.locs.delete(k);
  }

  applySnapshot(s: Snapshot, endOffset: number): void {
    this.mem.applySnapshot(s);
    this.locs.clear();
    this.startEnd = this.partition ? endOffset : 0;
  }
}

function errorName(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as Error).name;
  }
}

function sameEntries(a: readonly Entry[], b: readonly Entry[]): void {
  expect(a.map((e) => [e.index, e.term, e.type])).toEqual(b.map((e) => [e.index, e.term, e.type]));
  for (let i = 0; i < a.length; i++) expect(bytesEqual(a[i]!.data, b[i]!.data)).toBe(true);
}

async function checkSame(m: Model, s: LevelDbGroupStore): Promise<void> {
  const mem = m.mem;
  expect([s.firstIndex(), s.lastIndex()]).toEqual([mem.firstIndex(), mem.lastIndex()]);
  expect(s.getHardState()).toEqual(mem.getHardState());
  expect(s.snapshot().meta).toEqual(mem.snapshot().meta);
  expect(bytesEqual(s.snapshot().data, mem.snapshot().data)).toBe(true);
  const a = s.initialState();
  const b = mem.initialState();
  expect(a.hardState).toEqual(b.hardState);
  expect(a.confState).toEqual(b.confState);
  sameEntries(a.confEntries, b.confEntries);
  for (let i = Math.max(0, mem.firstIndex() - 2); i <= mem.lastIndex() + 1; i++) {
    expect(errorName(() => s.term(i)), `term(${i})`).toBe(errorName(() => mem.term(i)));
    if (i >= mem.firstIndex() - 1 && i <= mem.lastIndex()) expect(s.term(i)).toBe(mem.term(i));
  }
  if (mem.lastIndex() >= mem.firstIndex()) {
    sameEntries(await readAll(s, mem.firstIndex(), mem.lastIndex() + 1), mem.entries(mem.firstIndex(), mem.lastIndex() + 1, Infinity));
  }
}

/** All entries [lo, hi): a cold read may come back in several (non-empty) pieces. */
async function readAll(s: LevelDbGroupStore, lo: Index, hi: Index): Promise<Entry[]> {
  const out: Entry[] = [];
  while (lo < hi) {
    const part = await s.readEntries(lo, hi, Infinity);
    expect(part.length).toBeGreaterThan(0);
    out.push(...part);
    lo += part.length;
  }
  return out;
}

/** Expected readFromOffset from the model. */
function expectedRead(m: Model, offset: number, maxBytes: number, maxIndex: Index): Array<[Index, number]> {
  const hi = Math.min(maxIndex, m.mem.lastIndex());
  const out: Array<[Index, number]> = [];
  let bytes = 0;
  for (let i = m.mem.firstIndex(); i <= hi; i++) {
    const l = m.locs.get(i)!;
    if (!l.hasRecords) continue;
    if (out.length === 0) {
      if (l.endOffset <= offset) continue;
      if (l.endOffset - l.recordCount > offset) return [];
    }
    const size = m.mem.entries(i, i + 1, Infinity)[0]!.data.byteLength;
    if (out.length > 0 && bytes + size > maxBytes) break;
    out.push([i, l.endOffset]);
    bytes += size;
    if (bytes >= maxBytes) break;
  }
  return out;
}

function expectedByTime(m: Model, timeMs: number, maxIndex: Index): Index | undefined {
  const hi = Math.min(maxIndex, m.mem.lastIndex());
  for (let i = m.mem.firstIndex(); i <= hi; i++) {
    const l = m.locs.get(i)!;
    if (l.hasRecords && l.appendTimeMs >= timeMs) return i;
  }
  return undefined;
}

async function checkPartitionReads(m: Model, s: LevelDbGroupStore, op: Extract<Op, { t: 'partitionRead' }>): Promise<void> {
  const first = m.mem.firstIndex();
  const last = m.mem.lastIndex();
  const f = s.first();
  const l = s.last();
  if (last < first) {
    expect([f, l]).toEqual([undefined, undefined]);
  } else {
    expect([f?.index, f?.endOffset, l?.index, l?.endOffset]).toEqual([first, m.locs.get(first)!.endOffset, last, m.locs.get(last)!.endOffset]);
  }
  const maxOffset = Math.max(m.startEnd, last >= first ? m.locs.get(last)!.endOffset : 0) + 3;
  const offset = Math.floor(op.offset * maxOffset);
  const maxIndex = Math.floor(op.maxIndex * (last + 2));
  const got = await s.readFromOffset(offset, op.maxBytes, maxIndex);
  expect(got.map((b) => [b.index, b.endOffset]), `readFromOffset(${offset}, ${op.maxBytes}, ${maxIndex})`).toEqual(
    expectedRead(m, offset, op.maxBytes, maxIndex),
  );
  for (const b of got) sameEntries([{ index: b.index, term: b.term, type: EntryType.Normal, data: b.data }], m.mem.entries(b.index, b.index + 1, Infinity));
  const time = Math.floor(op.time * (m.clock + 2));
  expect((await s.findByTime(time, maxIndex))?.index, `findByTime(${time}, ${maxIndex})`).toBe(expectedByTime(m, time, maxIndex));
  const index = first - 1 + Math.floor(op.index * (last - first + 3));
  const loc = await s.locate(index);
  if (index < first || index > last) expect(loc).toBeUndefined();
  else {
    const want = m.locs.get(index)!;
    expect([loc?.term, loc?.endOffset, loc?.recordCount, loc?.appendTimeMs]).toEqual([m.mem.term(index), want.endOffset, want.recordCount, want.appendTimeMs]);
    const next = index < last ? await s.locate(index + 1) : undefined;
    if (next && loc) expect(next.bytesBefore).toBe(loc.bytesBefore + loc.bytes);
  }
}

function lerp(lo: number, hi: number, f: number): number {
  return lo + Math.floor(f * (hi - lo + 1 - 1e-9));
}

function makeEntries(m: Model, op: Extract<Op, { t: 'append' }>, k: Index): Entry[] {
  const entries: Entry[] = [];
  let term = m.mem.term(k - 1) + op.bump;
  let end = m.endThrough(k - 1);
  for (let j = 0; j < op.n; j++) {
    const kind = op.kinds[j]!;
    const payload = new Uint8Array(op.sizes[j]!).fill((k + j) & 0xff);
    let e: Entry;
    if (kind === 0) e = { index: k + j, term, type: EntryType.Normal, data: new Uint8Array(0) };
    else if (kind === 1) e = { index: k + j, term, type: EntryType.ConfChange, data: payload };
    else {
      const count = 1 + (kind % 4);
      m.clock += kind % 3;
      e = { index: k + j, term, type: EntryType.Normal, data: batchData(end, count, m.clock, payload) };
      end += count;
    }
    entries.push(e);
    if (kind === 9) term++;
  }
  return entries;
}

const CONF: ConfState = { voters: [1, 2, 3], learners: [] };
const GROUPS = [
  { id: 0, partition: false },
  { id: 5, partition: true },
];

async function applyOp(op: Op, m: Model, s: LevelDbGroupStore): Promise<void> {
  const mem = m.mem;
  const hs = mem.getHardState();
  const first = mem.firstIndex();
  const last = mem.lastIndex();
  switch (op.t) {
    case 'append': {
      const k = lerp(Math.max(first, hs.commit + 1), last + 1, op.at);
      const entries = makeEntries(m, op, k);
      m.append(entries);
      s.append(entries);
      return;
    }
    case 'hardState': {
      const lastTerm = mem.term(last);
      const term = Math.max(hs.term, lastTerm) + op.bump;
      const vote = term > hs.term || hs.vote === 0 ? op.vote : hs.vote;
      const next = { term, vote, commit: lerp(hs.commit, last, op.commit) };
      mem.setHardState(next);
      s.setHardState(next);
      return;
    }
    case 'compact': {
      const snapIndex = mem.snapshot().meta.index;
      if (hs.commit <= snapIndex) return;
      const si = lerp(snapIndex + 1, hs.commit, op.s);
      const ci = lerp(first - 1, si, op.ci);
      const snap = mem.createSnapshot(si, { voters: [1, 2], learners: [4] }, op.data);
      m.compact(ci);
      s.compact(snap, ci);
      return;
    }
    case 'snapshot': {
      const si = Math.max(hs.commit, mem.snapshot().meta.index) + 1 + op.ahead;
      const term = Math.max(mem.term(last), hs.term) + op.bump;
      const data = Buffer.alloc(6);
      data.writeUInt32BE(op.endOffset, 0);
      const snap: Snapshot = { meta: { index: si, term, confState: { voters: [2, 3], learners: [] } }, data };
      m.applySnapshot(snap, op.endOffset);
      s.applySnapshot(snap);
      const next = { term, vote: term > hs.term ? 0 : hs.vote, commit: si };
      mem.setHardState(next);
      s.setHardState(next);
      return;
    }
    case 'read': {
      const lo = lerp(Math.max(0, first - 1), last + 2, op.lo);
      const hi = lerp(lo, last + 2, op.hi);
      const want = errorName(() => mem.entries(lo, hi, op.maxBytes));
      let got: Entry[] | string;
      try {
        got = await s.readEntries(lo, hi, op.maxBytes);
      } catch (e) {
        got = (e as Error).name;
      }
      if (want !== 'ok') {
        expect(got, `entries(${lo}, ${hi})`).toBe(want);
        return;
      }
      const expected = mem.entries(lo, hi, op.maxBytes);
      expect(Array.isArray(got)).toBe(true);
      const g = got as Entry[];
      // A read served from the load window may stop early; it is always a non-empty prefix.
      expect(g.length > 0 || expected.length === 0).toBe(true);
      sameEntries(g, expected.slice(0, g.length));
      return;
    }
    case 'partitionRead':
      if (m.partition) await checkPartitionReads(m, s, op);
      return;
    case 'flush':
    case 'reopen':
      return;
  }
}

describe('LevelDB group storage vs MemoryStorage', () => {
  const tmp = tempDir('model');
  afterAll(() => tmp.cleanup());
  let run = 0;

  it('agrees on random operation sequences, across flushes and reopen', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 70 }), fc.integer({ min: 0, max: 2 }), async (ops, cacheSize) => {
        const dir = `${tmp.dir}/${run++}`;
        const open = async (): Promise<{ engine: LevelDbEngine; stores: LevelDbGroupStore[] }> => {
          const engine = await LevelDbEngine.open({
            dir,
            fsync: false,
            tailCacheBytesMax: [0, 300, 1 << 20][cacheSize]!,
            loadBytesMax: 400,
            pruneKeysPerStepMax: 7,
          });
          const stores = [];
          for (const g of GROUPS) stores.push(await engine.openGroup(g.id, g.partition ? { ...PARTITION_OPTIONS, bootstrap: CONF } : { bootstrap: CONF }));
          return { engine, stores };
        };
        let { engine, stores } = await open();
        const models = GROUPS.map((g) => new Model(g.partition, CONF));
        try {
          for (const op of ops) {
            for (let k = 0; k < GROUPS.length; k++) await applyOp(op, models[k]!, stores[k]!);
            if (op.t === 'flush') await engine.flush();
            if (op.t === 'reopen') {
              await engine.close();
              ({ engine, stores } = await open());
            }
            for (let k = 0; k < GROUPS.length; k++) await checkSame(models[k]!, stores[k]!);
          }
          await engine.close();
          ({ engine, stores } = await open());
          for (let k = 0; k < GROUPS.length; k++) await checkSame(models[k]!, stores[k]!);
        } finally {
          await engine.close();
        }
      }),
      { numRuns: Number(process.env.MODEL_RUNS ?? 100) },
    );
  });
});
