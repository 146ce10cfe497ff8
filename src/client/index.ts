export {
  murmur2,
  toPositive,
  partitionForKey,
  Partitioner,
  StickyPartitioner,
  RoundRobinPartitioner,
  type NullKeyPartitioner,
  type TopicPartitions,
} from './partitioner.js';
export {
  RecordAccumulator,
  DEFAULT_ACCUMULATOR_CONFIG,
  RECORD_OVERHEAD_BYTES,
  recordSizeBytes,
  type RecordAccumulatorConfig,
  type ProducerRecord,
  type ProducerBatch,
  type TopicPartition,
  type AppendResult,
  type DrainedRequest,
  type LeaderOf,
} from './record-accumulator.js';
