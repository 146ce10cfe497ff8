/**
 * Binary LevelDB keys. Every key starts with a kind byte and the group id (u32 big-endian), then
 * big-endian u64 fields, so byte order (LevelDB's comparator) equals numeric order:
 *
 *   Format      [0x00]                                 -> format tag
 *   HardState   [0x01][group]                          -> term, vote, commit
 *   Snapshot    [0x02][group]                          -> meta + data
 *   LogStart    [0x03][group]                          -> the compaction point ("dummy" entry)
 *   TermStart   [0x04][group][index u64]               -> term that starts at index
 *   Conf        [0x05][group][index u64]               -> a ConfChange entry (copy)
 *   EntryIndex  [0x06][group][index u64]               -> location of entry index (small)
 *   EntryData   [0x07][group][endOffset u64][index u64] -> the entry (one record batch)
 *   Removed     [0x08][group]                          -> tombstone while a removed group is deleted
 *
 * EntryData sorts by (endOffset, index); end offsets are non-decreasing along the log, so this is
 * index order too, and "the entry holding offset N" is the first key >= [group][N + 1][0]: one seek.
 */
import { assert, type GroupId, type Index } from '../core/index.js';

export const KeyKind = {
  Format: 0x00,
  HardState: 0x01,
  Snapshot: 0x02,
  LogStart: 0x03,
  TermStart: 0x04,
  Conf: 0x05,
  EntryIndex: 0x06,
  EntryData: 0x07,
  Removed: 0x08,
} as const;
export type KeyKind = (typeof KeyKind)[keyof typeof KeyKind];

export const GROUP_ID_MAX = 0xffff_ffff;
const TWO_32 = 0x1_0000_0000;

export const GROUP_KEY_BYTES = 5;
export const INDEXED_KEY_BYTES = 13;
export const DATA_KEY_BYTES = 21;

export function writeU64(buf: Buffer, offset: number, n: number): void {
  assert(Number.isSafeInteger(n) && n >= 0, () => `u64 field out of range: ${n}`);
  buf.writeUInt32BE(Math.floor(n / TWO_32), offset);
  buf.writeUInt32BE(n >>> 0, offset + 4);
}

export function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32BE(offset) * TWO_32 + buf.readUInt32BE(offset + 4);
}

/** A Buffer view over a Uint8Array (no copy): LevelDB hands back Buffers, tests may pass views. */
export function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

function checkGroup(groupId: GroupId): void {
  assert(Number.isInteger(groupId) && groupId >= 0 && groupId <= GROUP_ID_MAX, () => `bad group id ${groupId}`);
}

export function formatKey(): Buffer {
  return Buffer.from([KeyKind.Format]);
}

/** [kind][group]: HardState, Snapshot, LogStart, Removed. */
export function groupKey(kind: KeyKind, groupId: GroupId): Buffer {
  checkGroup(groupId);
  const k = Buffer.allocUnsafe(GROUP_KEY_BYTES);
  k.writeUInt8(kind, 0);
  k.writeUInt32BE(groupId, 1);
  return k;
}

/** [kind][group][index]: TermStart, Conf, EntryIndex. */
export function indexedKey(kind: KeyKind, groupId: GroupId, index: Index): Buffer {
  checkGroup(groupId);
  const k = Buffer.allocUnsafe(INDEXED_KEY_BYTES);
  k.writeUInt8(kind, 0);
  k.writeUInt32BE(groupId, 1);
  writeU64(k, 5, index);
  return k;
}

export function dataKey(groupId: GroupId, endOffset: number, index: Index): Buffer {
  checkGroup(groupId);
  const k = Buffer.allocUnsafe(DATA_KEY_BYTES);
  k.writeUInt8(KeyKind.EntryData, 0);
  k.writeUInt32BE(groupId, 1);
  writeU64(k, 5, endOffset);
  writeU64(k, 13, index);
  return k;
}

/** The key range holding every key of `kind` for one group: [gte, lt). */
export function groupRange(kind: KeyKind, groupId: GroupId): { gte: Buffer; lt: Buffer } {
  checkGroup(groupId);
  const gte = groupKey(kind, groupId);
  const lt = Buffer.allocUnsafe(GROUP_KEY_BYTES);
  if (groupId === GROUP_ID_MAX) {
    lt.writeUInt8(kind + 1, 0);
    lt.writeUInt32BE(0, 1);
  } else {
    lt.writeUInt8(kind, 0);
    lt.writeUInt32BE(groupId + 1, 1);
  }
  return { gte, lt };
}

/** Every key of `kind` (all groups). */
export function kindRange(kind: KeyKind): { gte: Buffer; lt: Buffer } {
  return { gte: Buffer.from([kind]), lt: Buffer.from([kind + 1]) };
}

export function keyKind(key: Buffer): number {
  return key.readUInt8(0);
}

export function keyGroup(key: Buffer): GroupId {
  return key.readUInt32BE(1);
}

/** Index of a TermStart / Conf / EntryIndex key. */
export function indexedKeyIndex(key: Buffer): Index {
  assert(key.byteLength === INDEXED_KEY_BYTES, () => `indexed key has ${key.byteLength} bytes`);
  return readU64(key, 5);
}

export function dataKeyEndOffset(key: Buffer): number {
  assert(key.byteLength === DATA_KEY_BYTES, () => `data key has ${key.byteLength} bytes`);
  return readU64(key, 5);
}

export function dataKeyIndex(key: Buffer): Index {
  assert(key.byteLength === DATA_KEY_BYTES, () => `data key has ${key.byteLength} bytes`);
  return readU64(key, 13);
}
