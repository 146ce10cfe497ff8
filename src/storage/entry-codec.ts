/**
 * The two records of a stored Raft entry.
 *
 * EntryData [kind][group][endOffset][index] -> the entry itself, self-describing so that a fetch by
 * offset needs nothing else:
 *   0 crc u32 | 4 index u64 | 12 term u64 | 20 type u8 | 21 flags u8 | 22 recordCount u32
 *   | 26 appendTimeMs u64 | 34 bytesBefore u64 | 42 data...
 *
 * EntryIndex [kind][group][index] -> the entry's location without its payload (Raft reads by index,
 * tail checks, compaction and truncation bookkeeping):
 *   0 crc u32 | 4 term u64 | 12 type u8 | 13 flags u8 | 14 recordCount u32 | 18 endOffset u64
 *   | 26 appendTimeMs u64 | 34 bytesBefore u64 | 42 bytes u32 | 46 dataCrc u32   (50 bytes)
 *
 * flags bit 0: the entry holds records (a partition's data entry); control entries do not.
 */
import type { GroupId } from '../core/index.js';
import type { EntryLocation } from '../log/partition-store.js';
import { EntryType, type Entry } from '../raft/index.js';
import { sealValue, verifiedCrc } from './checksum.js';
import { CorruptionError } from './corruption-error.js';
import { dataKey, dataKeyEndOffset, dataKeyIndex, indexedKey, indexedKeyIndex, KeyKind, readU64, writeU64 } from './keys.js';

/** Everything the store knows about a stored entry besides its payload. */
export interface StoredLocation extends EntryLocation {
  readonly type: EntryType;
  /** False for control entries (a leader's no-op, a membership change, every metadata entry). */
  readonly hasRecords: boolean;
  /** The CRC32C of the entry's data value: ties the index record to the data record. */
  readonly dataCrc: number;
}

/** A location before the data value (and so its CRC) exists. */
export type PlannedLocation = Omit<StoredLocation, 'dataCrc'>;

export const DATA_HEADER_BYTES = 42;
export const INDEX_VALUE_BYTES = 50;
const FLAG_HAS_RECORDS = 1;

export function encodeEntryData(
  groupId: GroupId,
  entry: Entry,
  loc: PlannedLocation,
): { key: Buffer; value: Buffer; loc: StoredLocation } {
  const key = dataKey(groupId, loc.endOffset, entry.index);
  const value = Buffer.allocUnsafe(DATA_HEADER_BYTES + entry.data.byteLength);
  writeU64(value, 4, entry.index);
  writeU64(value, 12, entry.term);
  value.writeUInt8(entry.type, 20);
  value.writeUInt8(loc.hasRecords ? FLAG_HAS_RECORDS : 0, 21);
  value.writeUInt32BE(loc.recordCount, 22);
  writeU64(value, 26, loc.appendTimeMs);
  writeU64(value, 34, loc.bytesBefore);
  value.set(entry.data, DATA_HEADER_BYTES);
  const dataCrc = sealValue(key, value);
  return { key, value, loc: { ...loc, dataCrc } };
}

/** Decode and verify a data value; throws CorruptionError rather than return a damaged entry. */
export function decodeEntryData(groupId: GroupId, key: Buffer, value: Buffer): { entry: Entry; loc: StoredLocation } {
  const index = dataKeyIndex(key);
  const dataCrc = verifiedCrc(key, value);
  if (dataCrc === undefined || value.byteLength < DATA_HEADER_BYTES) {
    throw new CorruptionError(groupId, 'entry', index, 'CRC32C mismatch in the data record');
  }
  const type = value.readUInt8(20);
  const headerIndex = readU64(value, 4);
  if (headerIndex !== index || (type !== EntryType.Normal && type !== EntryType.ConfChange)) {
    throw new CorruptionError(groupId, 'entry', index, `data record says index ${headerIndex}, type ${type}`);
  }
  const term = readU64(value, 12);
  const data = value.subarray(DATA_HEADER_BYTES);
  const loc: StoredLocation = {
    index,
    term,
    type,
    hasRecords: (value.readUInt8(21) & FLAG_HAS_RECORDS) !== 0,
    recordCount: value.readUInt32BE(22),
    endOffset: dataKeyEndOffset(key),
    appendTimeMs: readU64(value, 26),
    bytesBefore: readU64(value, 34),
    bytes: data.byteLength,
    dataCrc,
  };
  return { entry: { index, term, type, data }, loc };
}

export function encodeEntryIndex(groupId: GroupId, loc: StoredLocation): { key: Buffer; value: Buffer } {
  const key = indexedKey(KeyKind.EntryIndex, groupId, loc.index);
  const value = Buffer.allocUnsafe(INDEX_VALUE_BYTES);
  writeU64(value, 4, loc.term);
  value.writeUInt8(loc.type, 12);
  value.writeUInt8(loc.hasRecords ? FLAG_HAS_RECORDS : 0, 13);
  value.writeUInt32BE(loc.recordCount, 14);
  writeU64(value, 18, loc.endOffset);
  writeU64(value, 26, loc.appendTimeMs);
  writeU64(value, 34, loc.bytesBefore);
  value.writeUInt32BE(loc.bytes, 42);
  value.writeUInt32BE(loc.dataCrc, 46);
  sealValue(key, value);
  return { key, value };
}

export function decodeEntryIndex(groupId: GroupId, key: Buffer, value: Buffer): StoredLocation {
  const index = indexedKeyIndex(key);
  if (value.byteLength !== INDEX_VALUE_BYTES || verifiedCrc(key, value) === undefined) {
    throw new CorruptionError(groupId, 'entry index', index, 'CRC32C mismatch in the index record');
  }
  const type = value.readUInt8(12);
  if (type !== EntryType.Normal && type !== EntryType.ConfChange) {
    throw new CorruptionError(groupId, 'entry index', index, `unknown entry type ${type}`);
  }
  return {
    index,
    term: readU64(value, 4),
    type,
    hasRecords: (value.readUInt8(13) & FLAG_HAS_RECORDS) !== 0,
    recordCount: value.readUInt32BE(14),
    endOffset: readU64(value, 18),
    appendTimeMs: readU64(value, 26),
    bytesBefore: readU64(value, 34),
    bytes: value.readUInt32BE(42),
    dataCrc: value.readUInt32BE(46),
  };
}

/** Do an index record and a data record describe the same entry? */
export function sameLocation(a: StoredLocation, b: StoredLocation): boolean {
  return (
    a.index === b.index &&
    a.term === b.term &&
    a.type === b.type &&
    a.hasRecords === b.hasRecords &&
    a.recordCount === b.recordCount &&
    a.endOffset === b.endOffset &&
    a.appendTimeMs === b.appendTimeMs &&
    a.bytesBefore === b.bytesBefore &&
    a.bytes === b.bytes &&
    a.dataCrc === b.dataCrc
  );
}
