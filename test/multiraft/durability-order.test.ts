import { afterEach, describe, expect, it } from 'vitest';
import type { GroupId } from '../../src/core/index.js';
import type { GroupStorage, OpenGroupOptions, ProposalResult, StorageEngine, WaitFor } from '../../src/multiraft/index.js';
import type { LevelDbEngine } from '../../src/storage/index.js';
import { waitFor } from '../transport/helpers.js';
import { TestCluster, type TestNode } from './cluster.js';

/** The real engine, whose flush() promises can be held back (a slow disk). */
class SlowDiskEngine implements StorageEngine {
  private gate: Promise<void> | undefined;
  private open = (): void => {};
  heldFlushes = 0;

  constructor(private readonly inner: LevelDbEngine) {}

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.gate = undefined;
    this.open();
  }

  openGroup(groupId: GroupId, options?: OpenGroupOptions): Promise<GroupStorage> {
    return this.inner.openGroup(groupId, options);
  }

  removeGroup(groupId: GroupId): void {
    this.inner.removeGroup(groupId);
  }

  async flush(): Promise<void> {
    const gate = this.gate;
    const done = this.inner.flush();
    if (gate) {
      this.heldFlushes++;
      await gate;
    }
    await done;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** A 3-node cluster hosting group 9 with a warm-up entry committed; each node's disk can be held. */
async function clusterWithSlowDisks() {
  const engines = new Map<number, SlowDiskEngine>();
  cluster = new TestCluster({
    groups: [9],
    tickMs: 50,
    wrapEngine: (e, id) => {
      const slow = new SlowDiskEngine(e);
      engines.set(id, slow);
      return slow;
    },
  });
  const c = cluster;
  await c.start();
  await c.waitForLeaders(10_000);
  await c.propose(9, 'warm-up', 'committed');
  const leader = c.leaderNode(9)!;
  return { c, leader, disk: engines.get(leader.id)!, engines };
}

/** A proposal to group 9 on `node`, and whether its promise has settled yet. */
function tracked(node: TestNode, data: string, waitFor: WaitFor): { readonly result: Promise<ProposalResult>; settled(): boolean } {
  let settled = false;
  const result = node.mr.propose(9, Buffer.from(data), { waitFor }).then((r) => {
    settled = true;
    return r;
  });
  return { result, settled: () => settled };
}

describe('Ready pass durability ordering', () => {
  it("sends a leader's appends at once, in parallel with its own flush, and nothing else until that flush completes", async () => {
    const { c, leader, disk } = await clusterWithSlowDisks();
    const peers = c.nodes.filter((n) => n !== leader).map((n) => n.id);
    const framesSent = () => peers.map((id) => leader.transport.peerStats(id)!.framesSent);
    const before = framesSent();

    disk.hold();
    const p = tracked(leader, 'held', 'persisted');
    await waitFor(() => disk.heldFlushes > 0, 5_000, 'a pass waiting on its flush');
    const index = leader.mr.status(9)!.lastIndex;
    // The append left before the leader's own write (Raft thesis §10.2.1): both followers persist
    // the entry and acknowledge it, but the leader counts its own copy only once it is on its disk.
    await waitFor(() => peers.every((id) => (leader.mr.status(9)!.matches.get(id) ?? 0) >= index), 5_000, 'the followers acknowledging the held entry');
    expect(framesSent().every((n, i) => n > before[i]!)).toBe(true);
    expect(leader.mr.status(9)!.matches.get(leader.id)).toBeLessThan(index);
    const sentDuringFlush = framesSent();
    await new Promise((r) => setTimeout(r, 250)); // five ticks: heartbeats are due
    expect(framesSent()).toEqual(sentDuringFlush); // no heartbeat, no further message
    expect(p.settled()).toBe(false); // acks=1 waits for the leader's own write
    expect(leader.sms.get(9)!.applied).toEqual(['warm-up']); // nor is anything applied or acknowledged as committed

    disk.release();
    const r = await p.result;
    expect(r.index).toBe(index);
    await waitFor(() => c.nodes.every((n) => n.sms.get(9)!.lastIndex >= r.index), 5_000, 'the held entry committed everywhere');
    for (const n of c.nodes) expect(n.sms.get(9)!.applied).toEqual(['warm-up', 'held']);
  });

  it('a follower acknowledges nothing while its own flush is pending', async () => {
    const { c, leader, engines } = await clusterWithSlowDisks();
    const followers = c.nodes.filter((n) => n !== leader);
    for (const f of followers) engines.get(f.id)!.hold();
    const p = tracked(leader, 'held', 'committed');
    await waitFor(() => followers.every((f) => engines.get(f.id)!.heldFlushes > 0), 5_000, 'both followers writing the entry');
    const index = leader.mr.status(9)!.lastIndex;
    await new Promise((r) => setTimeout(r, 250));
    for (const f of followers) expect(leader.mr.status(9)!.matches.get(f.id) ?? 0).toBeLessThan(index);
    expect(p.settled()).toBe(false); // the leader's own copy alone is no majority
    for (const f of followers) engines.get(f.id)!.release();
    expect((await p.result).index).toBe(index);
  });

  it('applies a commit without waiting for the commit index to reach the disk (only entries, term and vote are synced first)', async () => {
    const { leader, disk } = await clusterWithSlowDisks();

    // The entry's own flush is held, then released with the disk held again at once: the followers
    // persist and ack, and the pass that learns the commit must not wait for the held disk.
    disk.hold();
    const p = tracked(leader, 'lazy', 'committed');
    await waitFor(() => disk.heldFlushes > 0, 5_000, 'the entry waiting on its flush');
    const heldBefore = disk.heldFlushes;
    disk.release();
    disk.hold();
    try {
      await waitFor(() => p.settled(), 5_000, 'the commit applied while the leader disk is held');
      expect(disk.heldFlushes).toBe(heldBefore);
      expect(leader.sms.get(9)!.applied).toEqual(['warm-up', 'lazy']);
    } finally {
      disk.release();
    }
    expect((await p.result).index).toBeGreaterThan(0);
  });
});
