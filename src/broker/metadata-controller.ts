import type { Clock, Logger, NodeId } from '../core/index.js';
import { encodeRecord, expiredNodes, heartbeatRecordDue, outcomeError, type MetadataRecord } from '../metadata/index.js';
import type { MultiRaft } from '../multiraft/index.js';
import { StateType } from '../raft/index.js';
import { BROKER_DEFAULTS, type NodeHeartbeatRequest } from './broker-options.js';
import { notLeaderError, withLeaderHint, withTimeout } from './errors.js';
import type { MetadataStateMachine } from './metadata-state-machine.js';

export const METADATA_GROUP = 0;

/**
 * This node's part in the metadata group as a proposer: records go to the group, and the answer is
 * the record's apply outcome here. On the metadata leader it also runs liveness (docs/METADATA.md):
 * registrations, heartbeat records, fencing expired sessions, partition leader reports and
 * completed reassignments — one proposal per subject at a time.
 */
export class MetadataController {
  /** When this node last became the metadata leader (sessions are judged from no earlier). */
  leaderSinceMs = 0;
  // Liveness proposals in flight, by subject.
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly nodeId: NodeId,
    private readonly mr: MultiRaft,
    private readonly meta: MetadataStateMachine,
    private readonly clock: Clock,
    private readonly sessionTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  isLeader(): boolean {
    return this.mr.status(METADATA_GROUP)?.softState.state === StateType.Leader;
  }

  leaderId(): NodeId {
    return this.mr.leaderOf(METADATA_GROUP);
  }

  /** Throws NOT_LEADER with the metadata leader's address when this node is not it. */
  requireLeader(): void {
    if (!this.isLeader()) throw notLeaderError(this.meta.image, this.nodeId, 'the metadata group', this.leaderId(), METADATA_GROUP);
  }

  /** Propose a record and resolve once it is applied here; rejects with the apply outcome's error. */
  async propose(record: MetadataRecord, timeoutMs: number): Promise<void> {
    let result;
    try {
      result = await withTimeout(this.mr.propose(METADATA_GROUP, encodeRecord(record), { waitFor: 'committed' }), timeoutMs);
    } catch (err) {
      throw withLeaderHint(err, this.meta.image, this.nodeId, 'the metadata group');
    }
    const outcome = this.meta.outcomeAt(result.index);
    const err = outcome && outcomeError(outcome);
    if (err) throw err;
  }

  /** The metadata leader's side of a node heartbeat (the internal RPC, or this node's own). */
  async handleNodeHeartbeat(req: NodeHeartbeatRequest): Promise<void> {
    this.requireLeader();
    const jobs: Promise<void>[] = [];
    const registration = this.registrationRecord(req);
    if (registration) jobs.push(this.proposeOnce(`node:${req.nodeId}`, registration));
    for (const c of req.completedReassignments ?? []) {
      this.logger.info({ groupId: c.groupId, target: c.targetReplicas }, 'broker: reassignment complete');
      jobs.push(this.proposeOnce(`complete:${c.groupId}`, { type: 'CompleteReassignment', groupId: c.groupId, targetReplicas: c.targetReplicas }));
    }
    for (const r of req.leaderReports) {
      jobs.push(this.proposeOnce(`leader:${r.groupId}:${r.term}`, { type: 'PartitionLeaderChange', groupId: r.groupId, leader: r.leader, term: r.term }));
    }
    await Promise.all(jobs);
  }

  /** Fence (graceful stop), register (new node, incarnation or addresses), or a due heartbeat record. */
  private registrationRecord(req: NodeHeartbeatRequest): MetadataRecord | undefined {
    const image = this.meta.image;
    const now = this.clock.nowMs();
    const node = image.nodes.get(req.nodeId);
    const { nodeId, incarnationId } = req;
    if (req.fence) {
      const live = node && node.incarnationId === incarnationId && !node.fenced;
      return live ? { type: 'FenceNode', nodeId, incarnationId, lastHeartbeatMs: node.lastHeartbeatMs, leaderTimeMs: now } : undefined;
    }
    if (!node || node.incarnationId !== incarnationId || node.clientAddress !== req.clientAddress || node.peerAddress !== req.peerAddress) {
      return { type: 'RegisterNode', nodeId, incarnationId, clientAddress: req.clientAddress, peerAddress: req.peerAddress, leaderTimeMs: now };
    }
    if (heartbeatRecordDue(image, nodeId, incarnationId, this.livenessClock(now))) return { type: 'NodeHeartbeat', nodeId, incarnationId, leaderTimeMs: now };
    return undefined;
  }

  /** Metadata leader: fence the nodes whose session expired. */
  fenceExpired(): void {
    for (const f of expiredNodes(this.meta.image, this.livenessClock(this.clock.nowMs()))) {
      this.logger.warn({ fenced: f.nodeId }, 'broker: fencing a node whose session expired');
      // Its own key: a registration retry of the node's next incarnation must not starve the fence.
      void this.proposeOnce(`fence:${f.nodeId}`, f).catch(() => {});
    }
  }

  private livenessClock(nowMs: number): { nowMs: number; sessionTimeoutMs: number; leaderSinceMs: number } {
    return { nowMs, sessionTimeoutMs: this.sessionTimeoutMs, leaderSinceMs: this.leaderSinceMs };
  }

  /** Propose a liveness record unless one for the same subject is in flight. */
  private async proposeOnce(key: string, record: MetadataRecord): Promise<void> {
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    try {
      await this.propose(record, BROKER_DEFAULTS.adminTimeoutMsDefault);
    } finally {
      this.inFlight.delete(key);
    }
  }
}
