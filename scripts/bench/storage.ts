/**
 * Storage engine throughput on the real LevelDB.
 *
 * Appends: `groups` partition groups, each appending one record batch (batchRecords x recordBytes,
 * one Raft entry, one LevelDB value) and awaiting the engine's flush() before the next, as a Raft
 * host persists Ready batches; the engine group-commits them (one fsync per write).
 * Reads: after a restart (cold caches in the engine; the OS page cache is warm), every group read
 * sequentially by offset (readFromOffset), then by index (the Raft path: entries / readEntries).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EntryType, type Entry } from '../../src/raft/index.js';
import type { OpenGroupOptions } from '../../src/multiraft/group-storage.js';
import { LevelDbEngine, type LevelDbGroupStore } from '../../src/storage/index.js';

interface Params {
  groups: number;
  seconds: number;
  recordBytes: number;
  batchRecords: number;
  fsync: boolean;
  dir: string | undefined;
}

/** Batch header for the bench: [baseOffset u64][recordCount u32][appendTimeMs u64], then records. */
const HEADER_BYTES = 20;

const partition: OpenGroupOptions = {
  describeEntry: (e) => {
    if (e.type !== EntryType.Normal || e.data.byteLength < HEADER_BYTES) return undefined;
    const v = new DataView(e.data.buffer, e.data.byteOffset, HEADER_BYTES);
    return { baseOffset: Number(v.getBigUint64(0)), recordCount: v.getUint32(8), appendTimeMs: Number(v.getBigUint64(12)) };
  },
  snapshotEndOffset: () => 0,
};

function batch(index: number, baseOffset: number, p: Params, payload: Uint8Array): Entry {
  const data = new Uint8Array(HEADER_BYTES + payload.byteLength);
  const v = new DataView(data.buffer);
  v.setBigUint64(0, BigInt(baseOffset));
  v.setUint32(8, p.batchRecords);
  v.setBigUint64(12, BigInt(Date.now()));
  data.set(payload, HEADER_BYTES);
  return { index, term: 1, type: EntryType.Normal, data };
}

function parse(argv: string[]): Params {
  const { values } = parseArgs({
    args: argv,
    options: {
      groups: { type: 'string', default: '8' },
      seconds: { type: 'string', default: '5' },
      'record-bytes': { type: 'string', default: '100' },
      'batch-records': { type: 'string', default: '1000' },
      'no-fsync': { type: 'boolean', default: false },
      dir: { type: 'string' },
    },
  });
  return {
    groups: Number(values.groups),
    seconds: Number(values.seconds),
    recordBytes: Number(values['record-bytes']),
    batchRecords: Number(values['batch-records']),
    fsync: !values['no-fsync'],
    dir: values.dir,
  };
}

function line(label: string, records: number, bytes: number, ms: number, extra = ''): void {
  const rps = (records / ms) * 1000;
  const mbps = (bytes / ms) * 1000 / 1e6;
  process.stdout.write(`${label.padEnd(40)} ${(rps / 1e6).toFixed(2).padStart(6)} M records/s ${mbps.toFixed(0).padStart(6)} MB/s  ${extra}\n`);
}

async function appendPhase(engine: LevelDbEngine, stores: LevelDbGroupStore[], p: Params): Promise<number> {
  const payload = new Uint8Array(randomBytes(p.batchRecords * p.recordBytes)); // incompressible, as producer-compressed data
  const deadline = performance.now() + p.seconds * 1000;
  const started = performance.now();
  const w0 = engine.stats().writes;
  let entries = 0;
  await Promise.all(
    stores.map(async (s) => {
      while (performance.now() < deadline) {
        const index = s.lastIndex() + 1;
        s.append([batch(index, s.logEndOffset(), p, payload)]);
        s.setHardState({ term: 1, vote: 1, commit: index });
        await engine.flush();
        entries++;
      }
    }),
  );
  const ms = performance.now() - started;
  const writes = engine.stats().writes - w0;
  line(`append ${p.fsync ? 'fsync' : 'NO fsync (unsafe)'}, ${p.groups} groups`, entries * p.batchRecords, entries * payload.byteLength, ms,
    `${entries} batches, ${writes} writes (${(entries / Math.max(1, writes)).toFixed(1)} batches/write, ${((writes / ms) * 1000).toFixed(0)} writes/s)`);
  return entries;
}

async function readByOffset(stores: LevelDbGroupStore[], p: Params): Promise<void> {
  const started = performance.now();
  let records = 0;
  let bytes = 0;
  for (const s of stores) {
    let offset = 0;
    for (;;) {
      const part = await s.readFromOffset(offset, 4 * 1024 * 1024, s.lastIndex());
      if (part.length === 0) break;
      for (const b of part) {
        records += b.recordCount;
        bytes += b.bytes;
      }
      offset = part[part.length - 1]!.endOffset;
    }
  }
  line('read by offset (readFromOffset, 4 MiB)', records, bytes, performance.now() - started);
  void p;
}

async function readByIndex(stores: LevelDbGroupStore[], p: Params): Promise<void> {
  const started = performance.now();
  let entries = 0;
  let bytes = 0;
  for (const s of stores) {
    for (let lo = s.firstIndex(); lo <= s.lastIndex(); ) {
      const part = await s.readEntries(lo, s.lastIndex() + 1, 4 * 1024 * 1024);
      for (const e of part) bytes += e.data.byteLength;
      entries += part.length;
      lo += part.length;
    }
  }
  line('read by index (entries/readEntries)', entries * p.batchRecords, bytes, performance.now() - started);
}

export async function main(argv: string[]): Promise<void> {
  const p = parse(argv);
  const dir = p.dir ?? mkdtempSync(join(tmpdir(), 'runnel-bench-'));
  process.stdout.write(
    `storage bench: ${p.groups} groups, ${p.batchRecords} x ${p.recordBytes}-byte records per batch (one LevelDB value), ${p.seconds} s, fsync ${p.fsync ? 'on' : 'OFF'}, dir ${dir}\n`,
  );
  const open = async (): Promise<{ engine: LevelDbEngine; stores: LevelDbGroupStore[] }> => {
    const engine = await LevelDbEngine.open({ dir, fsync: p.fsync, loadBytesMax: 4 * 1024 * 1024 });
    const stores: LevelDbGroupStore[] = [];
    for (let g = 1; g <= p.groups; g++) stores.push(await engine.openGroup(g, { ...partition, bootstrap: { voters: [1], learners: [] } }));
    return { engine, stores };
  };
  try {
    let { engine, stores } = await open();
    await appendPhase(engine, stores, p);
    await engine.close();
    ({ engine, stores } = await open());
    await readByOffset(stores, p);
    await readByIndex(stores, p);
    await engine.close();
  } finally {
    if (!p.dir) rmSync(dir, { recursive: true, force: true });
  }
}
