/**
 * Consumer groups on one real node (real LevelDB, real gRPC, raw GroupService calls): the internal
 * topic created on first use, join and incremental hand-over between members (a partition moves only
 * after its owner released it), commits by owners only, session expiry, admin commits, describe,
 * delete, and committed offsets surviving a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/cli/node.js';
import type { ConsumerGroupHeartbeatResponse__Output } from '../../src/api/generated/runnel/v1/ConsumerGroupHeartbeatResponse.js';
import type { GroupTopicPartitions } from '../../src/api/generated/runnel/v1/GroupTopicPartitions.js';
import type { DeleteGroupsResponse__Output } from '../../src/api/generated/runnel/v1/DeleteGroupsResponse.js';
import type { DescribeGroupsResponse__Output } from '../../src/api/generated/runnel/v1/DescribeGroupsResponse.js';
import type { FindCoordinatorResponse__Output } from '../../src/api/generated/runnel/v1/FindCoordinatorResponse.js';
import type { ListGroupsResponse__Output } from '../../src/api/generated/runnel/v1/ListGroupsResponse.js';
import type { OffsetCommitResponse__Output } from '../../src/api/generated/runnel/v1/OffsetCommitResponse.js';
import type { OffsetFetchResponse__Output } from '../../src/api/generated/runnel/v1/OffsetFetchResponse.js';
import { call, connect, eventually, type ApiClient } from './client.js';
import { nodeSpecs, removeDir, start, tempDir, type NodeSpec } from './harness.js';

const root = tempDir('runnel-groups-');
let spec: NodeSpec;
let node: RunningNode;
let c: ApiClient;
const topic = 'grouped';
const group = 'g1';

type Owned = GroupTopicPartitions[];
const partitionsOf = (r: { assignment: { topic: string; partitions: number[] }[] }) => r.assignment.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p}`)).sort();

function heartbeat(memberId: string, memberEpoch: number, owned: Owned, sessionTimeoutMs = 30_000): Promise<ConsumerGroupHeartbeatResponse__Output> {
  return call<object, ConsumerGroupHeartbeatResponse__Output>(c.group.ConsumerGroupHeartbeat.bind(c.group), { groupId: group, memberId, memberEpoch, subscribedTopicNames: [topic], ownedPartitions: owned, sessionTimeoutMs, clientId: 'test' });
}

function commit(memberId: string, memberEpoch: number, partition: number, offset: number) {
  return call<object, OffsetCommitResponse__Output>(c.group.OffsetCommit.bind(c.group), { groupId: group, memberId, memberEpoch, topics: [{ topic, partitions: [{ partition, committedOffset: offset, metadata: 'm' }] }] });
}

function fetchOffsets(groupId = group) {
  return call<object, OffsetFetchResponse__Output>(c.group.OffsetFetch.bind(c.group), { groupId, topics: [] });
}

async function startNode(): Promise<void> {
  node = await start(spec, [spec]);
  c = connect(`127.0.0.1:${spec.clientPort}`);
  await eventually(async () => ((await c.check()).status === 'SERVING' ? true : undefined), 20_000, 'the node to serve');
}

/** FindCoordinator until the internal topic exists and has a leader. */
async function coordinator(): Promise<number> {
  return eventually(async () => {
    const r = await call<object, FindCoordinatorResponse__Output>(c.group.FindCoordinator.bind(c.group), { groupId: group });
    return r.error ? undefined : r.coordinator!.nodeId;
  }, 20_000, 'a coordinator');
}

/** Heartbeat until the coordinator is ready (it serves only once its offsets partition applied its no-op). */
async function join(): Promise<ConsumerGroupHeartbeatResponse__Output> {
  return eventually(async () => {
    const r = await heartbeat('', 0, []);
    if (r.error && r.error.code !== 'ERROR_CODE_COORDINATOR_NOT_AVAILABLE' && r.error.code !== 'ERROR_CODE_NOT_COORDINATOR') throw new Error(r.error.message);
    return r.error ? undefined : r;
  }, 20_000, 'a join');
}

beforeAll(async () => {
  spec = (await nodeSpecs(['127.0.0.1'], root))[0]!;
  await startNode();
  const created = await c.createTopics({ topics: [{ name: topic, numPartitions: 6 }] });
  expect(created.topics[0]!.error).toBeNull();
}, 40_000);

afterAll(async () => {
  c?.close();
  await node?.stop();
  removeDir(root);
});

describe('consumer groups on one node', () => {
  it('hands partitions over incrementally, lets only owners commit, and expires silent members', async () => {
    expect(await coordinator()).toBe(spec.nodeId);
    const internal = (await c.describe(['__consumer_offsets'])).topics[0]!;
    expect(internal.partitions).toHaveLength(5); // offsets.topic.num.partitions' default
    expect(internal.partitions[0]!.replicas).toEqual([spec.nodeId]); // replication factor capped at the live nodes
    const a = await join();
    expect(a.memberId).not.toBe('');
    expect(partitionsOf(a)).toHaveLength(6);
    const owned = (r: { assignment: GroupTopicPartitions[] }) => r.assignment;
    const a1 = await heartbeat(a.memberId, a.memberEpoch, owned(a));

    // B joins with a short session: A must give up 3 partitions before B gets them.
    const b = await heartbeat('', 0, [], 1_500);
    expect(b.error).toBeNull();
    expect(partitionsOf(b)).toEqual([]); // A still owns them all
    const a2 = await heartbeat(a.memberId, a1.memberEpoch, owned(a1)); // told to release 3
    expect(partitionsOf(a2)).toHaveLength(3);
    expect(a2.memberEpoch).toBeGreaterThan(a1.memberEpoch);
    const stillOwned = owned(a1); // A has not released yet
    const b1 = await heartbeat(b.memberId, b.memberEpoch, [], 1_500);
    expect(partitionsOf(b1)).toEqual([]);
    // A commits the partitions it is giving up, then releases them.
    const released = partitionsOf(a1).filter((p) => !partitionsOf(a2).includes(p)).map((p) => Number(p.split('-').pop()));
    for (const p of released) expect((await commit(a.memberId, a2.memberEpoch, p, 10 + p)).topics[0]!.partitions[0]!.error).toBeNull();
    expect(stillOwned.length).toBeGreaterThan(0);
    await heartbeat(a.memberId, a2.memberEpoch, owned(a2));
    const b2 = await heartbeat(b.memberId, b1.memberEpoch, [], 1_500);
    expect(partitionsOf(b2)).toEqual(released.map((p) => `${topic}-${p}`).sort());
    // Disjoint, and everything assigned.
    expect(new Set([...partitionsOf(a2), ...partitionsOf(b2)]).size).toBe(6);

    // B may commit its partitions, not A's; A no longer may commit what it released.
    const bp = released[0]!;
    const ap = Number(partitionsOf(a2)[0]!.split('-').pop());
    expect((await commit(b.memberId, b2.memberEpoch, bp, 100)).topics[0]!.partitions[0]!.error).toBeNull();
    expect((await commit(b.memberId, b2.memberEpoch, ap, 1)).topics[0]!.partitions[0]!.error?.code).toBe('ERROR_CODE_FENCED_MEMBER_EPOCH');
    expect((await commit(a.memberId, a2.memberEpoch, bp, 5)).topics[0]!.partitions[0]!.error?.code).toBe('ERROR_CODE_FENCED_MEMBER_EPOCH');
    expect((await commit('nobody', 1, ap, 1)).topics[0]!.partitions[0]!.error?.code).toBe('ERROR_CODE_UNKNOWN_MEMBER_ID');
    const fetched = await fetchOffsets();
    const offsets = new Map(fetched.topics.flatMap((t) => t.partitions.map((p) => [p.partition, p.committedOffset])));
    expect(offsets.get(bp)).toBe(100);

    // B goes silent: after its session (1.5 s) A gets everything back.
    const a3 = await eventually(async () => {
      const r = await heartbeat(a.memberId, a2.memberEpoch, owned(a2));
      return partitionsOf(r).length === 6 ? r : undefined;
    }, 10_000, "B's partitions back to A");
    expect((await heartbeat(b.memberId, b2.memberEpoch, [])).error?.code).toBe('ERROR_CODE_UNKNOWN_MEMBER_ID');

    const described = await call<object, DescribeGroupsResponse__Output>(c.group.DescribeGroups.bind(c.group), { groupIds: [group, 'no-such-group'] });
    expect(described.groups[0]!.members.map((m) => m.memberId)).toEqual([a.memberId]);
    expect(described.groups[1]!.error?.code).toBe('ERROR_CODE_GROUP_ID_NOT_FOUND');
    expect((await call<object, ListGroupsResponse__Output>(c.group.ListGroups.bind(c.group), {})).groups.map((g) => g.groupId)).toContain(group);

    // Tools may set offsets and delete the group only while it has no members.
    const adminCommit = () => call<object, OffsetCommitResponse__Output>(c.group.OffsetCommit.bind(c.group), { groupId: group, memberId: '', memberEpoch: -1, topics: [{ topic, partitions: [{ partition: 0, committedOffset: 7, metadata: '' }] }] });
    expect((await adminCommit()).topics[0]!.partitions[0]!.error?.code).toBe('ERROR_CODE_GROUP_NOT_EMPTY');
    const del = () => call<object, DeleteGroupsResponse__Output>(c.group.DeleteGroups.bind(c.group), { groupIds: [group] });
    expect((await del()).results[0]!.error?.code).toBe('ERROR_CODE_GROUP_NOT_EMPTY');
    expect((await heartbeat(a.memberId, -1, owned(a3))).memberEpoch).toBe(-1);
    expect((await adminCommit()).topics[0]!.partitions[0]!.error).toBeNull();
  }, 60_000);

  it('keeps committed offsets and members across a restart, and deletes an empty group', async () => {
    const before = await fetchOffsets();
    expect(before.error).toBeNull();
    expect(before.topics[0]!.partitions.length).toBeGreaterThan(0);
    const member = await join();
    const holding = await heartbeat(member.memberId, member.memberEpoch, member.assignment);
    expect(partitionsOf(holding)).toHaveLength(6);
    await node.stop();
    c.close();
    await startNode();
    const after = await eventually(async () => {
      const r = await fetchOffsets();
      return r.error ? undefined : r;
    }, 20_000, 'offsets after the restart');
    const sorted = (r: typeof before) => r.topics.flatMap((t) => t.partitions.map((p) => [t.topic, p.partition, p.committedOffset])).sort();
    expect(sorted(after)).toEqual(sorted(before));
    // The member carries on with the coordinator that took over: same id, same partitions, no rejoin.
    const resumed = await heartbeat(member.memberId, holding.memberEpoch, holding.assignment);
    expect(resumed.error).toBeNull();
    expect(partitionsOf(resumed)).toEqual(partitionsOf(holding));
    expect((await heartbeat(member.memberId, -1, holding.assignment)).memberEpoch).toBe(-1);
    expect((await call<object, DeleteGroupsResponse__Output>(c.group.DeleteGroups.bind(c.group), { groupIds: [group] })).results[0]!.error).toBeNull();
    expect((await fetchOffsets()).topics).toEqual([]);
    // The internal topic is not a place for records.
    const produced = await c.send({ acks: 'ACKS_ALL', topics: [{ topic: '__consumer_offsets', partitions: [{ partition: 0, records: [{ value: Buffer.from('x') }] }] }] });
    expect(produced.topics[0]!.partitions[0]!.error?.code).toBe('ERROR_CODE_INVALID_REQUEST');
  }, 60_000);
});
