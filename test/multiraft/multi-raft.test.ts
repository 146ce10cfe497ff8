import { afterEach, describe, expect, it } from 'vitest';
import { RunnelError, type GroupId } from '../../src/core/index.js';
import { StateType } from '../../src/raft/index.js';
import { waitFor } from '../transport/helpers.js';
import { TestCluster } from './cluster.js';

const GROUPS: GroupId[] = Array.from({ length: 21 }, (_, g) => g); // group 0 (metadata-like) + 20 partitions
let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** Propose `count` entries spread round-robin over the groups, all concurrently. */
async function proposeMany(c: TestCluster, prefix: string, count: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => c.propose(GROUPS[i % GROUPS.length]!, `${prefix}-${i}`, 'committed')));
  return performance.now() - t0;
}

function expectIdenticalReplicas(c: TestCluster, expected: Map<GroupId, string[]>): void {
  for (const g of GROUPS) {
    const [first, ...rest] = c.nodes.filter((n) => n.up).map((n) => n.sms.get(g)!.applied);
    for (const other of rest) expect(other).toEqual(first);
    // Every acknowledged proposal applied exactly once.
    expect([...first!].sort()).toEqual([...(expected.get(g) ?? [])].sort());
  }
}

function record(expected: Map<GroupId, string[]>, prefix: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const g = GROUPS[i % GROUPS.length]!;
    expected.set(g, [...(expected.get(g) ?? []), `${prefix}-${i}`]);
  }
}

describe('MultiRaft on three nodes (LevelDB + gRPC)', () => {
  it('elects, replicates 1,000 proposals identically, survives a node leaving and catches it up on return', async () => {
    // Election timeout 1-2 s: a loaded CI box must not depose leaders mid-burst (an indefinite
    // outcome would fail the exactly-once check; retrying it could duplicate the entry).
    cluster = new TestCluster({ groups: GROUPS, tickMs: 50, electionTicks: 20, uncompactedEntriesMax: 30 });
    const c = cluster;
    await c.start();
    await c.waitForLeaders(10_000);
    // Every node reports each group's leader and term (what the broker tells the metadata group).
    const reported = (): boolean =>
      GROUPS.every((g) => c.nodes.every((n) => n.leaders.get(g)?.leader === c.leaderNode(g)?.id && n.leaders.get(g)?.term === n.mr.status(g)!.hardState.term));
    await waitFor(reported, 10_000, 'leader changes reported on every node');
    const expected = new Map<GroupId, string[]>();

    const ms = await proposeMany(c, 'a', 1000);
    record(expected, 'a', 1000);
    await c.waitConverged(10_000);
    expectIdenticalReplicas(c, expected);
    console.log(`multiraft: 1000 proposals (waitFor committed) over 21 groups x 3 nodes in ${ms.toFixed(0)} ms = ${(1000 / (ms / 1000)).toFixed(0)}/s`);

    // acks=1 resolves once durable on the leader; a follower refuses with the leader's id.
    const persisted = await c.propose(3, 'p-0', 'persisted');
    expect(persisted.index).toBeGreaterThan(0);
    expected.set(3, [...expected.get(3)!, 'p-0']);
    const leader3 = c.leaderNode(3)!;
    const follower3 = c.nodes.find((n) => n !== leader3)!;
    const refused = await follower3.mr.propose(3, Buffer.from('x'), { waitFor: 'committed' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RunnelError);
    expect((refused as RunnelError).code).toBe('RUNNEL_ERR_NOT_LEADER');
    expect((refused as RunnelError).definite).toBe(true);
    expect((refused as RunnelError).details.leaderId).toBe(leader3.id);

    // Node 3 leaves gracefully: its leaders move first, then it closes.
    const led = GROUPS.filter((g) => c.leaderNode(g)?.id === 3).length;
    const drain = await c.node(3).mr.transferAllLeadership(5_000);
    expect(drain.remaining).toEqual([]);
    expect(drain.moved).toBe(led);
    await c.stop(3);
    await c.waitForLeaders(10_000);
    await proposeMany(c, 'b', 1000);
    record(expected, 'b', 1000);

    // Restarted from its LevelDB directory, it catches up (by log or snapshot) to identical state.
    await c.restart(3);
    await c.waitConverged(20_000);
    expectIdenticalReplicas(c, expected);
    const restored = GROUPS.filter((g) => c.node(3).sms.get(g)!.restores > 0).length;
    const installed = c.logs.filter((l) => l.obj.node === 3 && /installed a snapshot from the leader/.test(l.msg)).length;
    console.log(`multiraft: node 3 caught up; ${restored} groups restored a snapshot, ${installed} installed one from the leader`);
    expect(installed).toBeGreaterThan(0); // the leaders compacted past node 3's log while it was away
    await proposeMany(c, 'c', 100);
    record(expected, 'c', 100);
    await c.waitConverged(10_000);
    expectIdenticalReplicas(c, expected);

    // A stop without leadership transfer: the survivors elect new leaders and carry on.
    const victim = c.leaderNode(0)!.id;
    await c.stop(victim);
    await c.waitForLeaders(10_000);
    await proposeMany(c, 'd', 300);
    record(expected, 'd', 300);
    await c.restart(victim);
    await c.waitConverged(20_000);
    expectIdenticalReplicas(c, expected);
  });

  it('rejects a pending proposal with an indefinite error when its leader loses leadership', async () => {
    // A long election timeout (50 ticks = 1 s) leaves ample time to propose after the followers
    // are gone and before check-quorum makes the leader step down.
    cluster = new TestCluster({ groups: [7], tickMs: 20, electionTicks: 50 });
    const c = cluster;
    await c.start();
    await c.waitForLeaders(10_000);
    await c.propose(7, 'before', 'committed');
    const leader = c.leaderNode(7)!;
    await Promise.all(c.nodes.filter((n) => n !== leader).map((n) => c.stop(n.id)));
    expect(leader.mr.status(7)!.softState.state).toBe(StateType.Leader);
    const outcome = await leader.mr.propose(7, Buffer.from('orphan'), { waitFor: 'committed' }).then(
      () => 'resolved',
      (e: unknown) => e,
    );
    expect(outcome).toBeInstanceOf(RunnelError);
    expect((outcome as RunnelError).code).toBe('RUNNEL_ERR_LEADERSHIP_LOST');
    expect((outcome as RunnelError).definite).toBe(false);
    expect(leader.mr.status(7)!.softState.state).not.toBe(StateType.Leader);
  });

  it('coalesces heartbeats: ~1 heartbeat frame per peer per tick with 100 groups', async () => {
    const groups = Array.from({ length: 100 }, (_, g) => g);
    const tickMs = 50;
    cluster = new TestCluster({ groups, tickMs });
    const c = cluster;
    await c.start();
    await waitFor(() => groups.every((g) => c.leaderNode(g) !== undefined), 15_000, 'leaders in 100 groups');
    // Let elections settle, then measure an idle window.
    await new Promise((r) => setTimeout(r, 10 * tickMs));
    const a = c.node(1);
    const before = { link: a.transport.peerStats(2)!, mr: a.mr.stats() };
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 40 * tickMs));
    const elapsedMs = performance.now() - t0;
    const after = { link: a.transport.peerStats(2)!, mr: a.mr.stats() };
    const ticks = elapsedMs / tickMs;
    const framesPerTick = (after.link.framesSent - before.link.framesSent) / ticks;
    const hbFramesPerTick = (after.mr.heartbeatFrames - before.mr.heartbeatFrames) / 2 / ticks; // two peers
    const groupBeatsPerTick = (after.mr.heartbeatsCoalesced - before.mr.heartbeatsCoalesced) / ticks;
    const ledByA = groups.filter((g) => c.leaderNode(g)?.id === 1).length;
    console.log(
      `multiraft: 100 groups, node 1 leads ${ledByA}: ${framesPerTick.toFixed(2)} frames/tick to node 2 ` +
        `(${hbFramesPerTick.toFixed(2)} heartbeat frames/tick/peer) carrying ${groupBeatsPerTick.toFixed(1)} per-group heartbeats+responses/tick`,
    );
    // Without coalescing node 1 would send ~ledByA heartbeats per tick to node 2, plus ~(100-ledByA)/2 responses.
    expect(hbFramesPerTick).toBeLessThanOrEqual(1.2);
    expect(framesPerTick).toBeLessThanOrEqual(3);
    expect(groupBeatsPerTick).toBeGreaterThan(20);
  });
});
