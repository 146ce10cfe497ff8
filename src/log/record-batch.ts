import { At } from './batch-layout.js';
import { readBatchHeader, type BatchHeader } from './batch-header.js';
import { corrupt } from './log-errors.js';
import { ByteReader } from './varint.js';

/** A record header: a string key (UTF-8 on the wire) and a byte value. */
export interface RecordHeader {
  readonly key: string;
  readonly value: Uint8Array;
}

/** One record of a decoded batch. Byte fields are views into the batch's bytes, not copies. */
export interface LogRecord {
  readonly offset: number;
  readonly timestampMs: number;
  /** null and an empty key are different things (Kafka's -1 vs 0 length). */
  readonly key: Uint8Array | null;
  readonly value: Uint8Array;
  readonly headers: readonly RecordHeader[];
}

// Per-record slots in RecordBatch.slots, one flat Int32Array instead of an object per record.
// headersStart is the position of the header count varint.
const Slot = { keyStart: 0, keyLength: 1, valueStart: 2, valueLength: 3, headersStart: 4, headerCount: 5 } as const;
const slotsPerRecord = 6;

// ignoreBOM: a header key that starts with U+FEFF must come back unchanged, not stripped.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A CRC-checked, fully parsed batch. Parsing walks every record once (so a malformed batch is rejected
 * whole, before anything is served) and keeps only positions in flat typed arrays; keys, values and
 * headers are materialised when asked for.
 */
export class RecordBatch {
  constructor(
    readonly header: BatchHeader,
    /** The encoded batch; record keys and values are views into it. */
    readonly bytes: Uint8Array,
    private readonly slots: Int32Array,
    private readonly timestamps: Float64Array,
  ) {}

  get recordCount(): number {
    return this.header.recordCount;
  }

  offset(i: number): number {
    return this.header.baseOffset + i;
  }

  timestampMs(i: number): number {
    return this.timestamps[i]!;
  }

  key(i: number): Uint8Array | null {
    const start = this.slots[i * slotsPerRecord + Slot.keyStart]!;
    const length = this.slots[i * slotsPerRecord + Slot.keyLength]!;
    return length < 0 ? null : this.bytes.subarray(start, start + length);
  }

  /** -1 for a null key; no view is made. */
  keyLength(i: number): number {
    return this.slots[i * slotsPerRecord + Slot.keyLength]!;
  }

  valueLength(i: number): number {
    return this.slots[i * slotsPerRecord + Slot.valueLength]!;
  }

  value(i: number): Uint8Array {
    const start = this.slots[i * slotsPerRecord + Slot.valueStart]!;
    return this.bytes.subarray(start, start + this.slots[i * slotsPerRecord + Slot.valueLength]!);
  }

  headerCount(i: number): number {
    return this.slots[i * slotsPerRecord + Slot.headerCount]!;
  }

  headers(i: number): RecordHeader[] {
    const count = this.headerCount(i);
    const r = new ByteReader(this.bytes, this.slots[i * slotsPerRecord + Slot.headersStart]!, this.bytes.length);
    r.varint(); // the count, already in the slots
    const out: RecordHeader[] = [];
    for (let h = 0; h < count; h++) {
      const keyBytes = r.length(false, 'header key');
      const key = decodeUtf8(this.bytes.subarray(r.pos, (r.pos += keyBytes)));
      const valueBytes = r.length(false, 'header value');
      out.push({ key, value: this.bytes.subarray(r.pos, (r.pos += valueBytes)) });
    }
    return out;
  }

  record(i: number): LogRecord {
    return { offset: this.offset(i), timestampMs: this.timestampMs(i), key: this.key(i), value: this.value(i), headers: this.headers(i) };
  }

  /** Convenience for tests and tools; the hot path uses the indexed accessors. */
  records(): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = 0; i < this.recordCount; i++) out.push(this.record(i));
    return out;
  }
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw corrupt('header key is not valid UTF-8');
  }
}

/** Verify the CRC and parse every record. Throws RUNNEL_ERR_CORRUPT: a corrupt batch is never served. */
export function decodeBatch(data: Uint8Array): RecordBatch {
  const header = readBatchHeader(data);
  const count = header.recordCount;
  const slots = new Int32Array(count * slotsPerRecord);
  const timestamps = new Float64Array(count);
  const r = new ByteReader(data, At.records, data.length);
  let maxTimestampMs = -1;
  for (let i = 0; i < count; i++) {
    const ts = readRecord(r, i, header.baseTimestampMs, slots);
    timestamps[i] = ts;
    if (ts > maxTimestampMs) maxTimestampMs = ts;
  }
  if (r.pos !== data.length) throw corrupt(`${data.length - r.pos} bytes after the last record`);
  if (maxTimestampMs !== header.maxTimestampMs) throw corrupt(`maxTimestamp ${header.maxTimestampMs} but records reach ${maxTimestampMs}`);
  return new RecordBatch(header, data, slots, timestamps);
}

/** Parse record `i` at the reader's position into its slots; returns its timestamp. */
function readRecord(r: ByteReader, i: number, baseTimestampMs: number, slots: Int32Array): number {
  const length = r.length(false, 'record');
  const end = r.pos + length;
  if (r.byte() !== 0) throw corrupt(`record ${i} has unknown attributes`);
  const timestampMs = baseTimestampMs + r.varint();
  if (timestampMs < 0) throw corrupt(`record ${i} has a negative timestamp`);
  if (r.varint() !== i) throw corrupt(`record ${i} has the wrong offset delta`);
  const s = i * slotsPerRecord;
  const keyLength = r.length(true, 'key');
  slots[s + Slot.keyStart] = r.pos;
  slots[s + Slot.keyLength] = keyLength;
  if (keyLength > 0) r.pos += keyLength;
  const valueLength = r.length(false, 'value');
  slots[s + Slot.valueStart] = r.pos;
  slots[s + Slot.valueLength] = valueLength;
  r.pos += valueLength;
  slots[s + Slot.headersStart] = r.pos;
  slots[s + Slot.headerCount] = skipHeaders(r);
  if (r.pos !== end) throw corrupt(`record ${i} length ${length} does not match its fields`);
  return timestampMs;
}

function skipHeaders(r: ByteReader): number {
  const count = r.varint();
  if (count < 0) throw corrupt(`negative header count ${count}`);
  for (let h = 0; h < count; h++) {
    // Not `r.pos += r.length()`: that reads pos before length() moves it past the varint.
    const keyBytes = r.length(false, 'header key');
    r.pos += keyBytes;
    const valueBytes = r.length(false, 'header value');
    r.pos += valueBytes;
  }
  return count;
}
