/**
 * The nemesis (Jepsen's nemesis part): on a schedule drawn from one seed, injects one fault at a
 * time into the real cluster, holds it, heals it, and records both in the history. Timings are real
 * time, so a seed reproduces the choice and order of faults, not their exact interleaving with the
 * workload.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SeededRng } from '../../src/core/index.js';
import { Deadline } from '../e2e/harness/deadline.js';
import type { TestClient } from '../e2e/harness/test-client.js';
import type { ChaosCluster } from './chaos-cluster.js';
import type { NetnsNetwork } from './netns.js';
import type { Phase } from './phase.js';
import { reassign, waitReplicas } from './reassign.js';
import { rollBackToSynced } from './unsynced.js';

export const faultKinds = ['kill', 'pause', 'partition', 'restart', 'leader-kill', 'membership', 'lose-unsynced'] as const;
export type FaultKind = (typeof faultKinds)[number];

export interface NemesisTiming {
  /** How long a fault is held before it is healed. */
  readonly holdMinMs: number;
  readonly holdMaxMs: number;
  /** The quiet time between one heal and the next fault. */
  readonly gapMinMs: number;
  readonly gapMaxMs: number;
  /** A reassignment must complete within this (else it is recorded and undone at the final heal). */
  readonly reassignMsMax: number;
}

export const defaultTiming: NemesisTiming = { holdMinMs: 800, holdMaxMs: 2_500, gapMinMs: 200, gapMaxMs: 800, reassignMsMax: 20_000 };

export interface NemesisContext {
  readonly cluster: ChaosCluster;
  /** Present when partitions are possible (netns mode). */
  readonly net: NetnsNetwork | undefined;
  readonly client: TestClient;
  readonly topic: string;
  readonly partitions: number;
  readonly rng: SeededRng;
  readonly record: (kind: string, detail: string) => void;
  /** A node exited without the nemesis taking it down, or did not recover. */
  readonly crash: (nodeId: number, detail: string) => void;
}

const metadataCallMs = 3_000;

export class Nemesis {
  /** Partitions moved away whose way back did not complete: restored at the final heal. */
  private readonly unrestored = new Map<number, number[]>();
  private injected = 0;
  /** Nodes the nemesis took down (SIGKILL, SIGTERM) and has not started again. */
  private readonly down = new Set<number>();
  /** Nodes found exited on their own since their last start (reported once). */
  private readonly crashed = new Set<number>();

  constructor(
    private readonly ctx: NemesisContext,
    private readonly kinds: readonly FaultKind[],
    private readonly timing: NemesisTiming = defaultTiming,
  ) {
    if (kinds.length === 0) throw new Error('the nemesis needs at least one fault kind');
  }

  /** Faults injected so far. */
  get faults(): number {
    return this.injected;
  }

  /** Injects faults one after another until the phase is over. A fault that cannot be injected is recorded. */
  async run(until: Phase): Promise<void> {
    while (!until.expired()) {
      const kind = this.kinds[this.ctx.rng.int(0, this.kinds.length)]!;
      try {
        await this.inject(kind, until);
      } catch (e) {
        this.ctx.record('nemesis-error', `${kind}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
      await sleep(until.capMs(this.between(this.timing.gapMinMs, this.timing.gapMaxMs)));
    }
  }

  /** Reports every node that is not running although the nemesis did not take it down. */
  checkCrashes(): void {
    for (const n of this.ctx.cluster.nodes) {
      if (n.running || this.down.has(n.nodeId) || this.crashed.has(n.nodeId)) continue;
      this.crashed.add(n.nodeId);
      this.ctx.crash(n.nodeId, `exited on its own: ${fatalLine(n.stdoutPath)}`);
    }
  }

  /**
   * Heals everything: resumes, reconnects, starts every stopped node, undoes unfinished moves. A
   * node that does not serve again within the timeout, or a move that cannot be undone, is
   * reported (as a crash, resp. a nemesis error) and the run goes on to its checks.
   */
  async healAll(timeoutMs: number): Promise<void> {
    this.checkCrashes();
    for (const n of this.ctx.cluster.nodes) n.resume();
    this.ctx.net?.healAll();
    for (const n of this.ctx.cluster.nodes) if (!n.running) this.restart(n.nodeId);
    this.ctx.record('heal', 'final heal: everything resumed, reconnected and running');
    const health = await Promise.allSettled(this.ctx.cluster.nodes.map((n) => n.waitHealthy(timeoutMs)));
    health.forEach((h, i) => {
      const n = this.ctx.cluster.nodes[i]!;
      if (h.status !== 'rejected') return;
      const why = h.reason instanceof Error ? h.reason.message.split('\n')[0] : String(h.reason);
      this.ctx.crash(n.nodeId, `did not serve again within ${timeoutMs} ms of the final heal (${why}); last fatal log line: ${fatalLine(n.stdoutPath)}`);
    });
    for (const [partition, replicas] of this.unrestored) {
      try {
        await reassign(this.ctx.client, this.ctx.topic, partition, replicas, Deadline.in(timeoutMs, 'final restore'));
        await waitReplicas(this.ctx.client, this.ctx.topic, partition, replicas, timeoutMs);
        this.unrestored.delete(partition);
      } catch (e) {
        this.ctx.record('nemesis-error', `final restore of partition ${partition}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
    }
  }

  private between(lo: number, hi: number): number {
    return this.ctx.rng.int(lo, hi + 1);
  }

  private hold(until: Phase): Promise<void> {
    return sleep(until.capMs(this.between(this.timing.holdMinMs, this.timing.holdMaxMs)));
  }

  private note(kind: FaultKind, detail: string): void {
    this.injected++;
    this.ctx.record(kind, detail);
  }

  private inject(kind: FaultKind, until: Phase): Promise<void> {
    switch (kind) {
      case 'kill':
        return this.killAndRestart(kind, this.randomRunning(), until);
      case 'leader-kill':
        return this.leaderKill(until);
      case 'restart':
        return this.gracefulRestart(until);
      case 'pause':
        return this.pause(until);
      case 'partition':
        return this.partition(until);
      case 'membership':
        return this.membership();
      case 'lose-unsynced':
        return this.loseUnsynced(until);
    }
  }

  private randomRunning(): number {
    const up = this.ctx.cluster.nodes.filter((n) => n.running).map((n) => n.nodeId);
    if (up.length === 0) throw new Error('no node is running');
    return up[this.ctx.rng.int(0, up.length)]!;
  }

  private async killAndRestart(kind: FaultKind, nodeId: number, until: Phase, why = ''): Promise<void> {
    this.down.add(nodeId);
    await this.ctx.cluster.node(nodeId).kill();
    this.note(kind, `SIGKILL node ${nodeId}${why}`);
    await this.hold(until);
    this.restart(nodeId);
  }

  /**
   * Starts the node again without waiting for it to serve (recovery takes seconds): the next fault
   * may hit while it is still catching up, even the same node again. healAll waits for every node.
   */
  private restart(nodeId: number): void {
    this.down.delete(nodeId);
    this.crashed.delete(nodeId);
    this.ctx.cluster.start(nodeId);
    this.ctx.record('heal', `started node ${nodeId}`);
  }

  /** The leader of the metadata group or of a random partition, SIGKILLed. */
  private async leaderKill(until: Phase): Promise<void> {
    const md = await this.ctx.client.metadata([this.ctx.topic], Deadline.in(metadataCallMs, 'metadata'));
    const ofMetadata = this.ctx.rng.chance(0.5);
    const partition = this.ctx.rng.int(0, this.ctx.partitions);
    const leader = ofMetadata ? md.controllerId : (md.topics[0]?.partitions.find((p) => p.partition === partition)?.leaderId ?? 0);
    if (leader === 0 || !this.ctx.cluster.node(leader).running) throw new Error(`no running leader for ${ofMetadata ? 'the metadata group' : `partition ${partition}`}`);
    await this.killAndRestart('leader-kill', leader, until, ofMetadata ? ' (metadata leader)' : ` (leader of partition ${partition})`);
  }

  /**
   * A power failure: every running node (half of the time) or one of them SIGKILLed, and its data
   * directory cut back to what it had fsynced (unsynced.ts); after the hold they start from that.
   */
  private async loseUnsynced(until: Phase): Promise<void> {
    const running = this.ctx.cluster.nodes.filter((n) => n.running).map((n) => n.nodeId);
    if (running.length === 0) throw new Error('no node is running');
    const everyNode = this.ctx.rng.chance(0.5);
    const victims = everyNode ? running : [running[this.ctx.rng.int(0, running.length)]!];
    const logs = victims.map((id) => this.ctx.cluster.syncLogOf(id));
    if (logs.some((l) => l === undefined)) throw new Error('lose-unsynced needs the nodes to run with the sync tracker');
    for (const id of victims) this.down.add(id);
    await Promise.all(victims.map((id) => this.ctx.cluster.node(id).kill()));
    const dropped = victims.map((id, i) => {
      const s = rollBackToSynced(this.ctx.cluster.node(id).spec.dataDir, logs[i]!);
      return `node ${id} -${s.bytesDropped} B (${s.filesTruncated} cut, ${s.filesDeleted} deleted)`;
    });
    this.note('lose-unsynced', `power failure of ${everyNode ? 'every node' : `node ${victims[0]}`}, unsynced data dropped: ${dropped.join(', ')}`);
    await this.hold(until);
    for (const id of victims) this.restart(id);
  }

  private async gracefulRestart(until: Phase): Promise<void> {
    const nodeId = this.randomRunning();
    this.note('restart', `SIGTERM node ${nodeId}, then start`);
    this.down.add(nodeId);
    await this.ctx.cluster.node(nodeId).stop();
    await sleep(until.capMs(this.between(0, this.timing.holdMinMs)));
    this.restart(nodeId);
  }

  private async pause(until: Phase): Promise<void> {
    const nodeId = this.randomRunning();
    this.ctx.cluster.node(nodeId).pause();
    this.note('pause', `SIGSTOP node ${nodeId}`);
    await this.hold(until);
    this.ctx.cluster.node(nodeId).resume();
    this.ctx.record('heal', `SIGCONT node ${nodeId}`);
  }

  private async partition(until: Phase): Promise<void> {
    const net = this.ctx.net;
    if (!net) throw new Error('partitions need network namespaces (netns mode)');
    const ids = this.shuffled(this.ctx.cluster.nodes.map((n) => n.nodeId));
    const shape = (['isolate-one', 'majority-minority', 'bridge'] as const)[this.ctx.rng.int(0, 3)]!;
    const cut = partitionShape(shape, ids);
    net.cutBetween(cut.a, cut.b);
    this.note('partition', `${shape}: ${cut.describe} (cut pairs ${net.cutPairs().join(' ')})`);
    await this.hold(until);
    net.healAll();
    this.ctx.record('heal', 'network healed');
  }

  /** Moves a partition to another replica set (or shrinks it by one) and back, under load. */
  private async membership(): Promise<void> {
    const partition = this.ctx.rng.int(0, this.ctx.partitions);
    const md = await this.ctx.client.metadata([this.ctx.topic], Deadline.in(metadataCallMs, 'metadata'));
    const p = md.topics[0]?.partitions.find((x) => x.partition === partition);
    if (!p || p.learners.length > 0) throw new Error(`partition ${partition} is absent or already moving`);
    const original = [...p.replicas];
    const target = this.moveTarget(original);
    await reassign(this.ctx.client, this.ctx.topic, partition, target, Deadline.in(this.timing.reassignMsMax, 'reassign'));
    this.unrestored.set(partition, original);
    this.note('membership', `partition ${partition}: replicas ${original.join(',')} -> ${target.join(',')} -> back`);
    await waitReplicas(this.ctx.client, this.ctx.topic, partition, target, this.timing.reassignMsMax);
    await reassign(this.ctx.client, this.ctx.topic, partition, original, Deadline.in(this.timing.reassignMsMax, 'reassign back'));
    await waitReplicas(this.ctx.client, this.ctx.topic, partition, original, this.timing.reassignMsMax);
    this.unrestored.delete(partition);
    this.ctx.record('heal', `partition ${partition} back on ${original.join(',')}`);
  }

  /** One replica replaced by a node outside the set; with no such node, one replica removed. */
  private moveTarget(replicas: readonly number[]): number[] {
    const outside = this.ctx.cluster.nodes.map((n) => n.nodeId).filter((id) => !replicas.includes(id));
    const victim = this.ctx.rng.int(0, replicas.length);
    if (outside.length === 0) return replicas.filter((_, i) => i !== victim);
    const incoming = outside[this.ctx.rng.int(0, outside.length)]!;
    return replicas.map((r, i) => (i === victim ? incoming : r));
  }

  private shuffled(ids: number[]): number[] {
    for (let i = ids.length - 1; i > 0; i--) {
      const j = this.ctx.rng.int(0, i + 1);
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    return ids;
  }
}

export type PartitionShape = 'isolate-one' | 'majority-minority' | 'bridge';

/**
 * Which links to cut (every link between a node of `a` and a node of `b`), for nodes in random
 * order: isolate-one cuts the first node off; majority-minority splits off the first ⌊n/2⌋;
 * bridge keeps the first node connected to both halves of the rest, which cannot talk to each other.
 */
export function partitionShape(shape: PartitionShape, ids: readonly number[]): { a: number[]; b: number[]; describe: string } {
  if (shape === 'isolate-one') return { a: ids.slice(0, 1), b: ids.slice(1), describe: `node ${ids[0]} isolated` };
  if (shape === 'majority-minority') {
    const k = Math.floor(ids.length / 2);
    return { a: ids.slice(0, k), b: ids.slice(k), describe: `minority ${ids.slice(0, k).join(',')} | majority ${ids.slice(k).join(',')}` };
  }
  const rest = ids.slice(1);
  const half = Math.ceil(rest.length / 2);
  return { a: rest.slice(0, half), b: rest.slice(half), describe: `bridge node ${ids[0]} between ${rest.slice(0, half).join(',')} and ${rest.slice(half).join(',')}` };
}

/** The node's last fatal (pino level 50+) log message, for a crash report. */
export function fatalLine(stdoutPath: string): string {
  if (!existsSync(stdoutPath)) return 'no output';
  const lines = readFileSync(stdoutPath, 'utf8').split('\n').filter((l) => /"level":(50|60)/.test(l));
  const last = lines[lines.length - 1];
  if (!last) return 'no fatal message in its output';
  try {
    const j = JSON.parse(last) as { msg?: string; err?: unknown };
    const err = typeof j.err === 'object' && j.err !== null ? (j.err as { message?: string }).message : j.err;
    return `${j.msg ?? ''}${err ? `: ${String(err)}` : ''}`;
  } catch {
    return last.slice(0, 300);
  }
}
