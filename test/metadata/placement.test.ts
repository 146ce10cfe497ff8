import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/core/index.js';
import { type PlacementNode, assignReplicas, findTopic, listTopics, proposeCreatePartitions, rackAlternated } from '../../src/metadata/index.js';
import { cluster, createTopic, mustApply } from './helpers.js';

function counts(ids: readonly NodeId[], nodes: readonly PlacementNode[]): number[] {
  return nodes.map((n) => ids.filter((x) => x === n.nodeId).length);
}

function spread(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values);
}

const nodesArb = (racks: boolean): fc.Arbitrary<PlacementNode[]> =>
  fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 12 }).chain((ids) =>
    racks
      ? fc.array(fc.constantFrom('r1', 'r2', 'r3', 'r4'), { minLength: ids.length, maxLength: ids.length }).map((rs) => ids.map((nodeId, i) => ({ nodeId, rack: rs[i]! })))
      : fc.constant(ids.map((nodeId) => ({ nodeId }))),
  );

const inputArb = (racks: boolean) =>
  nodesArb(racks).chain((nodes) =>
    fc.record({
      nodes: fc.constant(nodes),
      partitions: fc.integer({ min: 1, max: 60 }),
      replicationFactor: fc.integer({ min: 1, max: Math.min(nodes.length, 7) }),
      startIndex: fc.nat({ max: 100 }),
      replicaShift: fc.nat({ max: 100 }),
      firstPartition: fc.nat({ max: 30 }),
    }),
  );

describe('placement', () => {
  it("matches Kafka's assignReplicasToBrokers for 5 brokers, 10 partitions, RF 3, start 0 (ids shifted by 1)", () => {
    const nodes = [1, 2, 3, 4, 5].map((nodeId) => ({ nodeId }));
    const kafka = [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 1], [0, 2, 3], [1, 3, 4], [2, 4, 0], [3, 0, 1], [4, 1, 2]];
    const ours = assignReplicas({ nodes, partitions: 10, replicationFactor: 3, startIndex: 0, replicaShift: 0 });
    expect(ours).toEqual(kafka.map((r) => r.map((n) => n + 1)));
  });

  it("alternates racks like Kafka's getRackAlternatedBrokerList", () => {
    const nodes = [
      { nodeId: 0 + 1, rack: 'rack1' }, { nodeId: 1 + 1, rack: 'rack3' }, { nodeId: 2 + 1, rack: 'rack3' },
      { nodeId: 3 + 1, rack: 'rack2' }, { nodeId: 4 + 1, rack: 'rack2' }, { nodeId: 5 + 1, rack: 'rack1' },
    ];
    expect(rackAlternated(nodes).map((n) => n - 1)).toEqual([0, 3, 1, 5, 4, 2]); // Kafka's AdminRackAwareTest
    const kafka = [[0, 3, 1], [3, 1, 5], [1, 5, 4], [5, 4, 2], [4, 2, 0], [2, 0, 3], [0, 4, 2]];
    const ours = assignReplicas({ nodes, partitions: 7, replicationFactor: 3, startIndex: 0, replicaShift: 0 });
    expect(ours.map((r) => r.map((n) => n - 1))).toEqual(kafka);
  });

  it('gives every partition RF distinct nodes of the input, leaders balanced within 1 (with or without racks)', () => {
    fc.assert(
      fc.property(fc.boolean().chain(inputArb), (input) => {
        const out = assignReplicas(input);
        expect(out).toHaveLength(input.partitions);
        const ids = new Set(input.nodes.map((n) => n.nodeId));
        const bad = out.find((r) => r.length !== input.replicationFactor || new Set(r).size !== r.length || !r.every((n) => ids.has(n)));
        expect(bad).toBeUndefined();
        expect(spread(counts(out.map((r) => r[0]!), input.nodes))).toBeLessThanOrEqual(1);
      }),
      { numRuns: 1000 },
    );
  });

  it('without racks, from partition 0: each replica position is balanced within 1, so replicas per node within RF (exact when n divides P)', () => {
    fc.assert(
      fc.property(inputArb(false), (input) => {
        const out = assignReplicas({ ...input, firstPartition: 0 });
        for (let j = 0; j < input.replicationFactor; j++) {
          expect(spread(counts(out.map((r) => r[j]!), input.nodes))).toBeLessThanOrEqual(1);
        }
        const perNode = counts(out.flat(), input.nodes);
        expect(spread(perNode)).toBeLessThanOrEqual(input.replicationFactor);
        if (input.partitions % input.nodes.length === 0) expect(spread(perNode)).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('with racks: every replica set spans min(RF, racks) racks', () => {
    fc.assert(
      fc.property(inputArb(true), (input) => {
        const rackOf = new Map(input.nodes.map((n) => [n.nodeId, n.rack!]));
        const racks = new Set(rackOf.values()).size;
        const spans = assignReplicas(input).map((replicas) => new Set(replicas.map((n) => rackOf.get(n))).size);
        expect(spans.every((n) => n === Math.min(input.replicationFactor, racks))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('with racks of equal size, from partition 0: replicas per node within RF', () => {
    const equalRacks = fc.record({ racks: fc.integer({ min: 1, max: 4 }), perRack: fc.integer({ min: 1, max: 4 }) }).map(({ racks, perRack }) =>
      Array.from({ length: racks * perRack }, (_, i) => ({ nodeId: i + 1, rack: `r${i % racks}` })),
    );
    fc.assert(
      fc.property(equalRacks, fc.integer({ min: 1, max: 60 }), fc.nat({ max: 50 }), fc.nat({ max: 50 }), fc.nat({ max: 6 }), (nodes, partitions, startIndex, replicaShift, rf) => {
        const replicationFactor = Math.min(nodes.length, rf + 1);
        const out = assignReplicas({ nodes, partitions, replicationFactor, startIndex, replicaShift });
        expect(spread(counts(out.flat(), nodes))).toBeLessThanOrEqual(replicationFactor);
      }),
      { numRuns: 1000 },
    );
  });

  it('is deterministic and ignores the order nodes are given in', () => {
    fc.assert(
      fc.property(fc.boolean().chain(inputArb), (input) => {
        const reversed = { ...input, nodes: [...input.nodes].reverse() };
        expect(assignReplicas(reversed)).toEqual(assignReplicas(input));
      }),
      { numRuns: 300 },
    );
  });

  it('ignores racks unless every node has one', () => {
    const mixed = [{ nodeId: 1, rack: 'a' }, { nodeId: 2 }, { nodeId: 3, rack: 'b' }];
    const plain = [{ nodeId: 1 }, { nodeId: 2 }, { nodeId: 3 }];
    const args = { partitions: 6, replicationFactor: 2, startIndex: 1, replicaShift: 2 };
    expect(assignReplicas({ nodes: mixed, ...args })).toEqual(assignReplicas({ nodes: plain, ...args }));
  });

  it('rotates leaders across topics too: with a fixed node set, cluster-wide leaders stay balanced within 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 15 }), (n, sizes) => {
        let image = cluster(n);
        sizes.forEach((partitions, i) => (image = createTopic(image, `t${i}`, partitions, Math.min(n, 3))));
        const leaders = listTopics(image).flatMap((t) => t.partitions.map((p) => p.replicas[0]!));
        const perNode = Array.from({ length: n }, (_, i) => leaders.filter((l) => l === i + 1).length);
        expect(spread(perNode)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });

  it("continues a topic's leader rotation when partitions are added", () => {
    let image = createTopic(cluster(4), 'pre', 1, 1); // so the topic does not start at node 1
    image = createTopic(image, 'a', 3, 2);
    image = createTopic(image, 'pad', 2, 1); // other topics move the cluster counter meanwhile
    image = mustApply(image, proposeCreatePartitions(image, 'a', 6));
    expect(findTopic(image, 'a')!.partitions.map((p) => p.replicas[0])).toEqual([2, 3, 4, 1, 2, 3]);
  });
});
