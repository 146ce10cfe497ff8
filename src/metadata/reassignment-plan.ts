import { assert, type NodeId } from '../core/index.js';

/**
 * Driving a reassignment through the partition group's Raft membership (src/raft: one change at a
 * time, new replicas join as learners and are promoted once caught up). The group leader asks
 * `nextMembershipStep` after each change commits, with the membership it sees now; because the step
 * depends only on that state, a leader that takes over halfway (or a restarted one) continues where
 * the old one stopped. When the membership equals the target the step is `complete`, and the leader
 * proposes CompleteReassignment to the metadata group.
 *
 * Order: shrink first while the group is larger than the target, otherwise add one learner, promote
 * it, then remove one old voter. So the group never has more than max(|current|, |target| + 1)
 * voters, never drops below one, and a voter is removed only while it is not the leader (leadership
 * is transferred to a target voter first).
 */
export type MembershipStep =
  | { readonly kind: 'addLearner'; readonly nodeId: NodeId }
  /** Make the learner a voter (Raft's AddVoter), once its log has caught up with the leader's. */
  | { readonly kind: 'promote'; readonly nodeId: NodeId }
  | { readonly kind: 'remove'; readonly nodeId: NodeId }
  | { readonly kind: 'transferLeadership'; readonly to: NodeId }
  | { readonly kind: 'complete' };

export interface GroupMembership {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** The next single change that moves `m` towards voters = `target` (no learners), led by `leader`. */
export function nextMembershipStep(m: GroupMembership, target: readonly NodeId[], leader: NodeId): MembershipStep {
  assert(target.length > 0 && m.voters.length > 0, 'a group and its target need at least one voter');
  const learner = m.learners[0];
  if (learner !== undefined) {
    return target.includes(learner) ? { kind: 'promote', nodeId: learner } : { kind: 'remove', nodeId: learner };
  }
  const extra = m.voters.filter((v) => !target.includes(v));
  const missing = target.filter((t) => !m.voters.includes(t));
  if (extra.length > 0 && (m.voters.length > target.length || missing.length === 0)) {
    const step = removal(extra, m.voters, target, leader);
    if (step !== undefined) return step;
  }
  if (missing.length > 0) return { kind: 'addLearner', nodeId: missing[0]! };
  return { kind: 'complete' };
}

/** Remove an old voter that is not the leader; if only the leader is left to go, hand leadership over first. */
function removal(extra: NodeId[], voters: readonly NodeId[], target: readonly NodeId[], leader: NodeId): MembershipStep | undefined {
  const follower = extra.find((v) => v !== leader);
  if (follower !== undefined) return { kind: 'remove', nodeId: follower };
  const successor = target.find((t) => voters.includes(t));
  return successor === undefined ? undefined : { kind: 'transferLeadership', to: successor };
}

export interface ReassignmentPlan {
  /** Target nodes that are not replicas yet. */
  readonly adding: readonly NodeId[];
  /** Replicas that are not in the target. */
  readonly removing: readonly NodeId[];
  /** The steps from voters = `current` (led by current[0], no learners) to voters = `target`, ending in `complete`. */
  readonly steps: readonly MembershipStep[];
}

/** The whole plan up front, for `--dry-run` style output and tests; the driver uses nextMembershipStep. */
export function planReassignment(current: readonly NodeId[], target: readonly NodeId[]): ReassignmentPlan {
  const adding = target.filter((n) => !current.includes(n));
  const removing = current.filter((n) => !target.includes(n));
  const steps: MembershipStep[] = [];
  let m: GroupMembership = { voters: [...current], learners: [] };
  let leader = current[0]!;
  const stepsMax = 3 * (current.length + target.length) + 1; // each node: add, promote, remove; plus transfers
  for (;;) {
    assert(steps.length <= stepsMax, 'reassignment plan does not converge');
    const step = nextMembershipStep(m, target, leader);
    steps.push(step);
    if (step.kind === 'complete') return { adding, removing, steps };
    if (step.kind === 'transferLeadership') leader = step.to;
    else m = applyStep(m, step);
  }
}

/** The membership after one change (what Raft's applyChange does for these steps). */
export function applyStep(m: GroupMembership, step: MembershipStep): GroupMembership {
  switch (step.kind) {
    case 'addLearner':
      return { voters: m.voters, learners: [...m.learners, step.nodeId] };
    case 'promote':
      return { voters: [...m.voters, step.nodeId], learners: m.learners.filter((n) => n !== step.nodeId) };
    case 'remove':
      return { voters: m.voters.filter((n) => n !== step.nodeId), learners: m.learners.filter((n) => n !== step.nodeId) };
    default:
      return m;
  }
}
