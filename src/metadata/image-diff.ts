import type { NodeId } from '../core/index.js';
import type { MetadataImage, NodeImage, PartitionImage, TopicImage } from './metadata-image.js';

/**
 * The change feed a node acts on after applying records: which partition groups to create, remove or
 * reconfigure, and which peers' addresses changed. Computed by comparing two images; since images
 * share unchanged topics and nodes, only changed objects are looked at.
 */
export interface NodeChanges {
  /** Partitions the node hosts now but did not: create their groups (new image's view). */
  readonly added: readonly PartitionImage[];
  /** Partitions the node hosted but no longer does (deleted, or reassigned away): remove their groups (old view). */
  readonly removed: readonly PartitionImage[];
  /** Partitions hosted before and after whose replicas, adding or removing changed (new view). */
  readonly moved: readonly PartitionImage[];
  /** Nodes registered, unregistered, or whose addresses or rack changed: update peer connections. */
  readonly peersChanged: readonly NodeId[];
}

/** What changed for `nodeId` from `before` to `after`; every list in ascending group / node id. */
export function diff(before: MetadataImage, after: MetadataImage, nodeId: NodeId): NodeChanges {
  const added: PartitionImage[] = [];
  const removed: PartitionImage[] = [];
  const moved: PartitionImage[] = [];
  for (const topicId of new Set([...before.topics.keys(), ...after.topics.keys()])) {
    const old = before.topics.get(topicId);
    const now = after.topics.get(topicId);
    if (old === now) continue; // shared by copy-on-write: nothing in it changed
    const was = hostedBy(old, nodeId);
    const is = hostedBy(now, nodeId);
    for (const [groupId, p] of is) {
      const prev = was.get(groupId);
      if (prev === undefined) added.push(p);
      else if (replicasChanged(prev, p)) moved.push(p);
    }
    for (const [groupId, p] of was) if (!is.has(groupId)) removed.push(p);
  }
  const byGroup = (a: PartitionImage, b: PartitionImage): number => a.groupId - b.groupId;
  return { added: added.sort(byGroup), removed: removed.sort(byGroup), moved: moved.sort(byGroup), peersChanged: peersChanged(before, after) };
}

function hostedBy(topic: TopicImage | undefined, nodeId: NodeId): Map<number, PartitionImage> {
  const out = new Map<number, PartitionImage>();
  for (const p of topic?.partitions ?? []) if (p.replicas.includes(nodeId)) out.set(p.groupId, p);
  return out;
}

function replicasChanged(a: PartitionImage, b: PartitionImage): boolean {
  return !sameList(a.replicas, b.replicas) || !sameList(a.adding, b.adding) || !sameList(a.removing, b.removing);
}

function peersChanged(before: MetadataImage, after: MetadataImage): NodeId[] {
  if (before.nodes === after.nodes) return [];
  const ids = new Set([...before.nodes.keys(), ...after.nodes.keys()]);
  return [...ids].filter((id) => !sameAddresses(before.nodes.get(id), after.nodes.get(id))).sort((a, b) => a - b);
}

function sameAddresses(a: NodeImage | undefined, b: NodeImage | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.clientAddress === b.clientAddress && a.peerAddress === b.peerAddress && a.rack === b.rack;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
