/**
 * Runnel against NATS JetStream, side by side, in one run on this box (issue #9):
 *
 *   npm run bench -- compare [--records 1000000] [--record-bytes 100] [--partitions 3]
 *                            [--batch-size 1000000] [--linger-ms 5] [--latency-seconds 10]
 *                            [--skip-jetstream] [--json FILE]
 *
 * For each system, in turn (never both at once): start a 3-node cluster of real processes with data
 * on local disk, warm it up, then
 *   1. produce `records` records of `record-bytes` random bytes as fast as the client goes, each
 *      acknowledged only once a majority has it on disk (Runnel: acks=all on a topic with RF 3;
 *      JetStream: PubAck from a stream with 3 replicas and file storage), client in its own process
 *      (Runnel: `runnel producer-perf-test`; JetStream: jetstream-client.ts, pipelined async publishes);
 *   2. consume them all from the beginning (`runnel consumer-perf-test`; an ordered JetStream consumer);
 *   3. produce again at half the throughput step 1 measured, for `latency-seconds`, and report the
 *      latency percentiles at that fixed rate; then once more at one rate common to both systems
 *      (half of the slower one's maximum), so the latencies are also compared under the same load.
 * JetStream runs first (its maximum sets the common rate). Then print one table with both systems
 * and the ratio. The box's CPU use during each step is read
 * from /proc/stat, so a number limited by the 2 cores says so.
 *
 * Kafka's seed topic has 3 partitions, each a Raft group here; a JetStream stream is one Raft group,
 * so `--partitions 1` gives the one-log-each comparison as well. batch.size defaults to 1,000,000
 * bytes (just under a batch's 1 MiB limit), as throughput benchmarks of Kafka-style logs usually
 * set it; the latency runs use the same producer settings.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Cluster } from '../../test/e2e/harness/cluster.js';
import { cliMainPath, ensureDistBuilt, repoRoot } from '../../test/e2e/harness/dist.js';
import { addressOf } from '../../test/e2e/harness/health.js';
import { run } from '../../test/support/child-process.js';
import { startJetStreamCluster } from './jetstream-cluster.js';

interface Params {
  records: number;
  recordBytes: number;
  partitions: number;
  batchSizeBytes: number;
  lingerMs: number;
  latencySeconds: number;
  skipJetStream: boolean;
  json: string | undefined;
}

/** One system's results. Latencies in ms. */
export interface SystemResult {
  readonly system: 'runnel' | 'jetstream';
  readonly produce: { recordsPerSec: number; mbPerSec: number; p50: number; p99: number; boxCpuPercent: number };
  readonly consume: { recordsPerSec: number; boxCpuPercent: number };
  readonly latency: LatencyRun;
  /** At the rate common to both systems (absent when only Runnel ran). */
  readonly commonLatency: LatencyRun | undefined;
}

interface LatencyRun {
  readonly rate: number;
  readonly achieved: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** The box's CPU use during the run, % of all cores: how near saturation "50% of max" is. */
  readonly boxCpuPercent: number;
}

const warmupRecords = 20_000;
const childTimeoutMs = 600_000;
const clusterStartMs = 60_000;

function parse(argv: string[]): Params {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: 'string', default: '1000000' },
      'record-bytes': { type: 'string', default: '100' },
      partitions: { type: 'string', default: '3' },
      'batch-size': { type: 'string', default: '1000000' },
      'linger-ms': { type: 'string', default: '5' },
      'latency-seconds': { type: 'string', default: '10' },
      'skip-jetstream': { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  const int = (name: keyof typeof values, min: number): number => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}`);
    return n;
  };
  return {
    records: int('records', 1),
    recordBytes: int('record-bytes', 1),
    partitions: int('partitions', 1),
    batchSizeBytes: int('batch-size', 1024),
    lingerMs: int('linger-ms', 0),
    latencySeconds: int('latency-seconds', 1),
    skipJetStream: values['skip-jetstream'] === true,
    json: values.json,
  };
}

// ---- child processes and CPU ------------------------------------------------------------------

/** Runs a child to completion (bounded in time); its stdout, or an error with its output's tail. */
async function runChild(command: string, args: readonly string[]): Promise<string> {
  const r = await run(command, args, { timeoutMs: childTimeoutMs });
  if (r.code === 0) return r.stdout;
  throw new Error(`${command} ${args.join(' ')} ${r.timedOut ? `ran past ${childTimeoutMs} ms` : `exited with ${r.code}`}:\n${(r.stdout + r.stderr).slice(-2_000)}`);
}

/** Busy and total jiffies of the whole box (the cpu line of /proc/stat). */
function cpuTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3]! + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** Runs `step` and returns its result with the box's CPU use meanwhile, in % of all cores. */
async function withCpu<T>(step: () => Promise<T>): Promise<{ value: T; boxCpuPercent: number }> {
  const before = cpuTicks();
  const value = await step();
  const after = cpuTicks();
  const boxCpuPercent = (100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total);
  return { value, boxCpuPercent };
}

// ---- Runnel ---------------------------------------------------------------------------------------

const cli = (args: readonly string[]): Promise<string> => runChild(process.execPath, [cliMainPath, ...args]);

interface PerfLine {
  recordsPerSec: number;
  mbPerSec: number;
  avg: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
}

/** Kafka's producer-perf-test summary line (the last line of the tool's output). */
export function parseProducerSummary(output: string): PerfLine {
  const m = /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, ([\d.]+) ms 50th, ([\d.]+) ms 95th, ([\d.]+) ms 99th, ([\d.]+) ms 99.9th/.exec(output);
  if (!m) throw new Error(`no producer-perf-test summary in:\n${output.slice(-1_000)}`);
  const [recordsPerSec, mbPerSec, avg, max, p50, p95, p99, p999] = m.slice(1).map(Number) as [number, number, number, number, number, number, number, number];
  return { recordsPerSec, mbPerSec, avg, max, p50, p95, p99, p999 };
}

/** consumer-perf-test's CSV line: fetch.nMsg.sec, the rate from the first record on. */
export function parseConsumerSummary(output: string): number {
  const last = output.trim().split('\n').pop() ?? '';
  const cols = last.split(',').map((c) => c.trim());
  const rate = Number(cols[9]);
  if (cols.length !== 10 || !Number.isFinite(rate)) throw new Error(`no consumer-perf-test result line in:\n${output.slice(-1_000)}`);
  return rate;
}

async function benchRunnel(p: Params, commonRate: number | undefined, log: (line: string) => void): Promise<SystemResult> {
  const built = ensureDistBuilt();
  if (built !== undefined) throw new Error(built);
  const cluster = await Cluster.start({ size: 3, hostMode: 'ports', config: { 'runnel.log.level': 'warn' } });
  try {
    await cluster.waitHealthy(clusterStartMs);
    const servers = cluster.clientAddresses().map(addressOf).join(',');
    log(`runnel: 3 nodes SERVING (${servers}); data in ${cluster.root}`);
    await cli(['topics', '--create', '--bootstrap-server', servers, '--topic', 'bench', '--partitions', String(p.partitions), '--replication-factor', '3']);
    const producerProps = ['acks=all', `linger.ms=${p.lingerMs}`, `batch.size=${p.batchSizeBytes}`];
    const producePerf = (records: number, throughput: number) =>
      cli(['producer-perf-test', '--bootstrap-server', servers, '--topic', 'bench', '--num-records', String(records), '--record-size', String(p.recordBytes), '--throughput', String(throughput), '--producer-props', ...producerProps]).then(parseProducerSummary);
    await producePerf(warmupRecords, -1);
    log('runnel: warmed up; producing');
    const produced = await withCpu(() => producePerf(p.records, -1));
    log(`runnel: produce ${Math.round(produced.value.recordsPerSec)} records/s; consuming`);
    const consumed = await withCpu(() => cli(['consumer-perf-test', '--bootstrap-server', servers, '--topic', 'bench', '--messages', String(p.records + warmupRecords)]).then(parseConsumerSummary));
    const rate = Math.max(1, Math.floor(produced.value.recordsPerSec / 2));
    log(`runnel: consume ${Math.round(consumed.value)} records/s; latency run at ${rate} records/s`);
    const latencyRun = async (r: number): Promise<LatencyRun> => {
      const { value: l, boxCpuPercent } = await withCpu(() => producePerf(r * p.latencySeconds, r));
      return { rate: r, achieved: l.recordsPerSec, p50: l.p50, p99: l.p99, p999: l.p999, max: l.max, boxCpuPercent };
    };
    const latency = await latencyRun(rate);
    if (commonRate !== undefined) log(`runnel: latency run at the common rate, ${commonRate} records/s`);
    const commonLatency = commonRate === undefined ? undefined : await latencyRun(commonRate);
    return {
      system: 'runnel',
      produce: { recordsPerSec: produced.value.recordsPerSec, mbPerSec: produced.value.mbPerSec, p50: produced.value.p50, p99: produced.value.p99, boxCpuPercent: produced.boxCpuPercent },
      consume: { recordsPerSec: consumed.value, boxCpuPercent: consumed.boxCpuPercent },
      latency,
      commonLatency,
    };
  } finally {
    await cluster.stopAll().catch(() => undefined);
    await cluster.destroy(false);
  }
}

// ---- JetStream ------------------------------------------------------------------------------------

interface JetStreamProduce {
  recordsPerSec: number;
  mbPerSec: number;
  latencyMs: { avg: number; p50: number; p95: number; p99: number; p999: number; max: number };
}

function jetStreamClient(args: readonly string[]): Promise<Record<string, unknown>> {
  const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
  return runChild(tsx, [join(repoRoot, 'scripts', 'bench', 'jetstream-client.ts'), ...args]).then((out) => {
    const line = out.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as Record<string, unknown>;
  });
}

async function benchJetStream(p: Params, log: (line: string) => void): Promise<SystemResult> {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-bench-jetstream-'));
  const cluster = await startJetStreamCluster({ dir });
  try {
    const servers = cluster.servers.join(',');
    log(`jetstream: 3 servers ready (${servers}); data in ${dir}`);
    const common = ['--servers', servers, '--stream', 'bench', '--subject', 'bench', '--record-bytes', String(p.recordBytes)];
    const producePerf = async (records: number, rate?: number) =>
      (await jetStreamClient(['produce', ...common, '--records', String(records), ...(rate === undefined ? [] : ['--rate', String(rate)])])) as unknown as JetStreamProduce;
    await producePerf(warmupRecords);
    log('jetstream: warmed up; producing');
    const produced = await withCpu(() => producePerf(p.records));
    log(`jetstream: produce ${Math.round(produced.value.recordsPerSec)} records/s; consuming`);
    const consumed = await withCpu(async () => (await jetStreamClient(['consume', ...common, '--records', String(p.records + warmupRecords)])) as unknown as { recordsPerSec: number });
    const rate = Math.max(1, Math.floor(produced.value.recordsPerSec / 2));
    log(`jetstream: consume ${Math.round(consumed.value.recordsPerSec)} records/s; latency run at ${rate} records/s`);
    const { value: latency, boxCpuPercent } = await withCpu(() => producePerf(rate * p.latencySeconds, rate));
    const run: LatencyRun = { rate, achieved: latency.recordsPerSec, p50: latency.latencyMs.p50, p99: latency.latencyMs.p99, p999: latency.latencyMs.p999, max: latency.latencyMs.max, boxCpuPercent };
    return {
      system: 'jetstream',
      produce: { recordsPerSec: produced.value.recordsPerSec, mbPerSec: produced.value.mbPerSec, p50: produced.value.latencyMs.p50, p99: produced.value.latencyMs.p99, boxCpuPercent: produced.boxCpuPercent },
      consume: { recordsPerSec: consumed.value.recordsPerSec, boxCpuPercent: consumed.boxCpuPercent },
      latency: run,
      // JetStream runs first and is the slower one here, so its 50% run is at the common rate.
      commonLatency: run,
    };
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the table ------------------------------------------------------------------------------------

function natsServerVersion(): string {
  const r = spawnSync(process.env['NATS_SERVER_BIN'] ?? 'nats-server', ['--version'], { encoding: 'utf8' });
  return (r.stdout ?? '').trim().replace(/^nats-server:\s*/, '') || 'unknown';
}

const int = (n: number): string => (Number.isNaN(n) ? '—' : Math.round(n).toLocaleString('en-US'));
const ms = (n: number): string => (Number.isNaN(n) ? '—' : `${n.toFixed(2)} ms`);

export function table(p: Params, runnel: SystemResult, jetstream: SystemResult | undefined): string {
  const rows: [string, (r: SystemResult) => number, (n: number) => string, 'higher' | 'lower'][] = [
    ['produce, records/s (acknowledged by a majority)', (r) => r.produce.recordsPerSec, int, 'higher'],
    ['produce, MB/s', (r) => r.produce.mbPerSec, (n) => n.toFixed(2), 'higher'],
    ['produce, box CPU %', (r) => r.produce.boxCpuPercent, (n) => n.toFixed(0), 'lower'],
    ['consume, records/s (from the first record)', (r) => r.consume.recordsPerSec, int, 'higher'],
    ['consume, box CPU %', (r) => r.consume.boxCpuPercent, (n) => n.toFixed(0), 'lower'],
    ['latency run: rate (50% of own max), records/s', (r) => r.latency.rate, int, 'higher'],
    ['latency run: p50', (r) => r.latency.p50, ms, 'lower'],
    ['latency run: p99', (r) => r.latency.p99, ms, 'lower'],
    ['latency run: p99.9', (r) => r.latency.p999, ms, 'lower'],
    ['latency run: box CPU %', (r) => r.latency.boxCpuPercent, (n) => n.toFixed(0), 'lower'],
    ['same-rate run: rate, records/s', (r) => r.commonLatency?.rate ?? NaN, int, 'higher'],
    ['same-rate run: p50', (r) => r.commonLatency?.p50 ?? NaN, ms, 'lower'],
    ['same-rate run: p99', (r) => r.commonLatency?.p99 ?? NaN, ms, 'lower'],
    ['same-rate run: box CPU %', (r) => r.commonLatency?.boxCpuPercent ?? NaN, (n) => n.toFixed(0), 'lower'],
  ];
  const lines = [
    `${p.records.toLocaleString('en-US')} records of ${p.recordBytes} B; Runnel topic with ${p.partitions} partition(s), RF 3, acks=all (fsynced by a majority), batch.size=${p.batchSizeBytes}, linger.ms=${p.lingerMs}; JetStream stream R3, file storage (nats-server ${natsServerVersion()}: acknowledged once a majority holds it, fsynced in the background)`,
    '',
    '| | Runnel | JetStream | Runnel / JetStream |',
    '|---|---|---|---|',
  ];
  for (const [name, get, fmt] of rows) {
    const a = get(runnel);
    const b = jetstream === undefined ? undefined : get(jetstream);
    const ratio = b === undefined || b === 0 || Number.isNaN(a) || Number.isNaN(b) ? '' : `${(a / b).toFixed(2)}x`;
    lines.push(`| ${name} | ${fmt(a)} | ${b === undefined ? 'not run' : fmt(b)} | ${ratio} |`);
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const p = parse(argv);
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  log(`compare: ${cpus().length} cores, Node ${process.version}`);
  const jetstream = p.skipJetStream ? undefined : await benchJetStream(p, log);
  const commonRate = jetstream === undefined ? undefined : jetstream.latency.rate;
  const runnel = await benchRunnel(p, commonRate, log);
  const out = table(p, runnel, jetstream);
  process.stdout.write(`${out}\n`);
  if (p.json !== undefined) writeFileSync(p.json, `${JSON.stringify({ date: new Date().toISOString(), params: p, runnel, jetstream }, null, 2)}\n`);
}
