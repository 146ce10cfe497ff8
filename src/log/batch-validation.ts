import { RunnelError } from '../core/index.js';
import { invalid } from './log-errors.js';
import { decodeBatch, type RecordBatch } from './record-batch.js';
import { checkHeader, checkHeaderCount, checkProducerFields, checkRecordCount, checkRecordFields } from './record-checks.js';
import { batchBytesMax } from './record-limits.js';

const utf8 = new TextEncoder();

/**
 * What a leader checks before accepting a producer's encoded batch: the CRC and structure
 * (RUNNEL_ERR_CORRUPT), then every bound of record-limits.ts, since the batch may come from a client
 * that did not use our encoder (RUNNEL_ERR_RECORD_TOO_LARGE / RUNNEL_ERR_INVALID_REQUEST).
 */
export function validateBatch(data: Uint8Array): RecordBatch {
  // Checked before parsing so an oversized request costs nothing to reject.
  if (data.byteLength > batchBytesMax) throw new RunnelError('RUNNEL_ERR_RECORD_TOO_LARGE', [data.byteLength, batchBytesMax]);
  const batch = decodeBatch(data);
  const { header } = batch;
  checkRecordCount(header.recordCount);
  if (header.attributes !== 0) throw invalid(`unsupported batch attributes ${header.attributes}`);
  checkProducerFields(header.producerId, header.producerEpoch, header.baseSequence);
  for (let i = 0; i < batch.recordCount; i++) checkRecord(batch, i);
  return batch;
}

function checkRecord(batch: RecordBatch, i: number): void {
  checkRecordFields(batch.keyLength(i), batch.valueLength(i), batch.timestampMs(i), i);
  const count = batch.headerCount(i);
  if (count === 0) return;
  checkHeaderCount(count, i);
  for (const h of batch.headers(i)) checkHeader(utf8.encode(h.key).length, h.value.length, i);
}
