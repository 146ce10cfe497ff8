/**
 * Issue #6's acceptance, with real node processes (3 nodes) and real consumer processes (the built
 * `runnel console-consumer --group`, SIGKILLable): on a 6-partition RF-3 topic,
 * - 3 consumers in one group get exactly 2 partitions each;
 * - one consumer SIGKILLed (no leave) loses its partitions to the other two within
 *   session.timeout.ms (3 s) + a bound, and they read again what it read there without committing;
 * - committed offsets survive a SIGKILL of the group's coordinator node (found with FindCoordinator):
 *   after re-election OffsetFetch answers offsets >= those read before the kill;
 * - after all consumers restart, each partition resumes exactly at its committed offset;
 * - across the whole run every produced record is consumed at least once, and the committed offsets
 *   (polled with OffsetFetch throughout) never move backward.
 * Every wait polls against a deadline; every child process is killed in afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { AdminClient, Producer, type ConsumerGroupDescription } from '../../src/client/index.js';
import { Cluster } from './harness/cluster.js';
import { Deadline, pollUntil } from './harness/deadline.js';
import { cliMainPath, repoRoot } from './harness/dist.js';
import { addressOf, type HostPort } from './harness/health.js';
import { childEnv } from './harness/node-process.js';
import { TestClient } from './harness/test-client.js';

const topic = 'groups-e2e';
const group = 'e2e-group';
const partitions = 6;
const sessionTimeoutMs = 3_000;
/** How long past the session timeout a dead member's partitions may take to reach the others. */
const moveBoundMs = 7_000;
const recordsPerPhase = 300;
const keep = process.env['RUNNEL_E2E_KEEP'] === '1';

interface Consumed {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

/** A `runnel console-consumer --group` child process; its printed records parsed as they come. */
class ConsumerProcess {
  readonly consumed: Consumed[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private stderr = '';
  private partial = '';

  constructor(
    readonly name: string,
    bootstrap: string,
    autoCommitIntervalMs = 300,
  ) {
    const args = [cliMainPath, 'console-consumer', '--bootstrap-server', bootstrap, '--topic', topic, '--group', group, '--from-beginning'];
    const props = [`client.id=${name}`, `session.timeout.ms=${sessionTimeoutMs}`, `auto.commit.interval.ms=${autoCommitIntervalMs}`];
    for (const p of props) args.push('--consumer-property', p);
    args.push('--property', 'print.partition=true,print.offset=true');
    this.child = spawn(process.execPath, args, { cwd: repoRoot, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => this.absorb(d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-4_000)));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        live.delete(this.child);
        resolve({ code, signal });
      }),
    );
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  get stderrTail(): string {
    return this.stderr;
  }

  /** `Partition:3<TAB>Offset:17<TAB>value` lines. */
  private absorb(data: string): void {
    const lines = (this.partial + data).split('\n');
    this.partial = lines.pop()!;
    for (const l of lines) {
      const m = /^Partition:(\d+)\tOffset:(\d+)\t(.*)$/.exec(l);
      if (m) this.consumed.push({ partition: Number(m[1]), offset: Number(m[2]), value: m[3]! });
    }
  }
}

const live = new Set<ChildProcess>();

/** Whether the node at `address` (asked alone, by a fresh client) has the topic with a leader for every partition. */
async function knowsTopic(address: HostPort): Promise<boolean> {
  const probe = new TestClient([address]);
  try {
    const t = (await probe.metadata([topic], Deadline.in(2_000, `metadata from ${addressOf(address)}`))).topics[0];
    return !t?.error && t?.partitions.length === partitions && t.partitions.every((p) => p.leaderId !== 0);
  } finally {
    probe.close();
  }
}

describe('consumer groups across consumer and coordinator crashes', () => {
  let cluster: Cluster | undefined;
  let failed = false;

  beforeAll(async () => {
    const buildError = inject('e2eBuildError');
    if (buildError) throw new Error(buildError);
    cluster = await Cluster.start({ size: 3, hostMode: 'ports', config: { 'runnel.log.level': 'info' } });
    await cluster.waitHealthy(30_000);
  }, 40_000);

  afterAll(async () => {
    for (const c of live) c.kill('SIGKILL');
    if (!cluster) return;
    await cluster.destroy(keep || failed);
    if (keep || failed) console.log(`e2e: cluster files kept in ${cluster.root}`);
  }, 30_000);

  it('balances, moves a dead member\'s partitions, keeps commits across a coordinator crash, resumes from them', async () => {
    onTestFailed(() => {
      failed = true;
      console.log(cluster?.logTails());
    });
    const c = cluster!;
    const bootstrapServers = c.clientAddresses().map(addressOf);
    const bootstrap = bootstrapServers.join(',');
    const clientOptions = { bootstrapServers, requestTimeoutMs: 2_000, operationTimeoutMs: 15_000 };
    const admin = new AdminClient(clientOptions);
    const producer = new Producer({ ...clientOptions, lingerMs: 2, deliveryTimeoutMs: 30_000 });
    const consumers: ConsumerProcess[] = [];
    const started = Date.now();
    const timeline: Record<string, number> = {};
    const mark = (what: string) => (timeline[what] = Date.now() - started);
    const produced = new Set<string>();
    const describeGroup = async (): Promise<ConsumerGroupDescription> => (await admin.groups.describeConsumerGroups([group]))[0]!;
    const seen = (): Set<string> => new Set(consumers.flatMap((p) => p.consumed.map((r) => r.value)));
    const produce = async (phase: string): Promise<void> => {
      const values = Array.from({ length: recordsPerPhase }, (_, i) => `${phase}-${i}`);
      await Promise.all(values.map((value, i) => producer.send(topic, { value, partition: i % partitions })));
      for (const v of values) produced.add(v);
    };
    const allSeen = (what: string) =>
      pollUntil({ timeoutMs: 30_000, intervalMs: 100, what }, () => Promise.resolve([...produced].every((v) => seen().has(v)) ? true : undefined), () => {
        const s = seen();
        return `${[...produced].filter((v) => !s.has(v)).length} of ${produced.size} not seen; consumers: ${consumers.map((p) => `${p.name} ${p.consumed.length}: ${p.stderrTail}`).join(' | ')}`;
      });

    // Committed offsets, polled throughout: they must never move backward.
    const highest = new Map<string, number>();
    const backward: string[] = [];
    let monitoring = true;
    let offsetPolls = 0;
    const observe = (offsets: ReadonlyMap<string, number>): void => {
      offsetPolls++;
      for (const [k, v] of offsets) {
        if (v < (highest.get(k) ?? -1)) backward.push(`${k}: ${highest.get(k)} -> ${v}`);
        highest.set(k, Math.max(v, highest.get(k) ?? -1));
      }
    };
    const monitor = (async () => {
      for (let i = 0; monitoring && i < 2_000; i++) {
        await admin.groups.listConsumerGroupOffsets(group).then(observe, () => undefined);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    try {
      const [created] = await admin.createTopics([{ name: topic, numPartitions: partitions, replicationFactor: 3 }]);
      expect(created!.error).toBeNull();
      // Every node must know the topic and its leaders before the producer asks any of them.
      await pollUntil({ timeoutMs: 15_000, intervalMs: 100, what: `every node knowing ${topic}` }, async () => {
        const known = await Promise.all(c.clientAddresses().map((a) => knowsTopic(a)));
        return known.every(Boolean) ? true : undefined;
      });
      await produce('a');

      // 1. Three members: exactly two partitions each.
      // c1 first, alone: it reads all of phase a, then hands 4 partitions over (committing them) as c2
      // and c3 join. It never auto-commits (interval 60 s), so what it reads from the 2 it keeps is
      // committed by nobody: after its crash the others must read those records again.
      const c1 = new ConsumerProcess('c1', bootstrap, 60_000);
      consumers.push(c1);
      await pollUntil({ timeoutMs: 30_000, intervalMs: 100, what: 'c1 alone reading phase a' }, () => Promise.resolve(c1.consumed.length >= recordsPerPhase ? true : undefined));
      for (const name of ['c2', 'c3']) consumers.push(new ConsumerProcess(name, bootstrap));
      const balanced = await pollUntil({ timeoutMs: 30_000, intervalMs: 200, what: '3 members with 2 partitions each' }, async () => {
        const g = await describeGroup();
        return g.members.length === 3 && g.members.every((m) => m.assignment.length === 2 && m.owned.length === 2) ? g : undefined;
      });
      expect(new Set(balanced.members.flatMap((m) => m.assignment.map((tp) => tp.partition))).size).toBe(partitions);
      mark('balanced');
      await allSeen('phase a consumed');

      // 2. SIGKILL c1 (no leave): its partitions move to c2 and c3 within the session timeout + a bound.
      const c1Member = balanced.members.find((m) => m.clientId === 'c1')!;
      const c1Kept = new Set(c1Member.assignment.map((tp) => tp.partition));
      c1.signal('SIGKILL');
      await c1.exited;
      const killedAt = Date.now();
      const moved = await pollUntil({ timeoutMs: sessionTimeoutMs + moveBoundMs, intervalMs: 100, what: "c1's partitions moved to c2 and c3" }, async () => {
        const g = await describeGroup();
        const ok = g.members.length === 2 && !g.members.some((m) => m.memberId === c1Member.memberId) && g.members.every((m) => m.owned.length === 3);
        return ok ? g : undefined;
      });
      timeline['partitionsMovedAfterKillMs'] = Date.now() - killedAt;
      expect(Date.now() - killedAt).toBeLessThan(sessionTimeoutMs + moveBoundMs);
      expect(moved.members.map((m) => m.clientId).sort()).toEqual(['c2', 'c3']);
      await produce('b');
      await allSeen('phase b consumed by c2 and c3');
      // Never committed by c1: read again by the others (at-least-once across a crash).
      const reread = new Set(consumers.slice(1).flatMap((p) => p.consumed.map((r) => r.value)));
      const c1Uncommitted = c1.consumed.filter((r) => c1Kept.has(r.partition)).map((r) => r.value);
      expect(c1Uncommitted.length).toBeGreaterThan(0);
      expect(c1Uncommitted.filter((v) => !reread.has(v))).toEqual([]);

      // 3. SIGKILL the coordinator: the committed offsets read before survive the re-election.
      const expectedEnd = produced.size / partitions; // each phase writes the same count to every partition of the new topic
      const before = await pollUntil({ timeoutMs: 15_000, intervalMs: 200, what: 'everything committed before the coordinator crash' }, async () => {
        const o = await admin.groups.listConsumerGroupOffsets(group);
        return [...Array(partitions).keys()].every((p) => o.get(`${topic}/${p}`) === expectedEnd) ? o : undefined;
      });
      const coordinator = await admin.groups.findCoordinator(group);
      await c.node(coordinator.nodeId).kill();
      mark(`coordinator${coordinator.nodeId}Killed`);
      const after = await pollUntil({ timeoutMs: 30_000, intervalMs: 200, what: 'OffsetFetch from the new coordinator' }, () => admin.groups.listConsumerGroupOffsets(group));
      mark('offsetsFetchedAfterKill');
      for (const [k, v] of before) expect(after.get(k), k).toBeGreaterThanOrEqual(v);
      expect((await admin.groups.findCoordinator(group)).nodeId).not.toBe(coordinator.nodeId);
      await produce('c');
      await allSeen('phase c consumed after the coordinator crash');
      mark('consumedAfterCoordinatorCrash');

      // 4. Restart every consumer: each partition resumes exactly at its committed offset.
      for (const p of consumers.slice(1)) p.signal('SIGINT'); // commit and leave
      await Promise.all(consumers.map((p) => p.exited));
      const committed = await admin.groups.listConsumerGroupOffsets(group);
      await produce('d');
      const restarted = ['c4', 'c5', 'c6'].map((name) => new ConsumerProcess(name, bootstrap));
      consumers.push(...restarted);
      await allSeen('phase d consumed after the restart');
      mark('consumedAfterRestart');
      for (let p = 0; p < partitions; p++) {
        const first = Math.min(...restarted.flatMap((x) => x.consumed.filter((r) => r.partition === p).map((r) => r.offset)));
        expect(first, `partition ${p} resumes at its committed offset`).toBe(committed.get(`${topic}/${p}`));
      }
    } finally {
      console.log(`e2e consumer groups: ${JSON.stringify({ ...timeline, offsetPolls, consumed: consumers.map((p) => p.consumed.length) })}`);
      monitoring = false;
      await monitor;
      for (const p of consumers) p.signal('SIGKILL');
      await producer.close().catch(() => undefined);
      admin.close();
    }
    expect(highest.size).toBe(partitions);
    expect(offsetPolls).toBeGreaterThan(20);
    expect(backward).toEqual([]);
  }, 120_000);
});
