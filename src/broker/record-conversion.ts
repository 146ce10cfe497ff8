import { RunnelError } from '../core/index.js';
import { decodeBatch, keyBytesMax, valueBytesMax } from '../log/index.js';
import type { FetchedRecordOut, ProduceRecordInput } from './broker-types.js';

/** Size limits as the API states them (RECORD_TOO_LARGE), and the leader's clock for timestamp 0. */
export function checkedRecord(r: ProduceRecordInput, nowMs: number): { key: Uint8Array | null; value: Uint8Array; headers: ProduceRecordInput['headers']; timestampMs: number } {
  if (r.key !== null && r.key.byteLength > keyBytesMax) throw new RunnelError('RUNNEL_ERR_RECORD_TOO_LARGE', [`a key of ${r.key.byteLength}`, keyBytesMax]);
  if (r.value.byteLength > valueBytesMax) throw new RunnelError('RUNNEL_ERR_RECORD_TOO_LARGE', [`a value of ${r.value.byteLength}`, valueBytesMax]);
  return { key: r.key, value: r.value, headers: r.headers, timestampMs: r.timestampMs === 0 ? nowMs : r.timestampMs };
}

/** Append the batch's records at or after `fromOffset` (a batch may start before it). */
export function decodeRecords(data: Uint8Array, fromOffset: number, out: FetchedRecordOut[]): void {
  const b = decodeBatch(data);
  const appendTime = b.header.appendTimeMs;
  for (let i = 0; i < b.recordCount; i++) {
    const offset = b.offset(i);
    if (offset < fromOffset) continue;
    out.push({ offset, timestampMs: b.timestampMs(i), logAppendTimeMs: appendTime, key: b.key(i), value: b.value(i), headers: b.headers(i) });
  }
}
