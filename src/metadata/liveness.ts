import type { NodeId } from '../core/index.js';
import type { MetadataImage } from './metadata-image.js';
import type { FenceNode } from './metadata-record.js';
import type { Uuid } from './uuid.js';

/**
 * Liveness has two halves. On every node, alive means what the image says: registered and not
 * fenced — a fact of the log, the same on every replica. Only the metadata leader reads a clock: it
 * stamps heartbeats with its time and, when a node's last recorded heartbeat is more than
 * `sessionTimeoutMs` behind its clock, proposes a FenceNode (KRaft fences brokers the same way).
 */
export interface LivenessClock {
  /** The metadata leader's clock. */
  readonly nowMs: number;
  readonly sessionTimeoutMs: number;
  /**
   * When this node became metadata leader. Sessions are judged from no earlier than this, so a new
   * leader gives every node a full session to reach it before fencing (KRaft resets sessions on
   * failover), and a leader whose clock runs ahead of the old one's fences nobody early.
   */
  readonly leaderSinceMs: number;
}

/** The FenceNode records the metadata leader should propose now, in node id order. */
export function expiredNodes(image: MetadataImage, clock: LivenessClock): FenceNode[] {
  const out: FenceNode[] = [];
  for (const node of [...image.nodes.values()].sort((a, b) => a.nodeId - b.nodeId)) {
    const judgedFromMs = Math.max(node.lastHeartbeatMs, clock.leaderSinceMs);
    if (node.fenced || clock.nowMs - judgedFromMs <= clock.sessionTimeoutMs) continue;
    out.push({
      type: 'FenceNode',
      nodeId: node.nodeId,
      incarnationId: node.incarnationId,
      lastHeartbeatMs: node.lastHeartbeatMs,
      leaderTimeMs: clock.nowMs,
    });
  }
  return out;
}

/**
 * Whether the leader should write a heartbeat it received into the log. Writing every heartbeat
 * would fill the metadata log with liveness noise, so the leader writes one when the node is fenced
 * (to unfence it) or its recorded heartbeat is older than a third of the session timeout. The cost
 * is precision: a silent node is fenced after more than 2/3 and at most 1 session timeout of silence
 * (plus however often the leader calls expiredNodes), never sooner.
 */
export function heartbeatRecordDue(image: MetadataImage, nodeId: NodeId, incarnationId: Uuid, clock: LivenessClock): boolean {
  const node = image.nodes.get(nodeId);
  if (node === undefined || node.incarnationId !== incarnationId) return false; // it must register first
  return node.fenced || clock.nowMs - node.lastHeartbeatMs >= clock.sessionTimeoutMs / 3;
}

export function isAlive(image: MetadataImage, nodeId: NodeId): boolean {
  const node = image.nodes.get(nodeId);
  return node !== undefined && !node.fenced;
}
