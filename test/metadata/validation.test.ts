import { describe, expect, it } from 'vitest';
import {
  type MetadataImage,
  emptyImage,
  expiredNodes,
  heartbeatRecordDue,
  isAlive,
  describePartition,
  proposeAlterTopicConfigs,
  proposeCancelReassignment,
  proposeCreatePartitions,
  proposeCreateTopic,
  proposeDeleteTopic,
  proposeReassignment,
  topicNameProblem,
  validateCreateTopic,
  validateTopicName,
} from '../../src/metadata/index.js';
import { cluster, createTopic, expectThrowsCode, mustApply, t0, uuid } from './helpers.js';

const create = (image: MetadataImage, over: Partial<Parameters<typeof validateCreateTopic>[1]> = {}) =>
  validateCreateTopic(image, { name: 'orders', topicId: uuid(77), partitions: 3, replicationFactor: 2, ...over });

describe('topic names (Kafka rules)', () => {
  it('accepts letters, digits, ".", "_" and "-" up to 249 characters', () => {
    for (const name of ['orders', 'a', 'A.b_c-9', '__consumer_offsets', 'x'.repeat(249), '...']) expect(topicNameProblem(name)).toBeUndefined();
  });

  it('rejects empty, "." and "..", too long, and other characters with INVALID_TOPIC', () => {
    for (const name of ['', '.', '..', 'x'.repeat(250), 'with space', 'slash/', 'ünï', 'colon:']) {
      expectThrowsCode(() => validateTopicName(name), 'RUNNEL_ERR_INVALID_TOPIC');
    }
    expect(() => validateTopicName('a b')).toThrow(/invalid topic name "a b": the name may hold only/);
  });
});

describe('request validation before proposing', () => {
  it('checks name, existence, partitions, replication factor against live nodes, and configs', () => {
    const image = createTopic(cluster(3), 'taken', 1, 1);
    expect(() => create(image)).not.toThrow();
    expectThrowsCode(() => create(image, { name: 'bad/name' }), 'RUNNEL_ERR_INVALID_TOPIC');
    expectThrowsCode(() => create(image, { name: 'taken' }), 'RUNNEL_ERR_TOPIC_ALREADY_EXISTS');
    expectThrowsCode(() => create(image, { partitions: 0 }), 'RUNNEL_ERR_INVALID_PARTITIONS');
    expectThrowsCode(() => create(image, { partitions: 10_001 }), 'RUNNEL_ERR_INVALID_PARTITIONS');
    expectThrowsCode(() => create(image, { partitions: 1.5 }), 'RUNNEL_ERR_INVALID_PARTITIONS');
    expectThrowsCode(() => create(image, { replicationFactor: 0 }), 'RUNNEL_ERR_INVALID_REPLICATION_FACTOR');
    expectThrowsCode(() => create(image, { replicationFactor: 4 }), 'RUNNEL_ERR_INVALID_REPLICATION_FACTOR');
    expect(() => create(image, { replicationFactor: 4 })).toThrow(/4 is more than the 3 live nodes/);
    expectThrowsCode(() => create(image, { configs: { 'segment.bytes': '1' } }), 'RUNNEL_ERR_INVALID_CONFIG');
    expectThrowsCode(() => create(image, { configs: { 'cleanup.policy': 'compact' } }), 'RUNNEL_ERR_INVALID_CONFIG');
    expectThrowsCode(() => create(image, { configs: { 'retention.ms': '-2' } }), 'RUNNEL_ERR_INVALID_CONFIG');
    expectThrowsCode(() => create(image, { topicId: 'not-a-uuid' }), 'RUNNEL_ERR_INVALID_REQUEST');
    expect(() => create(image, { configs: { 'retention.ms': '-1', 'retention.bytes': '1048576', 'max.message.bytes': '1000' } })).not.toThrow();
  });

  it('takes an explicit placement (Kafka\'s --replica-assignment) when it fits', () => {
    const image = cluster(3);
    const assignments = [[3, 1], [2, 3]];
    const record = proposeCreateTopic(image, { name: 'orders', topicId: uuid(77), partitions: 2, replicationFactor: 2, assignments });
    expect(record.assignments).toEqual(assignments);
    for (const bad of [[[3, 1]], [[3, 1], [2]], [[3, 3], [1, 2]], [[3, 9], [1, 2]]]) {
      expectThrowsCode(() => create(image, { partitions: 2, assignments: bad }), 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT');
    }
  });

  it('counts only live nodes for the replication factor', () => {
    let image = cluster(3);
    image = mustApply(image, { type: 'FenceNode', nodeId: 3, incarnationId: uuid(1, 3), lastHeartbeatMs: t0, leaderTimeMs: t0 + 1 });
    expectThrowsCode(() => create(image, { replicationFactor: 3 }), 'RUNNEL_ERR_INVALID_REPLICATION_FACTOR');
    const record = proposeCreateTopic(image, { name: 'orders', topicId: uuid(77), partitions: 4, replicationFactor: 2 });
    expect(record.assignments.flat()).not.toContain(3); // placed on live nodes only
  });

  it('validates the other admin requests', () => {
    const image = createTopic(cluster(3), 'orders', 2, 2);
    expectThrowsCode(() => proposeDeleteTopic(image, 'nope'), 'RUNNEL_ERR_UNKNOWN_TOPIC');
    expectThrowsCode(() => proposeCreatePartitions(image, 'orders', 2), 'RUNNEL_ERR_INVALID_PARTITIONS');
    expect(proposeCreatePartitions(image, 'orders', 4).assignments).toHaveLength(2);
    expectThrowsCode(() => proposeAlterTopicConfigs(image, 'orders', { 'retention.ms': 'x' }, []), 'RUNNEL_ERR_INVALID_CONFIG');
    expectThrowsCode(() => proposeAlterTopicConfigs(image, 'orders', {}, ['nope']), 'RUNNEL_ERR_INVALID_CONFIG');
    expectThrowsCode(() => proposeReassignment(image, 'orders', 5, [1]), 'RUNNEL_ERR_UNKNOWN_PARTITION');
    expectThrowsCode(() => proposeReassignment(image, 'orders', 0, [1, 1]), 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT');
    expectThrowsCode(() => proposeReassignment(image, 'orders', 0, [9]), 'RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT');
    const moving = mustApply(image, proposeReassignment(image, 'orders', 0, [3]));
    expectThrowsCode(() => proposeReassignment(moving, 'orders', 0, [1]), 'RUNNEL_ERR_REASSIGNMENT_IN_PROGRESS');
    expectThrowsCode(() => proposeCancelReassignment(image, 'orders', 0), 'RUNNEL_ERR_NO_REASSIGNMENT_IN_PROGRESS');
    expect(proposeCancelReassignment(moving, 'orders', 0)).toEqual({ type: 'CancelReassignment', groupId: describePartition(image, 'orders', 0).groupId });
  });
});

describe('liveness', () => {
  const clock = (nowMs: number, leaderSinceMs = 0) => ({ nowMs, sessionTimeoutMs: 9000, leaderSinceMs });

  it('fences nodes silent for more than a session timeout of the leader clock, compare-and-set on their last heartbeat', () => {
    let image = cluster(2);
    image = mustApply(image, { type: 'NodeHeartbeat', nodeId: 2, incarnationId: uuid(1, 2), leaderTimeMs: t0 + 5000 });
    expect(expiredNodes(image, clock(t0 + 9000))).toEqual([]);
    const fences = expiredNodes(image, clock(t0 + 9001));
    expect(fences).toEqual([{ type: 'FenceNode', nodeId: 1, incarnationId: uuid(1, 1), lastHeartbeatMs: t0, leaderTimeMs: t0 + 9001 }]);
    image = mustApply(image, fences[0]!);
    expect(isAlive(image, 1)).toBe(false);
    expect(isAlive(image, 2)).toBe(true);
    expect(expiredNodes(image, clock(t0 + 9001))).toEqual([]); // already fenced
  });

  it('gives every node a full session after a metadata leader change', () => {
    const image = cluster(1);
    expect(expiredNodes(image, clock(t0 + 20_000, t0 + 15_000))).toEqual([]);
    expect(expiredNodes(image, clock(t0 + 24_001, t0 + 15_000))).toHaveLength(1);
  });

  it('writes a received heartbeat to the log only when it unfences or a third of the session has passed', () => {
    let image = cluster(1);
    expect(heartbeatRecordDue(image, 1, uuid(1, 1), clock(t0 + 2999))).toBe(false);
    expect(heartbeatRecordDue(image, 1, uuid(1, 1), clock(t0 + 3000))).toBe(true);
    expect(heartbeatRecordDue(image, 1, uuid(5, 1), clock(t0 + 3000))).toBe(false); // must register first
    expect(heartbeatRecordDue(emptyImage, 1, uuid(1, 1), clock(t0))).toBe(false);
    image = mustApply(image, { type: 'FenceNode', nodeId: 1, incarnationId: uuid(1, 1), lastHeartbeatMs: t0, leaderTimeMs: t0 });
    expect(heartbeatRecordDue(image, 1, uuid(1, 1), clock(t0))).toBe(true);
  });
});
