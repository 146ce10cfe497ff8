import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchBytesMax,
  batchRecordsMax,
  decodeBatch,
  describeBatch,
  encodeBatch,
  headerKeyBytesMax,
  headersPerRecordMax,
  keyBytesMax,
  readBatchHeader,
  stampBatch,
  validateBatch,
  valueBytesMax,
  verifyBatch,
  type BatchInput,
  type RecordInput,
} from '../../src/log/index.js';
import { writeCrc } from '../../src/log/batch-header.js';
import { ByteReader, varintBytes, writeVarint } from '../../src/log/varint.js';
import { batchInputArb } from './arbitraries.js';
import { expectThrowsCode as expectError } from '../support/expect-runnel-error.js';


function expectRoundTrip(input: BatchInput, data: Uint8Array, baseOffset: number): void {
  const batch = decodeBatch(data);
  expect(batch.recordCount).toBe(input.records.length);
  input.records.forEach((rec, i) => {
    expect(batch.offset(i)).toBe(baseOffset + i);
    expect(batch.timestampMs(i)).toBe(rec.timestampMs);
    expect(batch.key(i)).toEqual(rec.key);
    expect(batch.value(i)).toEqual(rec.value);
    expect(batch.headers(i)).toEqual(rec.headers ?? []);
  });
  const h = batch.header;
  expect([h.producerId, h.producerEpoch, h.baseSequence]).toEqual([
    input.producerId ?? -1,
    input.producerEpoch ?? -1,
    input.baseSequence ?? -1,
  ]);
  expect(h.baseTimestampMs).toBe(input.records[0]!.timestampMs);
  expect(h.maxTimestampMs).toBe(Math.max(...input.records.map((r) => r.timestampMs)));
}

const bytesOf = (n: number, fill = 7): Uint8Array => new Uint8Array(n).fill(fill);
const rec = (over: Partial<RecordInput> = {}): RecordInput => ({ key: null, value: bytesOf(3), timestampMs: 1, ...over });

describe('record batch codec', () => {
  it('round-trips any batch, before and after stamping', () => {
    fc.assert(
      fc.property(batchInputArb, fc.nat({ max: 2 ** 50 }), fc.nat({ max: 2 ** 47 }), fc.nat({ max: 2 ** 31 - 1 }), (input, base, at, epoch) => {
        const data = encodeBatch(input);
        expectRoundTrip(input, data, 0);
        expect(decodeBatch(data).header.appendTimeMs).toBe(-1);
        stampBatch(data, { baseOffset: base, appendTimeMs: at, leaderEpoch: epoch });
        expectRoundTrip(input, data, base);
        expect(readBatchHeader(data)).toMatchObject({ baseOffset: base, appendTimeMs: at, leaderEpoch: epoch });
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a null key apart from an empty key', () => {
    const data = encodeBatch({ records: [rec({ key: null }), rec({ key: new Uint8Array(0) })] });
    const batch = decodeBatch(data);
    expect(batch.key(0)).toBeNull();
    expect(batch.key(1)).toEqual(new Uint8Array(0));
    expect(batch.keyLength(0)).toBe(-1);
    expect(batch.keyLength(1)).toBe(0);
  });

  it('describeBatch reads the same header decodeBatch does', () => {
    fc.assert(
      fc.property(batchInputArb, fc.nat({ max: 2 ** 50 }), fc.nat({ max: 2 ** 47 }), (input, base, at) => {
        const data = encodeBatch(input);
        stampBatch(data, { baseOffset: base, appendTimeMs: at, leaderEpoch: 1 });
        const { header } = decodeBatch(data);
        expect(describeBatch(data)).toEqual({ baseOffset: header.baseOffset, recordCount: header.recordCount, appendTimeMs: header.appendTimeMs });
      }),
      { numRuns: 100 },
    );
  });

  it('stamping keeps the CRC valid and changes only the stamped fields', () => {
    fc.assert(
      fc.property(batchInputArb, fc.nat({ max: 2 ** 50 }), fc.nat({ max: 2 ** 47 }), (input, base, at) => {
        const data = encodeBatch(input);
        const before = readBatchHeader(data);
        stampBatch(data, { baseOffset: base, appendTimeMs: at, leaderEpoch: 9 });
        verifyBatch(data);
        expect(readBatchHeader(data)).toEqual({ ...before, baseOffset: base, appendTimeMs: at, leaderEpoch: 9 });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses to re-seal a batch damaged before stamping', () => {
    const data = encodeBatch({ records: [rec()] });
    data[data.length - 1]! ^= 0x01;
    expectError(() => stampBatch(data, { baseOffset: 0, appendTimeMs: 0, leaderEpoch: 1 }), 'RUNNEL_ERR_CORRUPT');
  });
});

describe('corruption', () => {
  it('detects any single damaged byte (property)', () => {
    fc.assert(
      fc.property(batchInputArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (input, at, mask) => {
        const data = encodeBatch(input);
        data[at % data.length]! ^= mask;
        expectError(() => decodeBatch(data), 'RUNNEL_ERR_CORRUPT');
        expectError(() => verifyBatch(data), 'RUNNEL_ERR_CORRUPT');
      }),
      { numRuns: 500 },
    );
  });

  it('detects every flipped byte of a batch with keys, headers and producer fields', () => {
    const input: BatchInput = {
      records: [
        { key: bytesOf(2), value: bytesOf(5), headers: [{ key: 'h', value: bytesOf(1) }], timestampMs: 1_700_000_000_000 },
        { key: null, value: bytesOf(0), timestampMs: 1_700_000_000_500 },
      ],
      producerId: 77,
      producerEpoch: 2,
      baseSequence: 10,
    };
    const clean = encodeBatch(input);
    stampBatch(clean, { baseOffset: 1000, appendTimeMs: 1_700_000_000_900, leaderEpoch: 4 });
    for (let i = 0; i < clean.length; i++) {
      const data = clean.slice();
      data[i]! ^= 0xff;
      expectError(() => decodeBatch(data), 'RUNNEL_ERR_CORRUPT');
    }
  });

  it('rejects truncated and extended batches', () => {
    const data = encodeBatch({ records: [rec(), rec()] });
    expectError(() => decodeBatch(data.subarray(0, data.length - 1)), 'RUNNEL_ERR_CORRUPT');
    expectError(() => decodeBatch(data.subarray(0, 10)), 'RUNNEL_ERR_CORRUPT');
    const longer = new Uint8Array(data.length + 1);
    longer.set(data);
    expectError(() => decodeBatch(longer), 'RUNNEL_ERR_CORRUPT');
    expectError(() => describeBatch(longer), 'RUNNEL_ERR_CORRUPT');
  });

  it('decodes a batch stored inside a larger buffer (a LevelDB value slice)', () => {
    const data = encodeBatch({ records: [rec({ key: bytesOf(4) })] });
    const big = new Uint8Array(data.length + 20);
    big.set(data, 13);
    const view = big.subarray(13, 13 + data.length);
    expect(decodeBatch(view).key(0)).toEqual(bytesOf(4));
    expect(describeBatch(view).recordCount).toBe(1);
  });
});

describe('bounds', () => {
  it('accepts a value of exactly valueBytesMax and rejects one more byte', () => {
    const data = encodeBatch({ records: [rec({ value: bytesOf(valueBytesMax) })] });
    expect(validateBatch(data).value(0).length).toBe(valueBytesMax);
    expectError(() => encodeBatch({ records: [rec({ value: bytesOf(valueBytesMax + 1) })] }), 'RUNNEL_ERR_INVALID_REQUEST');
  });

  it('accepts a key of exactly keyBytesMax and rejects one more byte', () => {
    expect(decodeBatch(encodeBatch({ records: [rec({ key: bytesOf(keyBytesMax) })] })).key(0)!.length).toBe(keyBytesMax);
    expectError(() => encodeBatch({ records: [rec({ key: bytesOf(keyBytesMax + 1) })] }), 'RUNNEL_ERR_INVALID_REQUEST');
  });

  it('accepts a batch of exactly batchBytesMax and rejects one byte more', () => {
    const fill = (valueBytes: number): BatchInput => ({
      records: [rec({ value: bytesOf(valueBytesMax) }), rec({ key: bytesOf(1000) }), rec({ value: bytesOf(valueBytes) })],
    });
    const probe = encodeBatch(fill(0)).length;
    // The third record's length varints grow with its value by 4 bytes in all: take them off.
    const exact = batchBytesMax - probe - 4;
    const data = encodeBatch(fill(exact));
    expect(data.length).toBe(batchBytesMax);
    expect(validateBatch(data).recordCount).toBe(3);
    expectError(() => encodeBatch(fill(exact + 1)), 'RUNNEL_ERR_RECORD_TOO_LARGE');
  });

  it('rejects empty batches, too many records, headers and bad timestamps', () => {
    expectError(() => encodeBatch({ records: [] }), 'RUNNEL_ERR_INVALID_REQUEST');
    expectError(() => encodeBatch({ records: Array.from({ length: batchRecordsMax + 1 }, () => rec()) }), 'RUNNEL_ERR_INVALID_REQUEST');
    const headers = Array.from({ length: headersPerRecordMax + 1 }, () => ({ key: 'k', value: bytesOf(1) }));
    expectError(() => encodeBatch({ records: [rec({ headers })] }), 'RUNNEL_ERR_INVALID_REQUEST');
    expectError(() => encodeBatch({ records: [rec({ headers: [{ key: 'é'.repeat(headerKeyBytesMax / 2 + 1), value: bytesOf(1) }] })] }), 'RUNNEL_ERR_INVALID_REQUEST');
    expectError(() => encodeBatch({ records: [rec({ timestampMs: -1 })] }), 'RUNNEL_ERR_INVALID_REQUEST');
    expectError(() => encodeBatch({ records: [rec({ timestampMs: 1.5 })] }), 'RUNNEL_ERR_INVALID_REQUEST');
    expectError(() => encodeBatch({ records: [rec()], producerEpoch: 0x8000 }), 'RUNNEL_ERR_INVALID_REQUEST');
  });

  it('validateBatch rejects an oversized request before parsing it', () => {
    expectError(() => validateBatch(new Uint8Array(batchBytesMax + 1)), 'RUNNEL_ERR_RECORD_TOO_LARGE');
  });

  it('accepts batchRecordsMax records', () => {
    const records = Array.from({ length: batchRecordsMax }, () => rec({ value: new Uint8Array(0) }));
    expect(validateBatch(encodeBatch({ records })).recordCount).toBe(batchRecordsMax);
  });
});

describe('varints', () => {
  it('size and write agree and read back for every magnitude', () => {
    const edges = [0, 1, -1, 63, -64, 64, -65, 2 ** 20, 2 ** 27, 2 ** 28, 2 ** 31, -(2 ** 31), 2 ** 34, 2 ** 35, 2 ** 48, -(2 ** 48), 2 ** 52 - 1];
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...edges), fc.integer({ min: -(2 ** 52), max: 2 ** 52 - 1 })), (v) => {
        const buf = new Uint8Array(10);
        const end = writeVarint(buf, 1, v);
        expect(end - 1).toBe(varintBytes(v));
        const r = new ByteReader(buf, 1, end);
        expect(r.varint()).toBe(v);
        expect(r.pos).toBe(end);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('batches from other writers', () => {
  /** Re-seal after editing, as a buggy or hostile client would send it. */
  function edited(input: BatchInput, edit: (data: Uint8Array) => void): Uint8Array {
    const data = encodeBatch(input);
    edit(data);
    writeCrc(data);
    return data;
  }

  it('rejects a null header value and invalid UTF-8 in a header key even with a valid CRC', () => {
    const input: BatchInput = { records: [{ key: null, value: bytesOf(1), headers: [{ key: 'k', value: bytesOf(1) }], timestampMs: 5 }] };
    const clean = encodeBatch(input);
    const keyAt = clean.lastIndexOf(0x6b); // 'k'
    const badUtf8 = edited(input, (d) => (d[keyAt] = 0xff));
    expectError(() => validateBatch(badUtf8), 'RUNNEL_ERR_CORRUPT');
    const nullValue = edited(input, (d) => (d[keyAt + 1] = 0x01)); // header value length varint -1
    expectError(() => decodeBatch(nullValue), 'RUNNEL_ERR_CORRUPT');
  });

  it('rejects a wrong maxTimestamp and unknown attributes', () => {
    const input: BatchInput = { records: [rec({ timestampMs: 5 })] };
    expectError(() => decodeBatch(edited(input, (d) => (d[42] = 6))), 'RUNNEL_ERR_CORRUPT');
    expectError(() => decodeBatch(edited(input, (d) => (d[22] = 1))), 'RUNNEL_ERR_CORRUPT');
  });
});
