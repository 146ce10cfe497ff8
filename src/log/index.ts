export { type BatchHeader, type BatchRecords, type BatchStamp, describeBatch, producerOf, readBatchHeader, stampBatch, verifyBatch } from './batch-header.js';
export { type BatchProducer, type ProducerBatchMeta, type SequenceCheck, ProducerStates, lastSequence, producerBatchesKept, sequenceModulus } from './producer-state.js';
export { type BatchInput, type RecordInput, encodeBatch } from './batch-encoder.js';
export { validateBatch } from './batch-validation.js';
export { type LogRecord, type RecordHeader, RecordBatch, decodeBatch } from './record-batch.js';
export {
  batchBytesMax,
  batchRecordsMax,
  headerKeyBytesMax,
  headersPerRecordMax,
  headerValueBytesMax,
  keyBytesMax,
  timestampMsMax,
  valueBytesMax,
} from './record-limits.js';
export { type EntryLocation, type PartitionStore, type StoredBatch, baseOffsetOf } from './partition-store.js';
export {
  type PartitionSnapshot,
  type ProducerSnapshot,
  decodePartitionSnapshot,
  encodePartitionSnapshot,
} from './partition-snapshot.js';
export { type RetentionPolicy } from './retention.js';
export {
  type AppendResult,
  type FetchResult,
  type LogPoint,
  type OffsetSpec,
  type PartitionLogOptions,
  type RetentionPlan,
  PartitionLog,
  PRODUCER_DEFAULTS,
} from './partition-log.js';
