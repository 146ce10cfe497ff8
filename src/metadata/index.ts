export { type Uuid, isUuid, randomUuid, zeroUuid } from './uuid.js';
export {
  addressBytesMax,
  configsPerTopicMax,
  configValueBytesMax,
  groupIdMax,
  nodeIdMax,
  partitionsPerTopicMax,
  replicationFactorMax,
  topicNameLengthMax,
} from './metadata-limits.js';
export type {
  AlterTopicConfigs,
  CancelReassignment,
  CompleteReassignment,
  CreatePartitions,
  CreateTopic,
  DeleteTopic,
  FenceNode,
  MetadataRecord,
  MetadataRecordType,
  NodeHeartbeat,
  NoOp,
  PartitionLeaderChange,
  ReassignPartition,
  RegisterNode,
  TopicConfigs,
  UnregisterNode,
} from './metadata-record.js';
export { decodeRecord, encodeRecord } from './record-codec.js';
export {
  type MetadataImage,
  type NodeImage,
  type PartitionImage,
  type PartitionKey,
  type TopicImage,
  emptyImage,
  isReassigning,
  liveNodeIds,
  partitionName,
  targetReplicas,
} from './metadata-image.js';
export { type ApplyOutcome, type ApplyResult, outcomeError } from './apply-outcome.js';
export { applyRecord } from './apply-record.js';
export { encodeImage, decodeImage } from './image-codec.js';
export { imageProblem } from './image-invariants.js';
export {
  type ClusterDescription,
  describeCluster,
  describePartition,
  describeTopic,
  findTopic,
  hostedPartitions,
  listReassignments,
  listTopics,
  partitionByGroup,
} from './metadata-queries.js';
export { type NodeChanges, diff } from './image-diff.js';
export { type LivenessClock, expiredNodes, heartbeatRecordDue, isAlive } from './liveness.js';
export { type PlacementInput, type PlacementNode, assignReplicas, hasRacks, rackAlternated } from './placement.js';
export {
  type GroupMembership,
  type MembershipStep,
  type ReassignmentPlan,
  applyStep,
  nextMembershipStep,
  planReassignment,
} from './reassignment-plan.js';
export { topicConfigDefs, validateTopicConfigs } from './topic-configs.js';
export { topicNameProblem, validateTopicName } from './topic-name.js';
export {
  type CreateTopicRequest,
  validateAlterTopicConfigs,
  validateCancelReassignment,
  validateCreatePartitions,
  validateCreateTopic,
  validateDeleteTopic,
  validateReassignment,
} from './request-validation.js';
export {
  placementNodes,
  proposeAlterTopicConfigs,
  proposeCancelReassignment,
  proposeCreatePartitions,
  proposeCreateTopic,
  proposeDeleteTopic,
  proposeReassignment,
} from './proposals.js';
