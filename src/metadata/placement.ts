import { assert, type NodeId } from '../core/index.js';

/**
 * Replica placement: Kafka's `AdminUtils.assignReplicasToBrokers`, made deterministic by taking the
 * start index and replica shift as inputs (Kafka draws them at random; the proposer derives them
 * from the image, see proposals.ts) so one input always gives one assignment.
 *
 * Partition p (counting from `firstPartition`) is led by node `(p + startIndex) mod n` of the node
 * list, and its j-th follower sits `1 + (shift + j) mod (n - 1)` places after the leader; the shift
 * grows by one every n partitions so followers do not always pair up the same way.
 *
 * Guarantees, for n nodes, RF <= n, and P partitions placed in one call:
 *  1. every replica set holds exactly RF distinct nodes of the input (rack-aware or not);
 *  2. leaders (first replicas) are consecutive in the node list, so every node leads floor(P/n) or
 *     ceil(P/n) of the P partitions: balanced within 1;
 *  3. without racks and with firstPartition = 0, for each replica position every node is used
 *     floor(P/n) or ceil(P/n) times, so replicas per node differ by at most RF, and not at all when
 *     n divides P;
 *  4. with racks (every node has one), each replica set spans min(RF, racks) distinct racks, and the
 *     leaders follow Kafka's rack-alternated node order, so consecutive partitions are led from
 *     different racks; when every rack has the same number of nodes and firstPartition = 0, replicas
 *     per node differ by at most RF (unequal racks can unbalance nodes, as in Kafka).
 * (test/metadata/placement.test.ts checks each as a property.) Across topics the proposer keeps
 * leaders rotating (proposals.ts), which is not a property of one call.
 */
export interface PlacementNode {
  readonly nodeId: NodeId;
  readonly rack?: string | undefined;
}

export interface PlacementInput {
  /** The nodes to place on (live nodes); any order, no duplicates. */
  readonly nodes: readonly PlacementNode[];
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Which position of the (arranged) node list leads partition 0; any integer >= 0. */
  readonly startIndex: number;
  /** Kafka's `nextReplicaShift`: how far from the leader the first follower sits; any integer >= 0. */
  readonly replicaShift: number;
  /** Kafka's `startPartitionId`: the number of the first partition placed (for added partitions). */
  readonly firstPartition?: number;
}

/** The replica list of each placed partition, preferred leader first. */
export function assignReplicas(input: PlacementInput): NodeId[][] {
  const n = input.nodes.length;
  assert(new Set(input.nodes.map((x) => x.nodeId)).size === n, 'placement nodes must be distinct');
  assert(input.replicationFactor >= 1 && input.replicationFactor <= n, () => `replication factor ${input.replicationFactor} with ${n} nodes`);
  assert(input.startIndex >= 0 && input.replicaShift >= 0, 'placement start and shift must be >= 0');
  return hasRacks(input.nodes) ? rackAware(input) : rackUnaware(input);
}

/** Racks count only when every node has one (Kafka refuses a mix; Runnel ignores racks then). */
export function hasRacks(nodes: readonly PlacementNode[]): boolean {
  return nodes.length > 0 && nodes.every((x) => x.rack !== undefined);
}

function rackUnaware(input: PlacementInput): NodeId[][] {
  const ids = input.nodes.map((x) => x.nodeId).sort((a, b) => a - b);
  return eachPartition(input, ids.length, (first, shift) => {
    const replicas = [ids[first]!];
    for (let j = 0; j < input.replicationFactor - 1; j++) replicas.push(ids[followerIndex(first, shift, j, ids.length)]!);
    return replicas;
  });
}

/**
 * Kafka's rack-aware variant: walk the rack-alternated list and take the next node whose rack holds
 * no replica yet (while some rack has none) and which holds no replica itself (while some node has
 * none).
 */
function rackAware(input: PlacementInput): NodeId[][] {
  const arranged = rackAlternated(input.nodes);
  const rackOf = new Map(input.nodes.map((x) => [x.nodeId, x.rack!]));
  const rackCount = new Set(rackOf.values()).size;
  return eachPartition(input, arranged.length, (first, shift) => {
    const leader = arranged[first]!;
    const replicas = [leader];
    const racks = new Set([rackOf.get(leader)!]);
    let k = 0;
    while (replicas.length < input.replicationFactor) {
      assert(k < arranged.length * input.replicationFactor, 'rack-aware placement made no progress');
      const node = arranged[followerIndex(first, shift * rackCount, k++, arranged.length)]!;
      const rack = rackOf.get(node)!;
      const rackOk = !racks.has(rack) || racks.size === rackCount;
      const nodeOk = !replicas.includes(node); // Kafka's "or every node holds one" never applies: RF <= n
      if (rackOk && nodeOk) {
        replicas.push(node);
        racks.add(rack);
      }
    }
    return replicas;
  });
}

/**
 * Kafka's partition loop: the leader of partition p is at (p + startIndex) mod n, and the shift
 * grows each time p crosses a multiple of n.
 */
function eachPartition(input: PlacementInput, n: number, place: (first: number, shift: number) => NodeId[]): NodeId[][] {
  const firstPartition = input.firstPartition ?? 0;
  let shift = input.replicaShift;
  const out: NodeId[][] = [];
  for (let p = firstPartition; p < firstPartition + input.partitions; p++) {
    if (p > 0 && p % n === 0) shift++;
    out.push(place((p + input.startIndex) % n, shift));
  }
  return out;
}

/** Kafka's `replicaIndex`: never 0 places from the leader, so never the leader itself. */
function followerIndex(first: number, shift: number, j: number, n: number): number {
  return (first + 1 + ((shift + j) % (n - 1))) % n;
}

/**
 * Kafka's `getRackAlternatedBrokerList`: racks in name order, nodes in id order within a rack, taking
 * one node from each rack in turn: [r1n1, r2n1, r3n1, r1n2, ...].
 */
export function rackAlternated(nodes: readonly PlacementNode[]): NodeId[] {
  const byRack = new Map<string, NodeId[]>();
  for (const x of [...nodes].sort((a, b) => a.nodeId - b.nodeId)) {
    const list = byRack.get(x.rack!) ?? [];
    list.push(x.nodeId);
    byRack.set(x.rack!, list);
  }
  const queues = [...byRack.keys()].sort().map((r) => byRack.get(r)!);
  const out: NodeId[] = [];
  for (let round = 0; out.length < nodes.length; round++) {
    for (const q of queues) if (round < q.length) out.push(q[round]!);
  }
  return out;
}
