/**
 * Values of the small per-group records (see keys.ts). Each starts with a CRC32C over key + value;
 * a mismatch is a CorruptionError, never a silently wrong state.
 *
 *   HardState  crc | term u64 | vote u64 | commit u64 [| joinTarget u64]  (only while a new replica catches up)
 *   Snapshot   crc | index u64 | term u64 | nVoters u32 | voters u64* | nLearners u32 | learners u64* | data
 *   LogStart   crc | index u64 | term u64 | endOffset u64 | bytesTotal u64
 *   TermStart  crc | term u64                    (key holds the first index of that term)
 *   Conf       crc | term u64 | data             (key holds the index; type is ConfChange)
 *   Removed    crc
 *   Format     crc | utf8 tag
 */
import type { GroupId, Index, NodeId, Term } from '../core/index.js';
import { EntryType, type Entry, type HardState, type Snapshot } from '../raft/index.js';
import { CRC_BYTES, sealValue, verifiedCrc } from './checksum.js';
import { CorruptionError } from './corruption-error.js';
import { formatKey, groupKey, indexedKey, indexedKeyIndex, KeyKind, readU64, writeU64 } from './keys.js';

/**
 * The compaction point: the entry at `index` and everything before it are gone from the log (it is
 * Raft's "dummy" entry, firstIndex - 1). Kept with the offsets and bytes counted through it.
 */
export interface LogStart {
  readonly index: Index;
  readonly term: Term;
  /** End offset of the records through `index` (the next data entry's baseOffset). */
  readonly endOffset: number;
  /** Payload bytes counted through `index` (the next entry's bytesBefore). */
  readonly bytesTotal: number;
}

export const FORMAT_TAG = 'runnel-storage-v1';

function sealed(key: Buffer, bodyBytes: number, fill: (v: Buffer) => void): Buffer {
  const v = Buffer.allocUnsafe(CRC_BYTES + bodyBytes);
  fill(v);
  sealValue(key, v);
  return v;
}

function check(groupId: GroupId, what: string, index: Index, key: Buffer, value: Buffer, bytesMin: number): void {
  if (value.byteLength < bytesMin || verifiedCrc(key, value) === undefined) {
    throw new CorruptionError(groupId, what, index, 'CRC32C mismatch');
  }
}

export function encodeHardState(groupId: GroupId, hs: HardState): { key: Buffer; value: Buffer } {
  const key = groupKey(KeyKind.HardState, groupId);
  const joinTarget = hs.joinTarget ?? 0;
  const value = sealed(key, joinTarget > 0 ? 32 : 24, (v) => {
    writeU64(v, 4, hs.term);
    writeU64(v, 12, hs.vote);
    writeU64(v, 20, hs.commit);
    if (joinTarget > 0) writeU64(v, 28, joinTarget);
  });
  return { key, value };
}

export function decodeHardState(groupId: GroupId, key: Buffer, value: Buffer): HardState {
  check(groupId, 'hard state', -1, key, value, 28);
  const hs = { term: readU64(value, 4), vote: readU64(value, 12), commit: readU64(value, 20) };
  if (value.byteLength === 28) return hs;
  if (value.byteLength !== 36) throw new CorruptionError(groupId, 'hard state', -1, `${value.byteLength} bytes`);
  return { ...hs, joinTarget: readU64(value, 28) };
}

export function encodeSnapshot(groupId: GroupId, s: Snapshot): { key: Buffer; value: Buffer } {
  const key = groupKey(KeyKind.Snapshot, groupId);
  const { voters, learners } = s.meta.confState;
  const bodyBytes = 16 + 4 + 8 * voters.length + 4 + 8 * learners.length + s.data.byteLength;
  const value = sealed(key, bodyBytes, (v) => {
    writeU64(v, 4, s.meta.index);
    writeU64(v, 12, s.meta.term);
    let at = writeIds(v, 20, voters);
    at = writeIds(v, at, learners);
    v.set(s.data, at);
  });
  return { key, value };
}

function writeIds(v: Buffer, at: number, ids: readonly NodeId[]): number {
  v.writeUInt32BE(ids.length, at);
  at += 4;
  for (const id of ids) {
    writeU64(v, at, id);
    at += 8;
  }
  return at;
}

function readIds(groupId: GroupId, v: Buffer, at: number): { ids: NodeId[]; at: number } {
  if (at + 4 > v.byteLength) throw new CorruptionError(groupId, 'snapshot', -1, 'truncated member list');
  const n = v.readUInt32BE(at);
  at += 4;
  if (at + 8 * n > v.byteLength) throw new CorruptionError(groupId, 'snapshot', -1, 'truncated member list');
  const ids: NodeId[] = [];
  for (let i = 0; i < n; i++, at += 8) ids.push(readU64(v, at));
  return { ids, at };
}

export function decodeSnapshot(groupId: GroupId, key: Buffer, value: Buffer): Snapshot {
  check(groupId, 'snapshot', -1, key, value, 28);
  const voters = readIds(groupId, value, 20);
  const learners = readIds(groupId, value, voters.at);
  return {
    meta: {
      index: readU64(value, 4),
      term: readU64(value, 12),
      confState: { voters: voters.ids, learners: learners.ids },
    },
    data: value.subarray(learners.at),
  };
}

export function encodeLogStart(groupId: GroupId, s: LogStart): { key: Buffer; value: Buffer } {
  const key = groupKey(KeyKind.LogStart, groupId);
  const value = sealed(key, 32, (v) => {
    writeU64(v, 4, s.index);
    writeU64(v, 12, s.term);
    writeU64(v, 20, s.endOffset);
    writeU64(v, 28, s.bytesTotal);
  });
  return { key, value };
}

export function decodeLogStart(groupId: GroupId, key: Buffer, value: Buffer): LogStart {
  check(groupId, 'log start', -1, key, value, 36);
  return { index: readU64(value, 4), term: readU64(value, 12), endOffset: readU64(value, 20), bytesTotal: readU64(value, 28) };
}

export function encodeTermStart(groupId: GroupId, index: Index, term: Term): { key: Buffer; value: Buffer } {
  const key = indexedKey(KeyKind.TermStart, groupId, index);
  return { key, value: sealed(key, 8, (v) => writeU64(v, 4, term)) };
}

export function decodeTermStart(groupId: GroupId, key: Buffer, value: Buffer): { index: Index; term: Term } {
  const index = indexedKeyIndex(key);
  check(groupId, 'term start', index, key, value, 12);
  return { index, term: readU64(value, 4) };
}

export function encodeConfEntry(groupId: GroupId, e: Entry): { key: Buffer; value: Buffer } {
  const key = indexedKey(KeyKind.Conf, groupId, e.index);
  const value = sealed(key, 8 + e.data.byteLength, (v) => {
    writeU64(v, 4, e.term);
    v.set(e.data, 12);
  });
  return { key, value };
}

export function decodeConfEntry(groupId: GroupId, key: Buffer, value: Buffer): Entry {
  const index = indexedKeyIndex(key);
  check(groupId, 'membership entry', index, key, value, 12);
  return { index, term: readU64(value, 4), type: EntryType.ConfChange, data: value.subarray(12) };
}

export function encodeRemoved(groupId: GroupId): { key: Buffer; value: Buffer } {
  const key = groupKey(KeyKind.Removed, groupId);
  return { key, value: sealed(key, 0, () => {}) };
}

export function encodeFormat(): { key: Buffer; value: Buffer } {
  const key = formatKey();
  const tag = Buffer.from(FORMAT_TAG, 'utf8');
  return { key, value: sealed(key, tag.byteLength, (v) => v.set(tag, CRC_BYTES)) };
}

/** The format tag stored in a Format value, or undefined if the value is damaged. */
export function decodeFormat(value: Buffer): string | undefined {
  if (verifiedCrc(formatKey(), value) === undefined) return undefined;
  return value.subarray(CRC_BYTES).toString('utf8');
}
