/**
 * The crash test's workload, shared by the writer (child process) and the checker (parent): the
 * operations a group goes through, their deterministic entry payloads, and the reference model the
 * checker applies acknowledged operations to.
 *
 * Protocol (one JSON object per stdout line from the writer):
 *   {"t":"ready"}                                  the store is open
 *   {"t":"intent","g":G,"n":N,"op":Op}             about to stage operation N of group G
 *   {"t":"ack","g":G,"n":N,"wal":{name,size}}      operation N is durable (its flush resolved);
 *                                                  wal = newest LevelDB .log file at that moment
 */
import { crc32c } from '@node-rs/crc32';
import type { GroupId, Index } from '../../src/core/index.js';
import { SeededRng } from '../../src/core/index.js';
import type { OpenGroupOptions } from '../../src/multiraft/group-storage.js';
import { EntryType, type Entry, type HardState, type Snapshot } from '../../src/raft/index.js';
import { batchData, PARTITION_OPTIONS } from './helpers.js';

/** Group 0 is a metadata-style group (no offsets); the others are partitions. */
export const CRASH_GROUPS: readonly GroupId[] = [0, 1, 2, 3];

export function groupOptions(g: GroupId): OpenGroupOptions {
  return g === 0 ? { bootstrap: { voters: [1, 2, 3], learners: [] } } : { ...PARTITION_OPTIONS, bootstrap: { voters: [1, 2, 3], learners: [] } };
}

/** Everything needed to rebuild an entry's exact bytes. */
export interface EntrySpec {
  readonly i: Index;
  readonly t: number;
  /** 'c' control (empty), 'm' membership, 'b' record batch. */
  readonly k: 'c' | 'm' | 'b';
  readonly len: number;
  readonly base?: number;
  readonly count?: number;
  readonly time?: number;
  /** CRC32C of the data, as written. */
  readonly crc: number;
}

export type Op =
  | { readonly t: 'append'; readonly entries: readonly EntrySpec[]; readonly hs?: HardState }
  | { readonly t: 'hs'; readonly hs: HardState }
  | { readonly t: 'compact'; readonly s: Index; readonly sTerm: number; readonly ci: Index }
  | { readonly t: 'snapshot'; readonly s: Index; readonly sTerm: number; readonly endOffset: number; readonly hs: HardState };

export interface WalMark {
  readonly name: string;
  readonly size: number;
}

export type Line = { t: 'ready' } | { t: 'intent'; g: GroupId; n: number; op: Op } | { t: 'ack'; g: GroupId; n: number; wal: WalMark };

/** Deterministic bytes for an entry: 256 pseudo-random bytes, varied per 256-byte block. */
function payload(g: GroupId, s: { i: Index; t: number; len: number }): Uint8Array {
  const rng = new SeededRng((g * 7919 + s.i * 104729 + s.t * 31) >>> 0);
  const block = new Uint8Array(256);
  for (let j = 0; j < 256; j++) block[j] = rng.int(0, 256);
  const out = new Uint8Array(s.len);
  for (let j = 0; j < s.len; j++) out[j] = block[j & 0xff]! ^ ((j >>> 8) & 0xff);
  return out;
}

export function entryData(g: GroupId, s: Omit<EntrySpec, 'crc'>): Uint8Array {
  if (s.k === 'c') return new Uint8Array(0);
  const p = payload(g, s);
  return s.k === 'b' && g !== 0 ? batchData(s.base!, s.count!, s.time!, p) : p;
}

export function toEntry(g: GroupId, s: EntrySpec): Entry {
  return { index: s.i, term: s.t, type: s.k === 'm' ? EntryType.ConfChange : EntryType.Normal, data: entryData(g, s) };
}

export function spec(g: GroupId, s: Omit<EntrySpec, 'crc'>): EntrySpec {
  return { ...s, crc: crc32c(entryData(g, s)) >>> 0 };
}

export function snapshotOf(op: Extract<Op, { t: 'compact' | 'snapshot' }>): Snapshot {
  const data = Buffer.alloc(8);
  data.writeUInt32BE(op.t === 'snapshot' ? op.endOffset : 0, 0);
  return { meta: { index: op.s, term: op.sTerm, confState: { voters: [1, 2, 3], learners: [] } }, data };
}

/** What a group's durable state must be, as far as the checker knows. */
export interface GroupModel {
  first: Index;
  last: Index;
  hs: HardState;
  snapIndex: Index;
  entries: Map<Index, EntrySpec>;
}

export function emptyModel(): GroupModel {
  return { first: 1, last: 0, hs: { term: 0, vote: 0, commit: 0 }, snapIndex: 0, entries: new Map() };
}

export function cloneModel(m: GroupModel): GroupModel {
  return { ...m, entries: new Map(m.entries) };
}

export function applyOp(m: GroupModel, op: Op): GroupModel {
  const n = cloneModel(m);
  switch (op.t) {
    case 'append': {
      const k = op.entries[0]!.i;
      for (let i = k; i <= n.last; i++) n.entries.delete(i);
      for (const e of op.entries) n.entries.set(e.i, e);
      n.last = op.entries[op.entries.length - 1]!.i;
      if (op.hs) n.hs = op.hs;
      return n;
    }
    case 'hs':
      n.hs = op.hs;
      return n;
    case 'compact':
      n.snapIndex = op.s;
      for (let i = n.first; i <= op.ci; i++) n.entries.delete(i);
      n.first = Math.max(n.first, op.ci + 1);
      return n;
    case 'snapshot':
      n.entries.clear();
      n.first = op.s + 1;
      n.last = op.s;
      n.snapIndex = op.s;
      n.hs = op.hs;
      return n;
  }
}
