import { NO_NODE, type NodeId } from '../core/index.js';
import { type ApplyResult, applied, ignored, rejected } from './apply-outcome.js';
import { partitionOfGroup, putPartition } from './image-updates.js';
import { type MetadataImage, isReassigning, partitionName, targetReplicas } from './metadata-image.js';
import type { CancelReassignment, CompleteReassignment, PartitionLeaderChange, ReassignPartition } from './metadata-record.js';
import { replicaSetProblem } from './replica-set.js';

/**
 * A group leader reports itself. Raft elects at most one leader per term, so a report of an older
 * term is stale, and within one term only "no leader yet" may change to a leader. A report from a
 * group that no longer exists (its topic was deleted) or from a node outside the replica set (a
 * report that raced a completed reassignment) is ignored: the next election reports again.
 */
export function applyLeaderChange(image: MetadataImage, r: PartitionLeaderChange): ApplyResult {
  const p = partitionOfGroup(image, r.groupId);
  if (p === undefined) return ignored(image, `group ${r.groupId} no longer exists`);
  if (r.term < p.leaderTerm) return ignored(image, `term ${r.term} is older than ${p.leaderTerm}`);
  if (r.term === p.leaderTerm && (r.leader === p.leader || p.leader !== NO_NODE)) {
    return ignored(image, `term ${r.term} already has leader ${p.leader}`);
  }
  if (r.leader !== NO_NODE && !p.replicas.includes(r.leader)) {
    return ignored(image, `node ${r.leader} is not a replica of ${partitionName(p)}`);
  }
  return applied(putPartition(image, { ...p, leader: r.leader, leaderTerm: r.term }));
}

/**
 * Starts a reassignment: the target nodes not yet replicas are `adding` (they create the group and
 * join as learners), the replicas not in the target are `removing` (they keep hosting until the
 * group's membership no longer includes them). A target that only reorders the replicas (a new
 * preferred leader) takes effect at once.
 */
export function applyReassign(image: MetadataImage, r: ReassignPartition): ApplyResult {
  const p = partitionOfGroup(image, r.groupId);
  if (p === undefined) return rejected(image, 'RUNNEL_ERR_UNKNOWN_PARTITION', `group ${r.groupId}`);
  if (isReassigning(p)) return rejected(image, 'RUNNEL_ERR_REASSIGNMENT_IN_PROGRESS', partitionName(p));
  const problem = replicaSetProblem(image, r.targetReplicas);
  if (problem !== undefined) return rejected(image, 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT', problem);
  const adding = r.targetReplicas.filter((n) => !p.replicas.includes(n));
  const removing = p.replicas.filter((n) => !r.targetReplicas.includes(n));
  const replicas = [...r.targetReplicas, ...removing];
  return applied(putPartition(image, { ...p, replicas, adding, removing }));
}

/**
 * Ends a reassignment once the group's voters equal the target. The removed replicas stop hosting
 * the group; a leader among them is forgotten (the group reports its next leader), keeping the term
 * so older reports stay stale.
 */
export function applyCompleteReassignment(image: MetadataImage, r: CompleteReassignment): ApplyResult {
  const p = partitionOfGroup(image, r.groupId);
  if (p === undefined) return rejected(image, 'RUNNEL_ERR_UNKNOWN_PARTITION', `group ${r.groupId}`);
  if (!isReassigning(p)) return rejected(image, 'RUNNEL_ERR_NO_REASSIGNMENT_IN_PROGRESS', partitionName(p));
  const target = targetReplicas(p);
  if (!sameList(target, r.targetReplicas)) {
    return rejected(image, 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT', `[${r.targetReplicas.join(', ')}] is not the target [${target.join(', ')}] of ${partitionName(p)}`);
  }
  const leader = target.includes(p.leader) ? p.leader : NO_NODE;
  return applied(putPartition(image, { ...p, replicas: target, adding: [], removing: [], leader }));
}

/**
 * Kafka's revert: the target becomes the original replicas (the replicas minus those being added,
 * in their current order), the nodes being added are now being removed, and the nodes that were
 * being removed are being added back (the group may already have dropped them). The group's leader
 * drives the membership towards the new target with the same nextMembershipStep.
 */
export function applyCancelReassignment(image: MetadataImage, r: CancelReassignment): ApplyResult {
  const p = partitionOfGroup(image, r.groupId);
  if (p === undefined) return rejected(image, 'RUNNEL_ERR_UNKNOWN_PARTITION', `group ${r.groupId}`);
  if (!isReassigning(p)) return rejected(image, 'RUNNEL_ERR_NO_REASSIGNMENT_IN_PROGRESS', partitionName(p));
  const original = p.replicas.filter((n) => !p.adding.includes(n));
  return applied(putPartition(image, { ...p, replicas: [...original, ...p.adding], adding: p.removing, removing: p.adding }));
}

function sameList(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}
