import type { NodeId } from '../core/index.js';
import type { PartitionImage } from '../metadata/index.js';

/**
 * The membership a new partition group starts with on this node: a replica being added by a
 * reassignment starts empty (a learner, told its membership by the leader); the others start with
 * the voters and the learners being added.
 */
export function partitionBootstrap(p: PartitionImage, nodeId: NodeId): { voters: NodeId[]; learners: NodeId[] } {
  if (p.adding.includes(nodeId)) return { voters: [], learners: [] };
  return { voters: p.replicas.filter((n) => !p.adding.includes(n)), learners: p.adding.filter((n) => n !== nodeId) };
}
