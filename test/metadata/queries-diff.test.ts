import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyRecord,
  describeCluster,
  describePartition,
  describeTopic,
  diff,
  emptyImage,
  hostedPartitions,
  listReassignments,
  listTopics,
  partitionByGroup,
} from '../../src/metadata/index.js';
import { cluster, createTopic, expectThrowsCode, logArb, mustApply, register } from './helpers.js';

describe('queries', () => {
  it('describes the cluster and topics in a fixed order', () => {
    let image = mustApply(mustApply(emptyImage, register(3)), register(1));
    image = createTopic(createTopic(image, 'zeta', 1, 1), 'alpha', 2, 2);
    expect(describeCluster(image).nodes.map((n) => n.nodeId)).toEqual([1, 3]);
    expect(listTopics(image).map((t) => t.name)).toEqual(['alpha', 'zeta']);
    expect(describeTopic(image, 'alpha').partitions).toHaveLength(2);
    expectThrowsCode(() => describeTopic(image, 'nope'), 'RUNNEL_ERR_UNKNOWN_TOPIC');
    expectThrowsCode(() => describePartition(image, 'alpha', 2), 'RUNNEL_ERR_UNKNOWN_PARTITION');
  });

  it('maps partitions to group ids and back, and lists what each node hosts', () => {
    const image = createTopic(cluster(3), 'orders', 4, 2);
    for (const p of describeTopic(image, 'orders').partitions) {
      expect(partitionByGroup(image, p.groupId)).toBe(p);
      expect(describePartition(image, 'orders', p.partition)).toBe(p);
    }
    expect(partitionByGroup(image, 0)).toBeUndefined(); // the metadata group is no partition
    const hosted = [1, 2, 3].map((n) => hostedPartitions(image, n));
    expect(hosted.flat()).toHaveLength(8);
    expect(listReassignments(image)).toEqual([]);
    const moving = mustApply(image, { type: 'ReassignPartition', groupId: describePartition(image, 'orders', 2).groupId, targetReplicas: [1, 2, 3] });
    expect(listReassignments(moving).map((p) => p.partition)).toEqual([2]);
    for (const list of hosted) expect(list.map((p) => p.groupId)).toEqual([...list.map((p) => p.groupId)].sort((a, b) => a - b));
  });
});

describe('change feed', () => {
  it('turns the hosted set before into the hosted set after, for every node and every record', () => {
    fc.assert(
      fc.property(logArb, (log) => {
        let image = emptyImage;
        for (const e of log) {
          const next = applyRecord(image, e.record, e.index).image;
          for (const node of [1, 2, 3, 4, 5, 6]) {
            const changes = diff(image, next, node);
            const before = new Set(hostedPartitions(image, node).map((p) => p.groupId));
            for (const p of changes.removed) expect(before.delete(p.groupId)).toBe(true);
            for (const p of changes.added) {
              expect(before.has(p.groupId)).toBe(false);
              before.add(p.groupId);
            }
            expect([...before].sort((a, b) => a - b)).toEqual(hostedPartitions(next, node).map((p) => p.groupId));
            for (const p of changes.moved) expect(partitionByGroup(next, p.groupId)).toBe(p);
          }
          image = next;
        }
      }),
      { numRuns: 150 },
    );
  });

  it('reports nothing for a record that changed no partition, and peers whose addresses changed', () => {
    const image = createTopic(cluster(2), 'a', 2, 2);
    const p = describePartition(image, 'a', 0);
    const led = mustApply(image, { type: 'PartitionLeaderChange', groupId: p.groupId, leader: p.replicas[0]!, term: 1 });
    expect(diff(image, led, 1)).toEqual({ added: [], removed: [], moved: [], peersChanged: [] });
    const joined = mustApply(image, register(3));
    expect(diff(image, joined, 1).peersChanged).toEqual([3]);
  });
});
