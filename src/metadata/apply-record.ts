import { assert, type Index, unreachable } from '../core/index.js';
import { applyCreatePartitions, applyCreateTopic, applyDeleteTopic, applyAlterTopicConfigs } from './apply-topic-records.js';
import { applyFenceNode, applyNodeHeartbeat, applyRegisterNode, applyUnregisterNode } from './apply-node-records.js';
import { type ApplyResult, applied } from './apply-outcome.js';
import { applyCancelReassignment, applyCompleteReassignment, applyLeaderChange, applyReassign } from './apply-partition-records.js';
import type { MetadataImage } from './metadata-image.js';
import type { MetadataRecord } from './metadata-record.js';

/**
 * Applies one committed record at log `index`: a pure function of (image, record, index), so every
 * node that applies the same log reaches the same image and the same outcome. The input image is
 * never modified. Rejected and ignored records still advance `appliedIndex`: they are in the log.
 *
 * Indexes only increase but may skip: the metadata group's log also holds Raft's own entries
 * (a new leader's empty entry, membership changes) that are not metadata records.
 */
export function applyRecord(image: MetadataImage, record: MetadataRecord, index: Index): ApplyResult {
  assert(Number.isSafeInteger(index) && index > image.appliedIndex, () => `metadata index ${index} after ${image.appliedIndex}`);
  const result = dispatch(image, record, index);
  return { image: { ...result.image, appliedIndex: index }, outcome: result.outcome };
}

function dispatch(image: MetadataImage, record: MetadataRecord, index: Index): ApplyResult {
  switch (record.type) {
    case 'RegisterNode':
      return applyRegisterNode(image, record, index);
    case 'NodeHeartbeat':
      return applyNodeHeartbeat(image, record, index);
    case 'FenceNode':
      return applyFenceNode(image, record, index);
    case 'UnregisterNode':
      return applyUnregisterNode(image, record);
    case 'CreateTopic':
      return applyCreateTopic(image, record);
    case 'DeleteTopic':
      return applyDeleteTopic(image, record);
    case 'AlterTopicConfigs':
      return applyAlterTopicConfigs(image, record);
    case 'CreatePartitions':
      return applyCreatePartitions(image, record);
    case 'PartitionLeaderChange':
      return applyLeaderChange(image, record);
    case 'ReassignPartition':
      return applyReassign(image, record);
    case 'CompleteReassignment':
      return applyCompleteReassignment(image, record);
    case 'CancelReassignment':
      return applyCancelReassignment(image, record);
    case 'NoOp':
      return applied(image);
    default:
      return unreachable(record, 'metadata record');
  }
}
