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
  type ClientTls,
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
export type { TopicPartitionOffset } from './group-partitions.js';
export type { CoordinatorNode } from './group-coordinator.js';
export type { GroupAdmin, ListedConsumerGroup, ConsumerGroupDescription, ConsumerGroupMember, DeleteGroupResult, GroupState } from './group-admin.js';
export { GroupMembership, type HeartbeatAnswer, type AssignmentDelta, type MembershipConfig } from './group-membership.js';
export { CommitTracker } from './commit-tracker.js';
