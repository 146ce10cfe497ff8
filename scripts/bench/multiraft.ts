/**
 * Proposal throughput through three MultiRaft nodes in ONE process (each with its own LevelDB and
 * GrpcTransport on 127.0.0.1/2/3, so the three share this machine's cores and disk).
 *
 * `groups` 3-voter groups; `concurrency` proposals are kept outstanding, spread round-robin over
 * the groups and sent to each group's leader; each carries `value-bytes` of data and waits for
 * `wait` ('committed' = acks=all, 'persisted' = acks=1). Reports proposals/s, MB/s, latency
 * percentiles, and Ready passes / flushes / frames per second on the busiest node.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { GroupId, Index } from '../../src/core/index.js';
import { MultiRaft, type StateMachine, type WaitFor } from '../../src/multiraft/index.js';
import { StateType } from '../../src/raft/index.js';
import { LevelDbEngine } from '../../src/storage/index.js';
import { GrpcTransport } from '../../src/transport/index.js';

interface Params {
  groups: number;
  seconds: number;
  concurrency: number;
  valueBytes: number;
  wait: WaitFor;
  fsync: boolean;
}

interface BenchNode {
  engine: LevelDbEngine;
  transport: GrpcTransport;
  mr: MultiRaft;
}

/** Counts applied entries only: the bench measures the pipeline, not a state machine. */
class CountingStateMachine implements StateMachine {
  applied = 0;
  appliedIndex(): Index {
    return 0;
  }
  apply(entries: readonly unknown[]): void {
    this.applied += entries.length;
  }
  restore(): void {}
  snapshot(): Uint8Array {
    return new Uint8Array(0);
  }
}

function parse(argv: string[]): Params {
  const { values } = parseArgs({
    args: argv,
    options: {
      groups: { type: 'string', default: '21' },
      seconds: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '1000' },
      'value-bytes': { type: 'string', default: '100' },
      wait: { type: 'string', default: 'committed' },
      'no-fsync': { type: 'boolean', default: false },
    },
  });
  const wait = values.wait === 'persisted' ? 'persisted' : 'committed';
  return {
    groups: Number(values.groups),
    seconds: Number(values.seconds),
    concurrency: Number(values.concurrency),
    valueBytes: Number(values['value-bytes']),
    wait,
    fsync: !values['no-fsync'],
  };
}

async function startNodes(p: Params, root: string): Promise<BenchNode[]> {
  const nodes: BenchNode[] = [];
  for (const id of [1, 2, 3]) {
    const engine = await LevelDbEngine.open({ dir: join(root, `node-${id}`), fsync: p.fsync });
    const transport = await GrpcTransport.start({ nodeId: id, clusterId: 'bench', listenAddress: `127.0.0.${id}:0` });
    const mr = new MultiRaft({ nodeId: id, engine, transport, tickMs: 100 });
    for (let g = 0; g < p.groups; g++) {
      const storage = await engine.openGroup(g, { bootstrap: { voters: [1, 2, 3], learners: [] } });
      mr.addGroup(g, { storage, stateMachine: new CountingStateMachine() });
    }
    nodes.push({ engine, transport, mr });
  }
  for (const [i, n] of nodes.entries()) nodes.forEach((p2, k) => k !== i && n.transport.setPeerAddress(k + 1, p2.transport.address));
  return nodes;
}

function leaderOf(nodes: BenchNode[], g: GroupId): BenchNode | undefined {
  return nodes.find((n) => n.mr.status(g)?.softState.state === StateType.Leader);
}

async function waitLeaders(nodes: BenchNode[], groups: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (![...Array(groups).keys()].every((g) => leaderOf(nodes, g))) {
    if (Date.now() > deadline) throw new Error('no leader in some group after 30 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function run(nodes: BenchNode[], p: Params): Promise<{ done: number; failed: number; latenciesMs: number[]; ms: number }> {
  const value = randomBytes(p.valueBytes);
  const latenciesMs: number[] = [];
  let failed = 0;
  const endAt = performance.now() + p.seconds * 1000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < endAt) {
      const g = next++ % p.groups;
      const leader = leaderOf(nodes, g);
      const t0 = performance.now();
      if (!leader) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      try {
        await leader.mr.propose(g, value, { waitFor: p.wait });
        latenciesMs.push(performance.now() - t0);
      } catch {
        failed++; // a leader change mid-run; the client would retry elsewhere
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: p.concurrency }, worker));
  return { done: latenciesMs.length, failed, latenciesMs, ms: performance.now() - t0 };
}

function pct(sorted: number[], q: number): string {
  return (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1);
}

export async function main(argv: string[]): Promise<void> {
  const p = parse(argv);
  const root = mkdtempSync(join(tmpdir(), 'runnel-bench-multiraft-'));
  const nodes = await startNodes(p, root);
  try {
    await waitLeaders(nodes, p.groups);
    const before = nodes.map((n) => n.mr.stats());
    const r = await run(nodes, p);
    const sec = r.ms / 1000;
    const lat = r.latenciesMs.sort((a, b) => a - b);
    const stats = nodes.map((n, i) => ({ after: n.mr.stats(), before: before[i]! }));
    const busiest = stats.reduce((a, b) => (b.after.passes - b.before.passes > a.after.passes - a.before.passes ? b : a));
    const rate = (k: 'passes' | 'flushes' | 'messageFrames'): string => ((busiest.after[k] - busiest.before[k]) / sec).toFixed(0);
    process.stdout.write(
      `multiraft bench: ${p.groups} groups x 3 nodes, concurrency ${p.concurrency}, ${p.valueBytes} B values, wait=${p.wait}, fsync=${p.fsync}\n` +
        `  ${(r.done / sec).toFixed(0)} proposals/s, ${((r.done * p.valueBytes) / sec / 1e6).toFixed(1)} MB/s of values (${r.failed} failed)\n` +
        `  latency ms: p50 ${pct(lat, 0.5)}  p99 ${pct(lat, 0.99)}  max ${pct(lat, 1)}\n` +
        `  busiest node: ${rate('passes')} passes/s, ${rate('flushes')} flushes/s, ${rate('messageFrames')} message frames/s\n`,
    );
  } finally {
    for (const n of nodes) await n.mr.close();
    await Promise.all(nodes.map((n) => n.transport.close()));
    await Promise.all(nodes.map((n) => n.engine.close()));
    rmSync(root, { recursive: true, force: true });
  }
}
