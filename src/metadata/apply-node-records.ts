import type { Index, NodeId } from '../core/index.js';
import { type ApplyResult, applied, ignored, rejected } from './apply-outcome.js';
import { deleteNode, putNode } from './image-updates.js';
import type { MetadataImage, NodeImage } from './metadata-image.js';
import type { FenceNode, NodeHeartbeat, RegisterNode, UnregisterNode } from './metadata-record.js';

/**
 * Registration and liveness. Only the metadata leader reads a clock: it stamps its time into
 * heartbeats and decides when a session expired (liveness.ts); on apply the image only records those
 * decisions, so replaying the log gives every node the same liveness.
 */

/**
 * A new incarnation replaces the old one only once the old one is fenced (KRaft's rule): two live
 * processes must never share a node id, and a delayed retry of an old registration must not evict
 * the process that restarted after it.
 */
export function applyRegisterNode(image: MetadataImage, r: RegisterNode, index: Index): ApplyResult {
  const prev = image.nodes.get(r.nodeId);
  if (prev !== undefined && prev.incarnationId === r.incarnationId) {
    return sameAddresses(prev, r)
      ? ignored(image, `node ${r.nodeId} is already registered with this incarnation`)
      : rejected(image, 'RUNNEL_ERR_INVALID_REQUEST', `node ${r.nodeId} re-registered incarnation ${r.incarnationId} with other addresses`);
  }
  if (prev !== undefined && !prev.fenced) {
    return rejected(image, 'RUNNEL_ERR_DUPLICATE_NODE_REGISTRATION', r.nodeId, prev.incarnationId);
  }
  if (r.clientAddress === '' || r.peerAddress === '') {
    return rejected(image, 'RUNNEL_ERR_INVALID_REQUEST', `node ${r.nodeId} registered without an address`);
  }
  const node: NodeImage = {
    nodeId: r.nodeId,
    incarnationId: r.incarnationId,
    clientAddress: r.clientAddress,
    peerAddress: r.peerAddress,
    rack: r.rack,
    livenessEpoch: index,
    fenced: false,
    lastHeartbeatMs: Math.max(prev?.lastHeartbeatMs ?? 0, r.leaderTimeMs),
  };
  return applied(putNode(image, node));
}

function sameAddresses(n: NodeImage, r: RegisterNode): boolean {
  return n.clientAddress === r.clientAddress && n.peerAddress === r.peerAddress && n.rack === r.rack;
}

/**
 * lastHeartbeatMs never decreases: a new metadata leader whose clock lags the old one's must not make
 * a node look older than it is. A heartbeat unfences a fenced node (a new liveness epoch).
 */
export function applyNodeHeartbeat(image: MetadataImage, r: NodeHeartbeat, index: Index): ApplyResult {
  const node = image.nodes.get(r.nodeId);
  if (node === undefined) return rejected(image, 'RUNNEL_ERR_UNKNOWN_NODE', r.nodeId);
  if (node.incarnationId !== r.incarnationId) {
    return rejected(image, 'RUNNEL_ERR_STALE_NODE_INCARNATION', r.nodeId, r.incarnationId);
  }
  const lastHeartbeatMs = Math.max(node.lastHeartbeatMs, r.leaderTimeMs);
  const livenessEpoch = node.fenced ? index : node.livenessEpoch;
  return applied(putNode(image, { ...node, lastHeartbeatMs, fenced: false, livenessEpoch }));
}

/**
 * A compare-and-set on lastHeartbeatMs: the leader fences by what it saw, so if a heartbeat was
 * applied after the leader decided, the fence lost the race and changes nothing.
 */
export function applyFenceNode(image: MetadataImage, r: FenceNode, index: Index): ApplyResult {
  const node = image.nodes.get(r.nodeId);
  if (node === undefined || node.incarnationId !== r.incarnationId) {
    return ignored(image, `node ${r.nodeId} incarnation ${r.incarnationId} is no longer registered`);
  }
  if (node.fenced) return ignored(image, `node ${r.nodeId} is already fenced`);
  if (node.lastHeartbeatMs !== r.lastHeartbeatMs) {
    return ignored(image, `node ${r.nodeId} heartbeated at ${node.lastHeartbeatMs} after the leader judged ${r.lastHeartbeatMs}`);
  }
  return applied(putNode(image, { ...node, fenced: true, livenessEpoch: index }));
}

/** Decommissioning: only a node that hosts no replica may leave (reassign its partitions first). */
export function applyUnregisterNode(image: MetadataImage, r: UnregisterNode): ApplyResult {
  if (!image.nodes.has(r.nodeId)) return rejected(image, 'RUNNEL_ERR_UNKNOWN_NODE', r.nodeId);
  const hosted = replicaCount(image, r.nodeId);
  if (hosted > 0) {
    return rejected(image, 'RUNNEL_ERR_INVALID_REQUEST', `node ${r.nodeId} still hosts ${hosted} partition replicas; reassign them first`);
  }
  return applied(deleteNode(image, r.nodeId));
}

function replicaCount(image: MetadataImage, nodeId: NodeId): number {
  let n = 0;
  for (const t of image.topics.values()) for (const p of t.partitions) if (p.replicas.includes(nodeId)) n++;
  return n;
}
