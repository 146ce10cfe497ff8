/**
 * One chaos run: start a cluster of real node processes, run the workload while the nemesis
 * injects faults, heal, let the readers catch up, stop every node, read every replica from disk,
 * check the history, and write history.jsonl, report.json and summary.txt to the output directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRng } from '../../src/core/index.js';
import { Deadline } from '../e2e/harness/deadline.js';
import { addressOf } from '../e2e/harness/health.js';
import { TestClient } from '../e2e/harness/test-client.js';
import { ChaosCluster } from './chaos-cluster.js';
import { check, formatReport, type ChaosReport } from './checker.js';
import { toJsonl } from './history.js';
import { Nemesis, defaultTiming, type FaultKind, type NemesisTiming } from './nemesis.js';
import { NetnsNetwork } from './netns.js';
import { FaultPhase } from './phase.js';
import { readReplicas, replicaEvents } from './replicas.js';
import { buildSyncTracker } from './unsynced.js';
import { Recorder, ackedHighs, runGroup, runProducer, runReader, waitLeaders, type GroupStats, type WorkloadOptions } from './workload.js';

export interface ChaosOptions {
  readonly nodes: number;
  readonly durationMs: number;
  /** The fault phase goes on past durationMs (up to twice as long) until this many faults were injected. */
  readonly faultsMin: number;
  readonly seed: number;
  readonly faults: readonly FaultKind[];
  /** 'netns': one network namespace per node (needed for partitions); 'ports': all on 127.0.0.1. */
  readonly network: 'netns' | 'ports';
  readonly outDir: string;
  readonly partitions: number;
  readonly producers: number;
  readonly readers: number;
  /** Members of the consumer group (0: no group). */
  readonly groupMembers: number;
  readonly sendIntervalMs: number;
  readonly timing: NemesisTiming;
  /** Run the nodes from this main.js instead of dist/cli/main.js (netns only; see docs/CHAOS.md). */
  readonly nodeMain?: string;
  /** Extra server.properties keys for every node (e.g. runnel.storage.fsync=false, to see the checker catch it). */
  readonly nodeConfig: Readonly<Record<string, string>>;
  /** Keep the cluster's directory (configs, node logs, data) even when the run passes. */
  readonly keep: boolean;
  readonly log: (line: string) => void;
}

export const defaultChaosOptions: Omit<ChaosOptions, 'outDir' | 'log'> = {
  nodes: 3,
  durationMs: 60_000,
  faultsMin: 0,
  seed: 1,
  faults: ['kill', 'pause', 'partition', 'restart', 'leader-kill', 'membership', 'lose-unsynced'],
  network: 'netns',
  partitions: 3,
  producers: 2,
  readers: 2,
  groupMembers: 2,
  sendIntervalMs: 5,
  timing: defaultTiming,
  nodeConfig: {},
  keep: false,
};

export interface ChaosResult {
  readonly report: ChaosReport;
  readonly summary: string;
  readonly outDir: string;
  /** The cluster's directory, when kept. */
  readonly clusterDir: string | undefined;
}

const startTimeoutMs = 30_000;
const healTimeoutMs = 60_000;
const catchUpTimeoutMs = 60_000;
const deliveryTimeoutMs = 30_000;
const topic = 'chaos';
const crashCheckIntervalMs = 250;

/** Graceful stop of every node; one that does not stop in time is killed and reported. */
async function stopAll(cluster: ChaosCluster, crash: (node: number, detail: string) => void): Promise<void> {
  for (const n of cluster.nodes) {
    try {
      await n.stop();
    } catch (e) {
      crash(n.nodeId, `graceful stop failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
}

async function startCluster(o: ChaosOptions, net: NetnsNetwork | undefined): Promise<ChaosCluster> {
  const config = { 'runnel.log.level': 'info', ...o.nodeConfig };
  if (o.nodeMain !== undefined && !net) throw new Error('another node build (nodeMain) needs netns mode');
  // Only the lose-unsynced fault needs to know what each node synced.
  const syncTracker = o.faults.includes('lose-unsynced') ? buildSyncTracker(o.outDir) : undefined;
  return net ? ChaosCluster.inNamespaces(net, config, o.nodeMain, syncTracker) : ChaosCluster.onLoopback(o.nodes, config, syncTracker);
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  mkdirSync(o.outDir, { recursive: true });
  const net = o.network === 'netns' ? new NetnsNetwork(Array.from({ length: o.nodes }, (_, i) => i + 1)) : undefined;
  let cluster: ChaosCluster | undefined;
  let clean = false;
  try {
    net?.setUp();
    cluster = await startCluster(o, net);
    o.log(`chaos: ${o.nodes} nodes (${o.network}) in ${cluster.root}, seed ${o.seed}, ${o.durationMs} ms, faults ${o.faults.join(',')}`);
    const result = await runOn(cluster, net, o);
    clean = result.report.anomalyTotal === 0;
    return { ...result, clusterDir: o.keep || !clean ? cluster.root : undefined };
  } finally {
    await cluster?.destroy(o.keep || !clean);
    net?.tearDown();
  }
}

async function runOn(cluster: ChaosCluster, net: NetnsNetwork | undefined, o: ChaosOptions): Promise<Omit<ChaosResult, 'clusterDir'>> {
  await cluster.waitHealthy(startTimeoutMs);
  const client = new TestClient(cluster.clientAddresses());
  try {
    const replicationFactor = Math.min(3, o.nodes);
    await client.createTopic(topic, o.partitions, replicationFactor, Deadline.in(startTimeoutMs, `create ${topic}`));
    const partitionsOf = async () => (await client.metadata([topic], Deadline.in(3_000, 'metadata'))).topics[0]?.partitions ?? [];
    await waitLeaders(partitionsOf, o.partitions, startTimeoutMs);

    const rec = new Recorder();
    const run = `c${o.seed}-${Date.now().toString(36)}`;
    const rng = new SeededRng(o.seed);
    const record = (kind: string, detail: string) => {
      rec.fault(kind, detail);
      o.log(`  t=${(rec.now() / 1000).toFixed(1)}s ${kind}: ${detail}`);
    };
    const crash = (node: number, detail: string) => {
      rec.push({ type: 'crash', node, detail, t: rec.now() });
      o.log(`  t=${(rec.now() / 1000).toFixed(1)}s CRASH node ${node}: ${detail}`);
    };
    const nemesis = new Nemesis({ cluster, net, client, topic, partitions: o.partitions, rng, record, crash }, o.faults, o.timing);
    const watch = setInterval(() => nemesis.checkCrashes(), crashCheckIntervalMs);
    try {
      await runWorkload(cluster, o, run, rec, nemesis);
    } finally {
      clearInterval(watch);
    }
    const md = await client.metadata([topic], Deadline.in(30_000, 'final metadata'));
    const replicasOf = (p: number) => md.topics[0]?.partitions.find((x) => x.partition === p)?.replicas ?? [];

    await stopAll(cluster, crash);
    const logs = await readReplicas(new Map(cluster.nodes.map((n) => [n.nodeId, n.spec.dataDir])));
    for (const e of replicaEvents(logs, run, replicasOf)) rec.push(e);
    rec.push({ type: 'replicas-read', partitions: Array.from({ length: o.partitions }, (_, p) => p) });
    return write(o, rec, nemesis.faults);
  } finally {
    client.close();
  }
}

/**
 * Producers, readers and the group run while the nemesis does its work for the run's duration; then
 * everything is healed, the producers settle their last sends, and the readers and the group go on
 * until they have read every acknowledged offset (bounded).
 */
async function runWorkload(cluster: ChaosCluster, o: ChaosOptions, run: string, rec: Recorder, nemesis: Nemesis): Promise<void> {
  const w: WorkloadOptions = {
    run,
    bootstrapServers: cluster.clientAddresses().map(addressOf),
    topic,
    partitions: o.partitions,
    sendsPerProducerMax: Math.ceil(o.durationMs / o.sendIntervalMs),
    sendIntervalMs: o.sendIntervalMs,
    outstandingMax: 200,
    deliveryTimeoutMs,
  };
  const faultPhase = new FaultPhase(Deadline.in(o.durationMs, 'fault phase'), Deadline.in(2 * o.durationMs, 'longest fault phase'), () => nemesis.faults >= o.faultsMin);
  const end = Deadline.in(2 * o.durationMs + healTimeoutMs + deliveryTimeoutMs + catchUpTimeoutMs, 'chaos run');
  // Set once the producers are done: the highest acknowledged offset of every partition.
  const progress: { targets?: number[] } = {};
  const caughtUp = (last: readonly number[]) => progress.targets !== undefined && progress.targets.every((hi, p) => last[p]! >= hi);
  const producers = Promise.all(Array.from({ length: o.producers }, (_, i) => runProducer(`w${i}`, w, rec, faultPhase)));
  const readers = Promise.all(Array.from({ length: o.readers }, (_, i) => runReader(`r${i}`, w, rec, caughtUp, end)));
  // The group's committed offset is the next one to read: past every acknowledged offset.
  const groupCaughtUp = (committed: ReadonlyMap<number, number>) => progress.targets !== undefined && progress.targets.every((hi, p) => (committed.get(p) ?? 0) > hi);
  const group = o.groupMembers > 0 ? runGroup('chaos-group', o.groupMembers, w, rec, groupCaughtUp, end) : Promise.resolve<GroupStats>({ reads: 0, errors: 0, firstError: '', caughtUp: true });
  await nemesis.run(faultPhase);
  await nemesis.healAll(healTimeoutMs);
  await producers;
  progress.targets = ackedHighs(rec.events, o.partitions);
  o.log(`chaos: producers done; reading up to offsets ${progress.targets.join(',')}`);
  const readerStats = await readers;
  const groupStats = await group;
  readerStats.forEach((r, i) => {
    if (!r.caughtUp) rec.push({ type: 'stall', what: `reader r${i}`, detail: `read up to offsets ${r.last.join(',')} of ${progress.targets!.join(',')} by the end of the run`, t: rec.now() });
  });
  if (!groupStats.caughtUp) rec.push({ type: 'stall', what: 'consumer group chaos-group', detail: `did not commit past offsets ${progress.targets.join(',')} by the end of the run (read ${groupStats.reads} records; ${groupStats.errors} errors${groupStats.firstError ? `, first: ${groupStats.firstError}` : ''})`, t: rec.now() });
  o.log(`chaos: readers done (poll errors ${readerStats.map((r) => r.errors).join(',')}); group read ${groupStats.reads} records (errors ${groupStats.errors}${groupStats.firstError ? `, first: ${groupStats.firstError}` : ''})`);
}

function write(o: ChaosOptions, rec: Recorder, faultsInjected: number): Omit<ChaosResult, 'clusterDir'> {
  const report = check(rec.events);
  const summary = `${formatReport(report)}\nfaults injected: ${faultsInjected}\nhistory: ${join(o.outDir, 'history.jsonl')}`;
  writeFileSync(join(o.outDir, 'history.jsonl'), toJsonl(rec.events));
  writeFileSync(join(o.outDir, 'report.json'), JSON.stringify({ options: { ...o, log: undefined }, faultsInjected, report }, null, 2) + '\n');
  writeFileSync(join(o.outDir, 'summary.txt'), summary + '\n');
  return { report, summary, outDir: o.outDir };
}

