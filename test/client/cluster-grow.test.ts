/**
 * CreatePartitions on three real nodes in this process (127.0.0.1/2/3): the AdminClient, bootstrapped
 * with a node that is not the controller, finds the controller; the topic grows 1 -> 3 with RF 3; every
 * node hosts a replica of each new partition's Raft group; each new partition elects a leader,
 * takes writes with acks=all and serves them to a subscribed consumer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/cli/node.js';
import { AdminClient, Consumer, Producer, type ConsumerRecord } from '../../src/client/index.js';
import { connect, eventually } from '../broker/client.js';
import { nodeSpecs, removeDir, start, tempDir, type NodeSpec } from '../broker/harness.js';

const root = tempDir('runnel-cluster-grow-');
let specs: NodeSpec[] = [];
let nodes: RunningNode[] = [];

beforeAll(async () => {
  specs = await nodeSpecs(['127.0.0.1', '127.0.0.2', '127.0.0.3'], root);
  nodes = await Promise.all(specs.map((s) => start(s, specs)));
  const clients = specs.map((s) => connect(`${s.host}:${s.clientPort}`));
  try {
    await eventually(async () => ((await Promise.all(clients.map((c) => c.check()))).every((s) => s.status === 'SERVING') ? true : undefined), 15_000, 'all three nodes to join');
  } finally {
    for (const c of clients) c.close();
  }
}, 30_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  removeDir(root);
});

describe('CreatePartitions on three nodes', () => {
  it('adds replicated partitions that every replica hosts and that serve produce and fetch', async () => {
    const controllerId = nodes[0]!.broker.metadataLeader();
    expect(controllerId).toBeGreaterThan(0);
    const other = specs.find((s) => s.nodeId !== controllerId)!;
    const bootstrapServers = [`${other.host}:${other.clientPort}`];
    const admin = new AdminClient({ bootstrapServers, operationTimeoutMs: 15_000 });
    const consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'earliest', metadataMaxAgeMs: 200 });
    try {
      expect((await admin.createTopics([{ name: 'grow3', numPartitions: 1, replicationFactor: 3 }]))[0]!.error).toBeNull();
      // The bootstrap node applies the new topic a moment after the controller answered.
      await eventually(async () => ((await consumer.subscribe(['grow3'])).length === 1 ? true : undefined), 10_000, 'the topic on the bootstrap node');
      expect(consumer.assignment()).toEqual([{ topic: 'grow3', partition: 0 }]);
      const [grown] = await admin.createPartitions([{ name: 'grow3', totalCount: 3 }]);
      expect(grown!.error).toBeNull();

      const described = await eventually(async () => {
        const [t] = await admin.describeTopics(['grow3']);
        return t && t.partitions.length === 3 && t.partitions.every((p) => p.leaderId > 0) ? t : undefined;
      }, 15_000, 'leaders for the three partitions');
      for (const p of described.partitions) expect([...p.replicas].sort()).toEqual([1, 2, 3]);
      const groups = nodes[0]!.broker.image.topics.get(described.topicId)!.partitions.map((p) => p.groupId);
      for (const n of nodes) expect(n.broker.hostedGroupIds().filter((g) => groups.includes(g)).sort()).toEqual([...groups].sort());

      const producer = new Producer({ bootstrapServers, acks: 'all', lingerMs: 0 });
      try {
        const acks = await Promise.all([0, 1, 2].map((partition) => producer.send('grow3', { value: `p${partition}`, partition })));
        expect(acks.map((a) => a.partition)).toEqual([0, 1, 2]);
      } finally {
        await producer.close();
      }
      const got: ConsumerRecord[] = [];
      const until = Date.now() + 15_000;
      while (got.length < 3 && Date.now() < until) got.push(...(await consumer.poll(200)));
      expect(got.map((r) => `${r.partition}:${r.value.toString()}`).sort()).toEqual(['0:p0', '1:p1', '2:p2']);
    } finally {
      consumer.close();
      admin.close();
    }
  }, 60_000);
});
