/**
 * Three real nodes in this process on 127.0.0.1/2/3 (each its own LevelDB, peer transport and CLIENT
 * listener): a topic with 3 partitions and RF 3, leaders spread, produce to every partition through
 * its leader, read back, metadata from any node, and NOT_LEADER with a hint from a follower.
 */
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromServiceError } from '../../src/api/index.js';
import type { RunnelError } from '../../src/core/index.js';
import type { RunningNode } from '../../src/cli/node.js';
import type { MetadataResponse__Output } from '../../src/api/generated/runnel/v1/MetadataResponse.js';
import { connect, eventually, type ApiClient } from './client.js';
import { nodeSpecs, removeDir, start, tempDir, type NodeSpec } from './harness.js';

const root = tempDir('runnel-cluster-');
let specs: NodeSpec[] = [];
let nodes: RunningNode[] = [];
let clients: ApiClient[] = [];

const client = (nodeId: number): ApiClient => clients[nodeId - 1]!;

async function leadersKnown(): Promise<MetadataResponse__Output | undefined> {
  const md = await client(1).describe(['events']);
  const t = md.topics[0];
  return t && !t.error && t.partitions.length === 3 && t.partitions.every((p) => p.leaderId > 0) ? md : undefined;
}

beforeAll(async () => {
  specs = await nodeSpecs(['127.0.0.1', '127.0.0.2', '127.0.0.3'], root);
  nodes = await Promise.all(specs.map((s) => start(s, specs)));
  clients = specs.map((s) => connect(`${s.host}:${s.clientPort}`));
  await eventually(async () => {
    const statuses = await Promise.all(clients.map((c) => c.check()));
    return statuses.every((s) => s.status === 'SERVING') ? true : undefined;
  }, 15_000, 'all three nodes to join');
}, 30_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(nodes.map((n) => n.stop()));
  removeDir(root);
});

describe('three nodes', () => {
  it('a client that knows one node learns every node; admin changes follow the controller hint', async () => {
    const md = await client(2).describe();
    expect(md.nodes.map((n) => [n.nodeId, n.host, n.port])).toEqual(specs.map((s) => [s.nodeId, s.host, s.clientPort]));
    expect(md.controllerId).toBeGreaterThan(0);
    const follower = specs.find((s) => s.nodeId !== md.controllerId)!;
    const refused = await client(follower.nodeId).createTopics({ topics: [{ name: 'events', numPartitions: 3, replicationFactor: 3 }] });
    expect(refused.topics[0]!.error?.code).toBe('ERROR_CODE_NOT_LEADER');
    const hint = refused.topics[0]!.error!.leaderHint!;
    expect(hint.nodeId).toBe(md.controllerId);
    const controller = connect(`${hint.host}:${hint.port}`);
    const created = await controller.createTopics({ topics: [{ name: 'events', numPartitions: 3, replicationFactor: 3 }] });
    controller.close();
    expect(created.topics[0]!.error).toBeNull();
  });

  it('elects a leader per partition, spread over the nodes, visible from every node', async () => {
    const md = await eventually(async () => {
      const m = await leadersKnown();
      return m && new Set(m.topics[0]!.partitions.map((p) => p.leaderId)).size === 3 ? m : undefined;
    }, 20_000, 'three distinct partition leaders');
    for (const p of md.topics[0]!.partitions) expect([...p.replicas].sort()).toEqual([1, 2, 3]);
    const from3 = await client(3).describe(['events']);
    expect(from3.topics[0]!.partitions.map((p) => p.replicas)).toEqual(md.topics[0]!.partitions.map((p) => p.replicas));
  });

  it('produces to every partition through its leader and reads it back; a follower answers NOT_LEADER with a hint', async () => {
    for (let partition = 0; partition < 3; partition++) {
      const values = [0, 1, 2, 3, 4].map((i) => `p${partition}-v${i}`);
      const req = { acks: 'ACKS_ALL' as const, topics: [{ topic: 'events', partitions: [{ partition, records: values.map((v) => ({ value: Buffer.from(v) })) }] }] };
      // Ask node 1 first and follow the hint, as a client would.
      const result = await eventually(async () => {
        const first = (await client(1).send(req)).topics[0]!.partitions[0]!;
        if (!first.error) return { res: first, leader: 1 };
        const hint = first.error.leaderHint;
        if (first.error.code !== 'ERROR_CODE_NOT_LEADER' || !hint) return undefined;
        const second = (await client(hint.nodeId).send(req)).topics[0]!.partitions[0]!;
        return second.error ? undefined : { res: second, leader: hint.nodeId };
      }, 10_000, `a write to events-${partition}`);
      // Leadership may move meanwhile (preferred-leader balancing right after the topic is created),
      // so compare a follower's hint with the leader the cluster reports at that moment.
      await eventually(async () => {
        const leader = (await leadersKnown())?.topics[0]!.partitions[partition]!.leaderId;
        if (leader === undefined) return undefined;
        const follower = [1, 2, 3].find((n) => n !== leader)!;
        const refused = (await client(follower).send(req)).topics[0]!.partitions[0]!;
        const hint = refused.error?.leaderHint;
        if (refused.error?.code !== 'ERROR_CODE_NOT_LEADER' || hint?.nodeId !== leader) return undefined;
        expect(refused.error.definite).toBe(true);
        expect(hint.port).toBe(specs[leader - 1]!.clientPort);
        if (partition === 0) {
          // A FetchStream on a follower ends with NOT_LEADER in the runnel-error-bin trailer.
          const ended = await new Promise<RunnelError>((resolve) => {
            const s = client(follower).fetch.FetchStream({ topic: 'events', partition, offset: 0 }, { deadline: Date.now() + 5_000 });
            s.on('data', () => {});
            s.on('error', (e: grpc.ServiceError) => resolve(fromServiceError(e)));
          });
          const fetchHint = ended.details['leaderHint'] as { nodeId: number } | undefined;
          if (ended.code !== 'RUNNEL_ERR_NOT_LEADER' || fetchHint?.nodeId !== leader) return undefined;
        }
        return true;
      }, 20_000, `a follower of events-${partition} to answer NOT_LEADER with the leader's address`);
      const read = await eventually(async () => {
        const leader = (await leadersKnown())?.topics[0]!.partitions[partition]!.leaderId;
        if (leader === undefined) return undefined;
        const r = (await client(leader).read({ topics: [{ topic: 'events', partitions: [{ partition, fetchOffset: result.res.baseOffset }] }] })).topics[0]!.partitions[0]!;
        return r.error ? undefined : r;
      }, 20_000, `a read of events-${partition} from its leader`);
      expect(read.records.map((r) => r.value.toString())).toEqual(values);
    }
  });

  it('a graceful stop moves leadership away, writes go on, and the node restarts and catches up', async () => {
    const md = await eventually(() => leadersKnown(), 20_000, 'every partition of events to have a leader');
    const victim = md.topics[0]!.partitions[0]!.leaderId;
    const t0 = Date.now();
    await nodes[victim - 1]!.stop();
    client(victim).close();
    const others = [1, 2, 3].filter((n) => n !== victim);
    const req = { acks: 'ACKS_ALL' as const, topics: [{ topic: 'events', partitions: [{ partition: 0, records: [{ value: Buffer.from('after-stop') }] }] }] };
    const written = await eventually(async () => {
      for (const n of others) {
        const r = (await client(n).send(req)).topics[0]!.partitions[0]!;
        if (!r.error) return { leader: n, baseOffset: r.baseOffset };
      }
      return undefined;
    }, 10_000, 'a write to events-0 without its old leader');
    expect(Date.now() - t0).toBeLessThan(10_000);

    nodes[victim - 1] = await start(specs[victim - 1]!, specs);
    clients[victim - 1] = connect(`${specs[victim - 1]!.host}:${specs[victim - 1]!.clientPort}`);
    await eventually(async () => ((await client(victim).check()).status === 'SERVING' ? true : undefined), 15_000, 'the restarted node to rejoin');
    // The preferred leader takes partition 0 back once caught up; it serves everything, the new write included.
    const values = await eventually(async () => {
      const r = (await client(victim).read({ topics: [{ topic: 'events', partitions: [{ partition: 0, fetchOffset: 0 }] }] })).topics[0]!.partitions[0]!;
      const v = r.records.map((x) => x.value.toString());
      return !r.error && v.includes('after-stop') ? v : undefined;
    }, 60_000, `node ${victim} to lead events-0 again with every record`);
    expect(values).toEqual([0, 1, 2, 3, 4].map((i) => `p0-v${i}`).concat('after-stop'));
    expect(written.baseOffset).toBeGreaterThanOrEqual(5);
  });

  it('moves a partition to another node through learner, promotion and removal', async () => {
    const md = await client(1).describe();
    const controller = md.nodes.find((n) => n.nodeId === md.controllerId)!;
    const admin = connect(`${controller.host}:${controller.port}`);
    try {
      const created = await admin.createTopics({ topics: [{ name: 'moving', assignments: [{ partition: 0, replicas: [1] }] }] });
      expect(created.topics[0]!.error).toBeNull();
      const req = { acks: 'ACKS_ALL' as const, topics: [{ topic: 'moving', partitions: [{ partition: 0, records: ['m0', 'm1'].map((v) => ({ value: Buffer.from(v) })) }] }] };
      await eventually(async () => ((await client(1).send(req)).topics[0]!.partitions[0]!.error ? undefined : true), 10_000, 'a write to moving-0 on node 1');

      const res = await new Promise<{ topics: { partitions: { error: unknown }[] }[] }>((resolve, reject) =>
        admin.admin.ReassignPartitions({ topics: [{ name: 'moving', partitions: [{ partition: 0, replicas: [2] }] }] }, (err, r) => (err ? reject(err) : resolve(r!))),
      );
      expect(res.topics[0]!.partitions[0]!.error).toBeNull();

      const done = await eventually(async () => {
        const m = await client(3).describe(['moving']);
        const p = m.topics[0]!.partitions[0]!;
        return p.replicas.length === 1 && p.replicas[0] === 2 && p.learners.length === 0 && p.leaderId === 2 ? p : undefined;
      }, 20_000, 'moving-0 to live on node 2 alone');
      expect(done.replicas).toEqual([2]);
      const read = await eventually(async () => {
        const r = (await client(2).read({ topics: [{ topic: 'moving', partitions: [{ partition: 0, fetchOffset: 0 }] }] })).topics[0]!.partitions[0]!;
        return r.error ? undefined : r;
      }, 10_000, 'node 2 to serve moving-0');
      expect(read.records.map((r) => r.value.toString())).toEqual(['m0', 'm1']);
      const groupId = nodes[0]!.broker.image.topics.get(nodes[0]!.broker.image.topicIdsByName.get('moving')!)!.partitions[0]!.groupId;
      await eventually(() => (nodes[0]!.broker.hostedGroupIds().includes(groupId) ? undefined : true), 10_000, 'node 1 to drop the moved group');
    } finally {
      admin.close();
    }
  });
});
