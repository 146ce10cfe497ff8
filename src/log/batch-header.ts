import { crc32c } from '@node-rs/crc32';
import { assert } from '../core/index.js';
import { At, batchHeaderBytes, batchMagic, compressionMask, crcStart, recordBytesMin } from './batch-layout.js';
import { readInt64, writeInt64 } from './int64.js';
import { corrupt } from './log-errors.js';
import type { BatchProducer } from './producer-state.js';
import { int64SafeMax, timestampMsMax } from './record-limits.js';

/** Everything in a batch but its records. */
export interface BatchHeader {
  readonly baseOffset: number;
  readonly recordCount: number;
  readonly attributes: number;
  readonly leaderEpoch: number;
  readonly baseTimestampMs: number;
  readonly maxTimestampMs: number;
  readonly appendTimeMs: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  /** The whole encoded batch, header included. */
  readonly batchBytes: number;
}

/**
 * What a data entry says about its records; structurally the `EntryRecords` that
 * src/multiraft/group-storage.ts asks `describeEntry` for (src/log may not import multiraft).
 */
export interface BatchRecords {
  readonly baseOffset: number;
  readonly recordCount: number;
  readonly appendTimeMs: number;
}

/** The fields the leader writes into a producer's batch before proposing it. */
export interface BatchStamp {
  readonly baseOffset: number;
  readonly appendTimeMs: number;
  readonly leaderEpoch: number;
}

function view(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/** Magic, length and the record count's plausibility: enough to read the header safely. */
function framed(data: Uint8Array): DataView {
  if (data.byteLength < batchHeaderBytes) throw corrupt(`batch of ${data.byteLength} bytes is shorter than its header`);
  const v = view(data);
  const magic = v.getInt8(At.magic);
  if (magic !== batchMagic) throw corrupt(`unknown batch magic ${magic}`);
  const length = v.getInt32(At.batchLength);
  if (length !== data.byteLength) throw corrupt(`batch length field ${length} but ${data.byteLength} bytes`);
  const count = v.getInt32(At.recordCount);
  if (count < 1 || count > (length - batchHeaderBytes) / recordBytesMin) throw corrupt(`implausible record count ${count}`);
  return v;
}

function computeCrc(data: Uint8Array): number {
  return crc32c(data.subarray(crcStart));
}

function checkCrc(data: Uint8Array, v: DataView): void {
  const stored = v.getUint32(At.crc);
  const actual = computeCrc(data);
  if (stored !== actual) throw corrupt(`batch CRC mismatch (stored ${stored}, computed ${actual})`);
}

/** Throws RUNNEL_ERR_CORRUPT unless `data` is one whole batch whose CRC matches. Records are not parsed. */
export function verifyBatch(data: Uint8Array): void {
  checkCrc(data, framed(data));
}

/** The header, CRC-checked. */
export function readBatchHeader(data: Uint8Array): BatchHeader {
  const v = framed(data);
  checkCrc(data, v);
  return headerFields(v, data.byteLength);
}

function headerFields(v: DataView, batchBytes: number): BatchHeader {
  const attributes = v.getInt16(At.attributes);
  if ((attributes & compressionMask) !== 0) throw corrupt(`unsupported compression ${attributes & compressionMask}`);
  return {
    baseOffset: readInt64(v, At.baseOffset, 'baseOffset'),
    recordCount: v.getInt32(At.recordCount),
    attributes,
    leaderEpoch: v.getInt32(At.leaderEpoch),
    baseTimestampMs: readInt64(v, At.baseTimestamp, 'baseTimestamp'),
    maxTimestampMs: readInt64(v, At.maxTimestamp, 'maxTimestamp'),
    appendTimeMs: readInt64(v, At.appendTimeMs, 'appendTimeMs'),
    producerId: readInt64(v, At.producerId, 'producerId'),
    producerEpoch: v.getInt16(At.producerEpoch),
    baseSequence: v.getInt32(At.baseSequence),
    batchBytes,
  };
}

/**
 * The store's `describeEntry` for a data entry: reads three header fields and checks the framing,
 * but not the CRC (that costs a pass over the payload; every read path verifies it instead).
 */
export function describeBatch(data: Uint8Array): BatchRecords {
  const v = framed(data);
  const baseOffset = readInt64(v, At.baseOffset, 'baseOffset');
  if (baseOffset < 0) throw corrupt(`negative baseOffset ${baseOffset}`);
  return {
    baseOffset,
    recordCount: v.getInt32(At.recordCount),
    appendTimeMs: readInt64(v, At.appendTimeMs, 'appendTimeMs'),
  };
}

/** The producer fields of a data entry (framing checked, not the CRC), or undefined without a producer id. */
export function producerOf(data: Uint8Array): BatchProducer | undefined {
  const v = framed(data);
  const producerId = readInt64(v, At.producerId, 'producerId');
  if (producerId < 0) return undefined;
  return { producerId, producerEpoch: v.getInt16(At.producerEpoch), baseSequence: v.getInt32(At.baseSequence) };
}

function checkStamp(stamp: BatchStamp, recordCount: number): void {
  const { baseOffset, appendTimeMs, leaderEpoch } = stamp;
  assert(
    Number.isSafeInteger(baseOffset) && baseOffset >= 0 && baseOffset + recordCount <= int64SafeMax,
    () => `stamp: baseOffset ${baseOffset} out of range`,
  );
  assert(
    Number.isSafeInteger(appendTimeMs) && appendTimeMs >= 0 && appendTimeMs <= timestampMsMax,
    () => `stamp: appendTimeMs ${appendTimeMs} out of range`,
  );
  assert(
    Number.isInteger(leaderEpoch) && leaderEpoch >= 0 && leaderEpoch <= 0x7fffffff,
    () => `stamp: leaderEpoch ${leaderEpoch} out of range`,
  );
}

/**
 * Write the leader's fields into an encoded batch IN PLACE and recompute its CRC; the records are not
 * touched. The old CRC is verified first, so a batch damaged in transit is rejected, never re-sealed.
 */
export function stampBatch(data: Uint8Array, stamp: BatchStamp): void {
  const v = framed(data);
  checkCrc(data, v);
  checkStamp(stamp, v.getInt32(At.recordCount));
  writeInt64(v, At.baseOffset, stamp.baseOffset);
  writeInt64(v, At.appendTimeMs, stamp.appendTimeMs);
  v.setInt32(At.leaderEpoch, stamp.leaderEpoch);
  v.setUint32(At.crc, computeCrc(data));
}

/** Seal a freshly written batch. */
export function writeCrc(data: Uint8Array): void {
  view(data).setUint32(At.crc, computeCrc(data));
}
