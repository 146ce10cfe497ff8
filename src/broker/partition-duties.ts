import type { GroupId, Logger, NodeId } from '../core/index.js';
import { nextMembershipStep, partitionByGroup, targetReplicas, type MembershipStep, type MetadataImage, type PartitionImage } from '../metadata/index.js';
import type { GroupStatus, MultiRaft } from '../multiraft/index.js';
import { ConfChangeType, StateType } from '../raft/index.js';
import type { NodeHeartbeatRequest } from './broker-options.js';

/** A learner is promoted once at most this many entries behind the leader (the core allows 1,000). */
export const reassignmentPromoteLagMax = 100;

/**
 * What a partition leader does besides serving: report its leadership into the image, hand
 * leadership to the preferred replica, and drive reassignments through Raft membership changes.
 * Run on every heartbeat tick over the groups this node hosts.
 */
export class PartitionDuties {
  // Membership changes in flight, one per group.
  private readonly moving = new Set<GroupId>();

  constructor(
    private readonly nodeId: NodeId,
    private readonly mr: MultiRaft,
    private readonly logger: Logger,
  ) {}

  /** The hosted groups this node leads, with their partition in the image. */
  private *led(image: MetadataImage, groupIds: Iterable<GroupId>): Generator<{ groupId: GroupId; p: PartitionImage; st: GroupStatus }> {
    for (const groupId of groupIds) {
      const st = this.mr.status(groupId);
      const p = partitionByGroup(image, groupId);
      if (st && p && st.softState.state === StateType.Leader) yield { groupId, p, st };
    }
  }

  /** Partition groups this node leads whose leadership the image does not show yet. */
  leaderReports(image: MetadataImage, groupIds: Iterable<GroupId>): NodeHeartbeatRequest['leaderReports'] {
    const out: { groupId: GroupId; leader: NodeId; term: number }[] = [];
    for (const { groupId, p, st } of this.led(image, groupIds)) {
      if (p.leader !== this.nodeId || p.leaderTerm < st.hardState.term) out.push({ groupId, leader: this.nodeId, term: st.hardState.term });
    }
    return out;
  }

  /**
   * Moving partitions led here whose *committed* group membership equals the target. Committed, not
   * just appended: a removed replica deletes its data as soon as the image says the move is
   * complete, and while the removal is uncommitted a new leader may still count that node as a
   * voter — whose empty new replica would then grant votes its old one would have refused (the chaos
   * harness found a leader elected without committed entries this way).
   */
  completedReassignments(image: MetadataImage, groupIds: Iterable<GroupId>): NonNullable<NodeHeartbeatRequest['completedReassignments']> {
    const out: { groupId: GroupId; targetReplicas: NodeId[] }[] = [];
    for (const { groupId, p, st } of this.led(image, groupIds)) {
      if (!moving(p)) continue;
      const target = targetReplicas(p);
      const done = (cs: typeof st.confState) => nextMembershipStep(cs, target, this.nodeId).kind === 'complete';
      if (done(st.committedConfState) && done(st.confState)) out.push({ groupId, targetReplicas: target });
    }
    return out;
  }

  /**
   * Preferred leaders (Kafka's auto leader rebalance): a partition led here whose first replica is
   * another live node that has the whole log is handed to it, so leaders follow the placement's
   * spread instead of whichever replica won the first election.
   */
  balanceLeaders(image: MetadataImage, groupIds: Iterable<GroupId>): void {
    for (const { groupId, p, st } of this.led(image, groupIds)) {
      const preferred = p.replicas[0];
      if (preferred === undefined || preferred === this.nodeId || moving(p)) continue;
      const node = image.nodes.get(preferred);
      if (!node || node.fenced || st.matches.get(preferred) !== st.lastIndex) continue;
      if (this.mr.transferLeadership(groupId, preferred)) this.logger.info({ groupId, to: preferred }, 'broker: moving leadership to the preferred replica');
    }
  }

  /**
   * Reassignments (docs/METADATA.md): the leader of a moving partition's group takes the next single
   * membership step towards the target, one in flight per group. At 'complete' nothing is proposed
   * here: completedReassignments() reports it to the metadata leader with the next heartbeat.
   */
  driveReassignments(image: MetadataImage, groupIds: Iterable<GroupId>): void {
    for (const { groupId, p, st } of this.led(image, groupIds)) {
      if (!moving(p) || this.moving.has(groupId)) continue;
      const step = nextMembershipStep(st.confState, targetReplicas(p), this.nodeId);
      const job = this.membershipStep(groupId, step, st);
      if (!job) continue;
      this.moving.add(groupId);
      job
        .catch((err: unknown) => this.logger.debug({ groupId, step: step.kind, err: String(err) }, 'broker: reassignment step failed; retrying'))
        .finally(() => this.moving.delete(groupId));
    }
  }

  private membershipStep(groupId: GroupId, step: MembershipStep, st: GroupStatus): Promise<unknown> | undefined {
    switch (step.kind) {
      case 'addLearner':
        return this.mr.proposeConfChange(groupId, { type: ConfChangeType.AddLearner, nodeId: step.nodeId });
      case 'promote':
        if (st.lastIndex - (st.matches.get(step.nodeId) ?? 0) > reassignmentPromoteLagMax) return undefined; // still catching up
        return this.mr.proposeConfChange(groupId, { type: ConfChangeType.AddVoter, nodeId: step.nodeId });
      case 'remove':
        return this.mr.proposeConfChange(groupId, { type: ConfChangeType.RemoveNode, nodeId: step.nodeId });
      case 'transferLeadership':
        this.mr.transferLeadership(groupId, step.to);
        return undefined;
      case 'complete':
        return undefined;
    }
  }
}

function moving(p: PartitionImage): boolean {
  return p.adding.length > 0 || p.removing.length > 0;
}
