import { invalid } from './log-errors.js';
import {
  batchRecordsMax,
  headerKeyBytesMax,
  headersPerRecordMax,
  headerValueBytesMax,
  keyBytesMax,
  timestampMsMax,
  valueBytesMax,
} from './record-limits.js';

/**
 * The bounds of record-limits.ts as checks shared by the encoder (a Runnel producer) and append-time
 * validation (a batch from any client). Violations are RUNNEL_ERR_INVALID_REQUEST: definite, the
 * producer must fix the batch rather than retry it.
 */
export function checkRecordCount(count: number): void {
  if (count < 1) throw invalid('a batch must hold at least one record');
  if (count > batchRecordsMax) throw invalid(`${count} records exceed batchRecordsMax ${batchRecordsMax}`);
}

/** keyBytes is -1 for a null key. */
export function checkRecordFields(keyBytes: number, valueBytes: number, timestampMs: number, record: number): void {
  if (keyBytes > keyBytesMax) throw invalid(`record ${record}: key of ${keyBytes} bytes exceeds keyBytesMax ${keyBytesMax}`);
  if (valueBytes > valueBytesMax) {
    throw invalid(`record ${record}: value of ${valueBytes} bytes exceeds valueBytesMax ${valueBytesMax}`);
  }
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0 || timestampMs > timestampMsMax) {
    throw invalid(`record ${record}: timestamp ${timestampMs} is not in [0, ${timestampMsMax}]`);
  }
}

export function checkHeaderCount(count: number, record: number): void {
  if (count > headersPerRecordMax) {
    throw invalid(`record ${record}: ${count} headers exceed headersPerRecordMax ${headersPerRecordMax}`);
  }
}

export function checkHeader(keyBytes: number, valueBytes: number, record: number): void {
  if (keyBytes > headerKeyBytesMax) {
    throw invalid(`record ${record}: header key of ${keyBytes} bytes exceeds headerKeyBytesMax ${headerKeyBytesMax}`);
  }
  if (valueBytes > headerValueBytesMax) {
    throw invalid(`record ${record}: header value of ${valueBytes} bytes exceeds headerValueBytesMax ${headerValueBytesMax}`);
  }
}

/** -1 everywhere means "not idempotent"; otherwise a real producer id, epoch and sequence. */
export function checkProducerFields(producerId: number, producerEpoch: number, baseSequence: number): void {
  if (!Number.isSafeInteger(producerId) || producerId < -1) throw invalid(`producerId ${producerId}`);
  if (!Number.isInteger(producerEpoch) || producerEpoch < -1 || producerEpoch > 0x7fff) {
    throw invalid(`producerEpoch ${producerEpoch}`);
  }
  if (!Number.isInteger(baseSequence) || baseSequence < -1 || baseSequence > 0x7fffffff) {
    throw invalid(`baseSequence ${baseSequence}`);
  }
}
