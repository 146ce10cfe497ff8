import { describe, expect, it } from 'vitest';
import {
  type MetadataRecord,
  applyRecord,
  emptyImage,
  encodeImage,
  findTopic,
  hostedPartitions,
  outcomeError,
  describePartition,
} from '../../src/metadata/index.js';
import { applyAll, cluster, createTopic, expectRejected, expectSound, mustApply, register, t0, uuid } from './helpers.js';

describe('node registration and liveness', () => {
  it('registers a node alive, with its addresses and the registration index as its liveness epoch', () => {
    const image = mustApply(emptyImage, register(1, { rack: 'r1' }));
    expect(image.nodes.get(1)).toEqual({
      nodeId: 1,
      incarnationId: uuid(1, 1),
      clientAddress: '10.0.0.1:9092',
      peerAddress: '10.0.0.1:9093',
      rack: 'r1',
      livenessEpoch: 1,
      fenced: false,
      lastHeartbeatMs: t0,
    });
  });

  it('ignores a duplicate registration of the same incarnation and rejects one with other addresses', () => {
    const image = mustApply(emptyImage, register(1));
    expect(applyRecord(image, register(1), 2).outcome.status).toBe('ignored');
    const moved = { ...register(1), clientAddress: 'elsewhere:1' } as MetadataRecord;
    expectRejected(applyRecord(image, moved, 2).outcome, 'RUNNEL_ERR_INVALID_REQUEST');
  });

  it('lets a new incarnation replace the old one only once the old one is fenced', () => {
    let image = mustApply(emptyImage, register(1));
    const restart = register(1, { incarnation: 2, timeMs: t0 + 100 });
    const early = applyRecord(image, restart, 2);
    expectRejected(early.outcome, 'RUNNEL_ERR_DUPLICATE_NODE_REGISTRATION');
    expect(outcomeError(early.outcome)?.message).toContain(uuid(1, 1));
    image = mustApply(early.image, { type: 'FenceNode', nodeId: 1, incarnationId: uuid(1, 1), lastHeartbeatMs: t0, leaderTimeMs: t0 + 9000 });
    image = mustApply(image, restart);
    expect(image.nodes.get(1)).toMatchObject({ incarnationId: uuid(2, 1), fenced: false, livenessEpoch: 4 });
  });

  it('rejects heartbeats from unknown nodes and stale incarnations; a heartbeat unfences with a new epoch', () => {
    let image = mustApply(emptyImage, register(1));
    expectRejected(applyRecord(image, { type: 'NodeHeartbeat', nodeId: 2, incarnationId: uuid(1, 2), leaderTimeMs: t0 }, 2).outcome, 'RUNNEL_ERR_UNKNOWN_NODE');
    expectRejected(applyRecord(image, { type: 'NodeHeartbeat', nodeId: 1, incarnationId: uuid(9, 1), leaderTimeMs: t0 }, 2).outcome, 'RUNNEL_ERR_STALE_NODE_INCARNATION');
    image = mustApply(image, { type: 'FenceNode', nodeId: 1, incarnationId: uuid(1, 1), lastHeartbeatMs: t0, leaderTimeMs: t0 + 9000 });
    expect(image.nodes.get(1)).toMatchObject({ fenced: true, livenessEpoch: 2 });
    image = mustApply(image, { type: 'NodeHeartbeat', nodeId: 1, incarnationId: uuid(1, 1), leaderTimeMs: t0 + 9500 });
    expect(image.nodes.get(1)).toMatchObject({ fenced: false, livenessEpoch: 3, lastHeartbeatMs: t0 + 9500 });
    image = mustApply(image, { type: 'NodeHeartbeat', nodeId: 1, incarnationId: uuid(1, 1), leaderTimeMs: t0 + 9600 });
    expect(image.nodes.get(1)).toMatchObject({ livenessEpoch: 3 }); // no liveness change, same epoch
  });

  it('never moves lastHeartbeatMs backwards (a new metadata leader with a lagging clock)', () => {
    let image = mustApply(emptyImage, register(1, { timeMs: t0 + 5000 }));
    image = mustApply(image, { type: 'NodeHeartbeat', nodeId: 1, incarnationId: uuid(1, 1), leaderTimeMs: t0 });
    expect(image.nodes.get(1)!.lastHeartbeatMs).toBe(t0 + 5000);
  });

  it('ignores a fence that lost the race with a heartbeat (compare-and-set on lastHeartbeatMs)', () => {
    let image = mustApply(emptyImage, register(1));
    const fence: MetadataRecord = { type: 'FenceNode', nodeId: 1, incarnationId: uuid(1, 1), lastHeartbeatMs: t0, leaderTimeMs: t0 + 9000 };
    image = mustApply(image, { type: 'NodeHeartbeat', nodeId: 1, incarnationId: uuid(1, 1), leaderTimeMs: t0 + 8000 });
    const r = applyRecord(image, fence, 3);
    expect(r.outcome.status).toBe('ignored');
    expect(r.image.nodes.get(1)!.fenced).toBe(false);
    expect(applyRecord(image, { ...fence, incarnationId: uuid(7, 1) } as MetadataRecord, 3).outcome.status).toBe('ignored');
  });

  it('unregisters only a node that hosts no replica', () => {
    let image = createTopic(cluster(3), 'orders', 1, 2);
    const hosting = describePartition(image, 'orders', 0).replicas;
    const idle = [1, 2, 3].find((n) => !hosting.includes(n))!;
    expectRejected(applyRecord(image, { type: 'UnregisterNode', nodeId: hosting[0]! }, 99).outcome, 'RUNNEL_ERR_INVALID_REQUEST');
    expectRejected(applyRecord(image, { type: 'UnregisterNode', nodeId: 42 }, 99).outcome, 'RUNNEL_ERR_UNKNOWN_NODE');
    image = mustApply(image, { type: 'UnregisterNode', nodeId: idle });
    expect(image.nodes.has(idle)).toBe(false);
    expectSound(image);
  });
});

describe('topics', () => {
  it('creates a topic with group ids allocated from the image counter', () => {
    const image = createTopic(cluster(3), 'orders', 3, 3);
    const topic = findTopic(image, 'orders')!;
    expect(topic.partitions.map((p) => p.groupId)).toEqual([1, 2, 3]);
    expect(image.nextGroupId).toBe(4);
    expect(topic.partitions.every((p) => p.replicas.length === 3 && p.leader === 0 && p.leaderTerm === 0)).toBe(true);
    expectSound(image);
  });

  it('settles racing creates of one name the same way on every replica: first wins, second is TOPIC_ALREADY_EXISTS', () => {
    const base = cluster(3);
    const a: MetadataRecord = { type: 'CreateTopic', name: 'orders', topicId: uuid(1), replicationFactor: 1, configs: {}, assignments: [[1]] };
    const b: MetadataRecord = { ...a, topicId: uuid(2), assignments: [[2], [3]] };
    const run = () => applyAll(base, [a, b]);
    const first = run();
    expect(first.outcomes[0]).toEqual({ status: 'applied' });
    expectRejected(first.outcomes[1]!, 'RUNNEL_ERR_TOPIC_ALREADY_EXISTS');
    expect(encodeImage(run().image)).toEqual(encodeImage(first.image));
    expectRejected(applyAll(first.image, [{ ...a, name: 'other' }]).outcomes[0]!, 'RUNNEL_ERR_TOPIC_ALREADY_EXISTS');
  });

  it('rejects at apply time what request validation would have refused', () => {
    const base = cluster(2);
    const ok: MetadataRecord & { type: 'CreateTopic' } = { type: 'CreateTopic', name: 't', topicId: uuid(1), replicationFactor: 2, configs: {}, assignments: [[1, 2]] };
    const cases: [MetadataRecord, string][] = [
      [{ ...ok, name: 'bad name' }, 'RUNNEL_ERR_INVALID_TOPIC'],
      [{ ...ok, replicationFactor: 0, assignments: [[]] }, 'RUNNEL_ERR_INVALID_REPLICATION_FACTOR'],
      [{ ...ok, assignments: [] }, 'RUNNEL_ERR_INVALID_PARTITIONS'],
      [{ ...ok, assignments: [[1, 1]] }, 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT'],
      [{ ...ok, assignments: [[1, 3]] }, 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT'],
      [{ ...ok, assignments: [[1]] }, 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT'],
      [{ ...ok, configs: { 'retention.mss': '1' } }, 'RUNNEL_ERR_INVALID_CONFIG'],
      [{ ...ok, configs: { 'retention.ms': 'soon' } }, 'RUNNEL_ERR_INVALID_CONFIG'],
    ];
    for (const [record, code] of cases) {
      const r = applyRecord(base, record, 10);
      expectRejected(r.outcome, code);
      expect(r.image.topics).toBe(base.topics);
      expect(r.image.appliedIndex).toBe(10); // a rejected record is still in the log
    }
  });

  it('never reuses a group id, even after the topic that held it is deleted', () => {
    let image = createTopic(cluster(1), 'a', 2, 1);
    const topicId = findTopic(image, 'a')!.topicId;
    image = mustApply(image, { type: 'DeleteTopic', topicId });
    expect(image.groups.size).toBe(0);
    expect(findTopic(image, 'a')).toBeUndefined();
    image = createTopic(image, 'a', 1, 1, 9);
    expect(findTopic(image, 'a')!.partitions[0]!.groupId).toBe(3);
    expectRejected(applyRecord(image, { type: 'DeleteTopic', topicId }, 99).outcome, 'RUNNEL_ERR_UNKNOWN_TOPIC');
  });

  it('alters configs incrementally and keeps them sorted', () => {
    let image = createTopic(cluster(1), 'a', 1, 1);
    const topicId = findTopic(image, 'a')!.topicId;
    image = mustApply(image, { type: 'AlterTopicConfigs', topicId, set: { 'retention.ms': '1000', 'cleanup.policy': 'delete' }, remove: [] });
    image = mustApply(image, { type: 'AlterTopicConfigs', topicId, set: { 'retention.bytes': '5' }, remove: ['retention.ms'] });
    expect(Object.entries(findTopic(image, 'a')!.configs)).toEqual([['cleanup.policy', 'delete'], ['retention.bytes', '5']]);
    const both: MetadataRecord = { type: 'AlterTopicConfigs', topicId, set: { 'retention.ms': '1' }, remove: ['retention.ms'] };
    expectRejected(applyRecord(image, both, 99).outcome, 'RUNNEL_ERR_INVALID_CONFIG');
    expectRejected(applyRecord(image, { ...both, set: {}, remove: ['nope'] } as MetadataRecord, 99).outcome, 'RUNNEL_ERR_INVALID_CONFIG');
  });

  it('adds partitions numbered after the existing ones, with new group ids', () => {
    let image = createTopic(cluster(2), 'a', 2, 2);
    const topicId = findTopic(image, 'a')!.topicId;
    image = mustApply(image, { type: 'CreatePartitions', topicId, assignments: [[2, 1]] });
    const p = findTopic(image, 'a')!.partitions[2]!;
    expect(p).toMatchObject({ partition: 2, groupId: 3, replicas: [2, 1] });
    expectRejected(applyRecord(image, { type: 'CreatePartitions', topicId, assignments: [[1]] }, 99).outcome, 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT');
    expectRejected(applyRecord(image, { type: 'CreatePartitions', topicId, assignments: [] }, 99).outcome, 'RUNNEL_ERR_INVALID_PARTITIONS');
    expectSound(image);
  });
});

describe('partition leaders', () => {
  it('takes newer terms, ignores stale and conflicting reports and non-replicas', () => {
    let image = createTopic(cluster(4), 'a', 1, 3);
    const p = describePartition(image, 'a', 0);
    const [r1, r2] = p.replicas as [number, number];
    const outsider = [1, 2, 3, 4].find((n) => !p.replicas.includes(n))!;
    const report = (leader: number, term: number) => applyRecord(image, { type: 'PartitionLeaderChange', groupId: p.groupId, leader, term }, image.appliedIndex + 1);
    image = report(0, 2).image; // term 2 has no leader yet
    image = report(r1, 2).image;
    expect(describePartition(image, 'a', 0)).toMatchObject({ leader: r1, leaderTerm: 2 });
    expect(report(r2, 2).outcome.status).toBe('ignored'); // one leader per term
    expect(report(r2, 1).outcome.status).toBe('ignored'); // stale
    expect(report(outsider, 3).outcome.status).toBe('ignored');
    image = report(r2, 5).image;
    expect(describePartition(image, 'a', 0)).toMatchObject({ leader: r2, leaderTerm: 5 });
    expect(applyRecord(image, { type: 'PartitionLeaderChange', groupId: 999, leader: 1, term: 9 }, 99).outcome.status).toBe('ignored');
  });
});

describe('reassignment', () => {
  it('hosts the group on target and old replicas until completion, then only on the target', () => {
    let image = cluster(5);
    image = mustApply(image, { type: 'CreateTopic', name: 'a', topicId: uuid(1), replicationFactor: 3, configs: {}, assignments: [[1, 2, 3]] });
    image = mustApply(image, { type: 'PartitionLeaderChange', groupId: 1, leader: 3, term: 4 });
    image = mustApply(image, { type: 'ReassignPartition', groupId: 1, targetReplicas: [4, 2, 5] });
    expect(describePartition(image, 'a', 0)).toMatchObject({ replicas: [4, 2, 5, 1, 3], adding: [4, 5], removing: [1, 3] });
    expect([1, 2, 3, 4, 5].map((n) => hostedPartitions(image, n).length)).toEqual([1, 1, 1, 1, 1]);
    expectRejected(applyRecord(image, { type: 'ReassignPartition', groupId: 1, targetReplicas: [1] }, 99).outcome, 'RUNNEL_ERR_REASSIGNMENT_IN_PROGRESS');
    expectRejected(applyRecord(image, { type: 'CompleteReassignment', groupId: 1, targetReplicas: [2, 4, 5] }, 99).outcome, 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT');
    expectSound(image);
    image = mustApply(image, { type: 'CompleteReassignment', groupId: 1, targetReplicas: [4, 2, 5] });
    expect(describePartition(image, 'a', 0)).toMatchObject({ replicas: [4, 2, 5], adding: [], removing: [], leader: 0, leaderTerm: 4 });
    expect([1, 2, 3, 4, 5].map((n) => hostedPartitions(image, n).length)).toEqual([0, 1, 0, 1, 1]);
    expectRejected(applyRecord(image, { type: 'CompleteReassignment', groupId: 1, targetReplicas: [4, 2, 5] }, 99).outcome, 'RUNNEL_ERR_NO_REASSIGNMENT_IN_PROGRESS');
    expectSound(image);
  });

  it('cancels by swapping adding and removing: back to the original replica set (in Kafka\'s order)', () => {
    let image = cluster(5);
    image = mustApply(image, { type: 'CreateTopic', name: 'a', topicId: uuid(1), replicationFactor: 3, configs: {}, assignments: [[1, 2, 3]] });
    expectRejected(applyRecord(image, { type: 'CancelReassignment', groupId: 1 }, 99).outcome, 'RUNNEL_ERR_NO_REASSIGNMENT_IN_PROGRESS');
    image = mustApply(image, { type: 'ReassignPartition', groupId: 1, targetReplicas: [4, 2, 5] });
    image = mustApply(image, { type: 'CancelReassignment', groupId: 1 });
    expect(describePartition(image, 'a', 0)).toMatchObject({ replicas: [2, 1, 3, 4, 5], adding: [1, 3], removing: [4, 5] });
    expectSound(image);
    expectRejected(applyRecord(image, { type: 'CompleteReassignment', groupId: 1, targetReplicas: [4, 2, 5] }, 99).outcome, 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT');
    image = mustApply(image, { type: 'CompleteReassignment', groupId: 1, targetReplicas: [2, 1, 3] });
    expect(describePartition(image, 'a', 0)).toMatchObject({ replicas: [2, 1, 3], adding: [], removing: [] });
  });

  it('keeps a cancelled shrink in progress, so the dropped replica is added back', () => {
    let image = cluster(3);
    image = mustApply(image, { type: 'CreateTopic', name: 'a', topicId: uuid(1), replicationFactor: 3, configs: {}, assignments: [[1, 2, 3]] });
    image = mustApply(image, { type: 'ReassignPartition', groupId: 1, targetReplicas: [1, 2] });
    expect(describePartition(image, 'a', 0)).toMatchObject({ replicas: [1, 2, 3], adding: [], removing: [3] });
    image = mustApply(image, { type: 'CancelReassignment', groupId: 1 });
    expect(describePartition(image, 'a', 0)).toMatchObject({ replicas: [1, 2, 3], adding: [3], removing: [] });
    image = mustApply(image, { type: 'CompleteReassignment', groupId: 1, targetReplicas: [1, 2, 3] });
    expect(describePartition(image, 'a', 0)).toMatchObject({ replicas: [1, 2, 3], adding: [], removing: [] });
  });

  it('applies a pure reordering (a new preferred leader) at once, and rejects bad targets', () => {
    let image = cluster(3);
    image = mustApply(image, { type: 'CreateTopic', name: 'a', topicId: uuid(1), replicationFactor: 2, configs: {}, assignments: [[1, 2]] });
    image = mustApply(image, { type: 'ReassignPartition', groupId: 1, targetReplicas: [2, 1] });
    expect(describePartition(image, 'a', 0)).toMatchObject({ replicas: [2, 1], adding: [], removing: [] });
    expectRejected(applyRecord(image, { type: 'ReassignPartition', groupId: 1, targetReplicas: [] }, 99).outcome, 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT');
    expectRejected(applyRecord(image, { type: 'ReassignPartition', groupId: 1, targetReplicas: [7] }, 99).outcome, 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT');
    expectRejected(applyRecord(image, { type: 'ReassignPartition', groupId: 5, targetReplicas: [1] }, 99).outcome, 'RUNNEL_ERR_UNKNOWN_PARTITION');
  });
});

describe('apply', () => {
  it('never changes the image it was given (readers of an old image are safe)', () => {
    const before = createTopic(cluster(3), 'a', 3, 3);
    const bytes = encodeImage(before);
    const p = describePartition(before, 'a', 1);
    let after = mustApply(before, { type: 'PartitionLeaderChange', groupId: p.groupId, leader: p.replicas[0]!, term: 1 });
    after = mustApply(after, { type: 'DeleteTopic', topicId: p.topicId });
    after = mustApply(after, { type: 'NodeHeartbeat', nodeId: 1, incarnationId: uuid(1, 1), leaderTimeMs: t0 + 1 });
    expect(encodeImage(after)).not.toEqual(bytes);
    expect(encodeImage(before)).toEqual(bytes);
    expect(describePartition(before, 'a', 1).leader).toBe(0);
  });

  it('shares what a record did not change', () => {
    const before = createTopic(createTopic(cluster(3), 'a', 1, 1), 'b', 1, 1);
    const b = findTopic(before, 'b')!;
    const after = mustApply(before, { type: 'PartitionLeaderChange', groupId: b.partitions[0]!.groupId, leader: b.partitions[0]!.replicas[0]!, term: 1 });
    expect(findTopic(after, 'a')).toBe(findTopic(before, 'a'));
    expect(after.nodes).toBe(before.nodes);
    expect(after.groups).toBe(before.groups);
  });

  it('requires strictly increasing indexes but allows gaps (Raft entries that are not metadata records)', () => {
    const image = mustApply(emptyImage, { type: 'NoOp' });
    expect(applyRecord(image, { type: 'NoOp' }, 7).image.appliedIndex).toBe(7);
    expect(() => applyRecord(image, { type: 'NoOp' }, 1)).toThrow(/metadata index 1 after 1/);
  });
});
