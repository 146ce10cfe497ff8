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
export {
  type ClientOptions,
} from './connection.js';
export { MetadataCache, type TopicInfo, type PartitionInfo } from './metadata-cache.js';
export { AdminClient } from './admin.js';
export type {
  NewTopic,
  CreateTopicResult,
  NewPartitions,
  CreatePartitionsResult,
  DeleteTopicResult,
  TopicResult,
  TopicConfigChange,
  AlterConfigsResult,
  TopicDescription,
  ClusterDescription,
  ClusterNode,
} from './admin-types.js';
export { Producer, type ProducerOptions, type SendRecord, type RecordMetadata, type AcksSetting } from './producer.js';
export { Consumer, type ConsumerOptions, type ConsumerRecord } from './consumer.js';
