import { RunnelError } from '../core/index.js';
import {
  At,
  batchHeaderBytes,
  batchMagic,
  noLeaderEpoch,
  noProducerEpoch,
  noProducerId,
  noSequence,
  noTimestamp,
} from './batch-layout.js';
import { writeCrc } from './batch-header.js';
import { writeInt64 } from './int64.js';
import { checkHeader, checkHeaderCount, checkProducerFields, checkRecordCount, checkRecordFields } from './record-checks.js';
import { batchBytesMax } from './record-limits.js';
import type { RecordHeader } from './record-batch.js';
import { varintBytes, writeVarint } from './varint.js';

/** A record to encode. */
export interface RecordInput {
  /** null (no key) and an empty key are kept apart. */
  readonly key: Uint8Array | null;
  readonly value: Uint8Array;
  readonly headers?: readonly RecordHeader[];
  /** The producer's CreateTime, ms since the epoch. */
  readonly timestampMs: number;
}

/** A producer's batch. Offsets, append time and leader epoch are left unset: the leader stamps them. */
export interface BatchInput {
  readonly records: readonly RecordInput[];
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
}

/** Sizes worked out before writing, so the output is allocated once at its exact length. */
interface Layout {
  readonly bodyBytes: Int32Array;
  /** UTF-8 header keys per record; absent for records without headers. */
  readonly headerKeys: (Uint8Array[] | undefined)[];
  readonly batchBytes: number;
  readonly baseTimestampMs: number;
  readonly maxTimestampMs: number;
}

const utf8 = new TextEncoder();
// Uint8Array `.length` rather than `.byteLength` throughout: equal for bytes, and V8 (Node 20) makes
// the byteLength getter several times slower, which showed as the top cost of encoding small records.
const noHeaders: readonly RecordHeader[] = [];

/**
 * Encode a batch (throws RUNNEL_ERR_INVALID_REQUEST for a record that breaks a bound, and
 * RUNNEL_ERR_RECORD_TOO_LARGE when the whole batch exceeds batchBytesMax).
 */
export function encodeBatch(input: BatchInput): Uint8Array {
  const { records } = input;
  checkRecordCount(records.length);
  const producer = {
    producerId: input.producerId ?? noProducerId,
    producerEpoch: input.producerEpoch ?? noProducerEpoch,
    baseSequence: input.baseSequence ?? noSequence,
  };
  checkProducerFields(producer.producerId, producer.producerEpoch, producer.baseSequence);
  const layout = planLayout(records);
  if (layout.batchBytes > batchBytesMax) {
    throw new RunnelError('RUNNEL_ERR_RECORD_TOO_LARGE', [layout.batchBytes, batchBytesMax]);
  }
  const out = new Uint8Array(layout.batchBytes);
  writeHeader(out, records.length, layout, producer);
  const end = writeRecords(out, records, layout);
  if (end !== out.length) throw new RunnelError('RUNNEL_ERR_INTERNAL', [`encoder wrote ${end} of ${out.length} bytes`]);
  writeCrc(out);
  return out;
}

function planLayout(records: readonly RecordInput[]): Layout {
  const baseTimestampMs = records[0]!.timestampMs;
  let maxTimestampMs = baseTimestampMs;
  let batchBytes = batchHeaderBytes;
  const bodyBytes = new Int32Array(records.length);
  const headerKeys: (Uint8Array[] | undefined)[] = [];
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    checkRecordFields(rec.key?.length ?? -1, rec.value.length, rec.timestampMs, i);
    if (rec.timestampMs > maxTimestampMs) maxTimestampMs = rec.timestampMs;
    const keys = rec.headers?.length ? encodeHeaderKeys(rec.headers, i) : undefined;
    headerKeys.push(keys);
    const body = recordBodyBytes(rec, i, rec.timestampMs - baseTimestampMs, keys);
    bodyBytes[i] = body;
    batchBytes += varintBytes(body) + body;
    // Stop counting early: a huge request is rejected without walking all of it.
    if (batchBytes > batchBytesMax) return { bodyBytes, headerKeys, batchBytes, baseTimestampMs, maxTimestampMs };
  }
  return { bodyBytes, headerKeys, batchBytes, baseTimestampMs, maxTimestampMs };
}

function encodeHeaderKeys(headers: readonly RecordHeader[], record: number): Uint8Array[] {
  checkHeaderCount(headers.length, record);
  const keys: Uint8Array[] = [];
  for (const h of headers) {
    const key = utf8.encode(h.key);
    checkHeader(key.length, h.value.length, record);
    keys.push(key);
  }
  return keys;
}

function recordBodyBytes(rec: RecordInput, offsetDelta: number, timestampDelta: number, keys: Uint8Array[] | undefined): number {
  const keyLength = rec.key === null ? -1 : rec.key.length;
  let n = 1 + varintBytes(timestampDelta) + varintBytes(offsetDelta);
  n += varintBytes(keyLength) + Math.max(keyLength, 0);
  n += varintBytes(rec.value.length) + rec.value.length;
  const headers = rec.headers ?? noHeaders;
  n += varintBytes(headers.length);
  for (let h = 0; h < headers.length; h++) {
    const k = keys![h]!.length;
    const v = headers[h]!.value.length;
    n += varintBytes(k) + k + varintBytes(v) + v;
  }
  return n;
}

interface ProducerFields {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
}

function writeHeader(out: Uint8Array, recordCount: number, layout: Layout, producer: ProducerFields): void {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setInt8(At.magic, batchMagic);
  v.setInt32(At.batchLength, out.length);
  writeInt64(v, At.baseOffset, 0);
  v.setInt32(At.recordCount, recordCount);
  v.setInt16(At.attributes, 0);
  v.setInt32(At.leaderEpoch, noLeaderEpoch);
  writeInt64(v, At.baseTimestamp, layout.baseTimestampMs);
  writeInt64(v, At.maxTimestamp, layout.maxTimestampMs);
  writeInt64(v, At.appendTimeMs, noTimestamp);
  writeInt64(v, At.producerId, producer.producerId);
  v.setInt16(At.producerEpoch, producer.producerEpoch);
  v.setInt32(At.baseSequence, producer.baseSequence);
}

function writeRecords(out: Uint8Array, records: readonly RecordInput[], layout: Layout): number {
  let pos: number = At.records;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    pos = writeVarint(out, pos, layout.bodyBytes[i]!);
    out[pos++] = 0; // record attributes: none defined
    pos = writeVarint(out, pos, rec.timestampMs - layout.baseTimestampMs);
    pos = writeVarint(out, pos, i);
    pos = writeBytes(out, pos, rec.key);
    pos = writeBytes(out, pos, rec.value);
    pos = writeHeaders(out, pos, rec.headers, layout.headerKeys[i]);
  }
  return pos;
}

function writeBytes(out: Uint8Array, pos: number, bytes: Uint8Array | null): number {
  if (bytes === null) return writeVarint(out, pos, -1);
  pos = writeVarint(out, pos, bytes.length);
  out.set(bytes, pos);
  return pos + bytes.length;
}

function writeHeaders(out: Uint8Array, pos: number, headers: readonly RecordHeader[] | undefined, keys: Uint8Array[] | undefined): number {
  const count = headers?.length ?? 0;
  pos = writeVarint(out, pos, count);
  for (let h = 0; h < count; h++) {
    pos = writeBytes(out, pos, keys![h]!);
    pos = writeBytes(out, pos, headers![h]!.value);
  }
  return pos;
}
