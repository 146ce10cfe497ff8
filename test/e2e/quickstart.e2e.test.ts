/**
 * Issue #5's quickstart and acceptance, with the built CLI and real node processes:
 *
 * 1. docs/QUICKSTART.md as written: every `sh` block, in order, run by bash in a copy of the
 *    repository (its scripts/ and config/; dist/, node_modules/ and the sources linked), so that
 *    `scripts/cluster-up.sh` writes the copy's ./data, not the checkout's. Each block must exit 0 and
 *    show the `text` block after it (test/e2e/harness/doc-steps.ts has the rules). The page's
 *    cluster uses its fixed ports 9192/9292/9392; afterAll stops whatever of it still runs.
 * 2. The acceptance: `topics --create` kafka1 (3 partitions, RF 3) and `--list` it, pipe 1,000 keyed
 *    lines into `console-producer`, read them back with `console-consumer --from-beginning
 *    --max-messages 1000`: every line exactly once, in its key's partition, at dense offsets in the
 *    order it was produced, and the partitions' end offsets (get-offsets) add up to 1,000, so
 *    nothing was written twice. Against a cluster of the e2e harness (random ports, temp dirs).
 *
 * RUNNEL_E2E_KEEP=1 keeps the temp directories; they are kept anyway when a test fails.
 */
import { cpSync, existsSync, lutimesSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { partitionForKey } from '../../src/client/index.js';
import { run, type Run } from '../cli/cli-harness.js';
import { checkPartition, type ReadRecord } from './harness/checker.js';
import { Cluster } from './harness/cluster.js';
import { pollUntil } from './harness/deadline.js';
import { cliMainPath, repoRoot } from './harness/dist.js';
import { outputMismatch, parseDocSteps, type DocStep } from './harness/doc-steps.js';
import { addressOf } from './harness/health.js';
import { childEnv } from './harness/node-process.js';
import { canBind } from './harness/ports.js';

const keep = process.env['RUNNEL_E2E_KEEP'] === '1';
/** What `sh setup` blocks may say: the e2e global setup builds dist/, and node_modules is installed. */
const setupDoneByHarness = ['npm ci && npm run build'];
/** The page's cluster (config/cluster/nodeN.properties): CLIENT 9N92, PEER 9N93 on 127.0.0.1. */
const quickstartPorts = [9192, 9193, 9292, 9293, 9392, 9393];
/** One run of one block; cluster-up.sh and cluster-down.sh bound their own waits at 30 s. */
const stepTimeoutMs = 40_000;
const retryIntervalMs = 500;
const outputShownCharsMax = 4_000;

/** Copied: what the page's commands write next to (./data beside scripts/ and config/). Linked: the rest. */
const copied = ['scripts', 'config'];
const linked = ['dist', 'node_modules', 'src', 'proto', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

/**
 * A copy of the repository for the page's commands. The links get the oldest mtime: cluster-up.sh
 * rebuilds when src/ or the build files look newer than dist/, and the global setup built it already.
 */
function sandbox(): string {
  const root = mkdtempSync(join(tmpdir(), 'runnel-quickstart-'));
  for (const name of copied) cpSync(join(repoRoot, name), join(root, name), { recursive: true });
  for (const name of linked) {
    symlinkSync(join(repoRoot, name), join(root, name));
    lutimesSync(join(root, name), 0, 0);
  }
  return root;
}

function bashEnv(): NodeJS.ProcessEnv {
  // npx must run this checkout's `runnel` bin, never fetch a package of that name.
  return { ...childEnv(), npm_config_yes: 'false' };
}

/** One block, all its output (stderr included, as a terminal shows it) in one stream. */
function runBlock(dir: string, script: string): Promise<Run> {
  return run('bash', ['-c', `set -euo pipefail\n{\n${script}\n} 2>&1`], { cwd: dir, env: bashEnv(), timeoutMs: stepTimeoutMs });
}

/** Why one run of a step failed, or undefined. */
function stepProblem(step: DocStep, r: Run): string | undefined {
  if (r.timedOut) return `timed out after ${stepTimeoutMs} ms`;
  if (r.code !== 0) return `exit code ${r.code}`;
  return step.expected && outputMismatch(step.expected, r.stdout);
}

async function runStep(dir: string, step: DocStep): Promise<void> {
  let last: { r: Run; problem: string } | undefined;
  const attempt = async (): Promise<true | undefined> => {
    const r = await runBlock(dir, step.script);
    const problem = stepProblem(step, r);
    if (problem === undefined) return true;
    last = { r, problem };
    return undefined;
  };
  const describeLast = () => (last ? `${last.problem}; output:\n${last.r.stdout.slice(-outputShownCharsMax)}` : 'not run');
  const what = `docs/QUICKSTART.md line ${step.line}: ${step.script}`;
  if (step.retryMs > 0) await pollUntil({ timeoutMs: step.retryMs, intervalMs: retryIntervalMs, what }, attempt, describeLast);
  else if ((await attempt()) === undefined) throw new Error(`${what}\n${describeLast()}`);
}

/** A node of the page's cluster (its pid file in the copy) that still runs: SIGKILL it. */
function killLeftover(dir: string, nodeId: number): void {
  const pidFile = join(dir, 'data', `node${nodeId}`, 'runnel.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const cmdline = `/proc/${pid}/cmdline`;
  // Only a process started from this copy's config (a stale pid may name another process).
  if (!Number.isInteger(pid) || !existsSync(cmdline) || !readFileSync(cmdline, 'utf8').includes(dir)) return;
  process.kill(pid, 'SIGKILL');
}

describe('docs/QUICKSTART.md, every command as written', () => {
  let dir: string | undefined;
  let failed = false;

  beforeAll(async () => {
    const buildError = inject('e2eBuildError');
    if (buildError) throw new Error(buildError);
    const taken: number[] = [];
    for (const port of quickstartPorts) if (!(await canBind('127.0.0.1', port))) taken.push(port);
    // Most likely a cluster from scripts/cluster-up.sh in the checkout: scripts/cluster-down.sh stops it.
    if (taken.length > 0) throw new Error(`the quickstart's ports ${taken.join(', ')} are in use on 127.0.0.1; stop what holds them first`);
    dir = sandbox();
  });

  afterAll(async () => {
    if (!dir) return;
    if (existsSync(join(dir, 'data'))) {
      const down = await run('bash', ['scripts/cluster-down.sh', '--wait-seconds', '10'], { cwd: dir, env: bashEnv(), timeoutMs: 20_000 });
      if (down.code !== 0) console.log(`quickstart: cluster-down.sh in afterAll: exit ${down.code}\n${down.stdout}${down.stderr}`);
      for (const nodeId of [1, 2, 3]) killLeftover(dir, nodeId);
    }
    if (keep || failed) console.log(`quickstart: files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('runs every sh block in order; each exits 0 and shows the output the page shows', async () => {
    onTestFailed(() => {
      failed = true;
    });
    const steps = parseDocSteps(readFileSync(join(repoRoot, 'docs', 'QUICKSTART.md'), 'utf8'));
    expect(steps.filter((s) => s.setup).map((s) => s.script)).toEqual(setupDoneByHarness);
    const ran = steps.filter((s) => !s.setup);
    expect(ran.length).toBeGreaterThanOrEqual(10);
    const started = performance.now();
    const timings: string[] = [];
    for (const step of ran) {
      const at = performance.now();
      await runStep(dir!, step);
      timings.push(`line ${step.line}: ${Math.round(performance.now() - at)} ms`);
    }
    // The page ends with cluster-down.sh and rm -rf data: nothing is left running or on disk.
    expect(existsSync(join(dir!, 'data'))).toBe(false);
    for (const port of quickstartPorts) expect(await canBind('127.0.0.1', port), `port ${port} free after the page`).toBe(true);
    console.log(`quickstart: ${ran.length} blocks in ${Math.round(performance.now() - started)} ms (${timings.join(', ')})`);
  }, 120_000);
});

const partitions = 3;
const lineCount = 1_000;
const keyCount = 40;

interface ConsumedLine {
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: string;
}

/** `Partition:P<tab>Offset:O<tab>key<tab>value`, as print.partition/print.offset/print.key print it. */
function parseConsumed(stdout: string): ConsumedLine[] {
  return stdout.split('\n').filter((l) => l !== '').map((l) => {
    const m = /^Partition:(\d+)\tOffset:(\d+)\t([^\t]*)\t(.*)$/.exec(l);
    if (!m) throw new Error(`console-consumer printed an unexpected line: ${JSON.stringify(l)}`);
    return { partition: Number(m[1]), offset: Number(m[2]), key: m[3]!, value: m[4]! };
  });
}

describe('issue #5 acceptance: the runnel CLI against 3 real node processes', () => {
  let cluster: Cluster | undefined;
  let failed = false;
  const cli = (args: readonly string[], stdin?: string): Promise<Run> =>
    run(process.execPath, [cliMainPath, ...args], { cwd: repoRoot, env: childEnv(), stdin, timeoutMs: 30_000 });

  beforeAll(async () => {
    const buildError = inject('e2eBuildError');
    if (buildError) throw new Error(buildError);
    cluster = await Cluster.start({ size: 3, hostMode: 'ports' });
    try {
      await cluster.waitHealthy(30_000);
    } catch (e) {
      failed = true;
      throw e;
    }
  }, 40_000);

  afterAll(async () => {
    if (!cluster) return;
    await cluster.destroy(keep || failed);
    if (keep || failed) console.log(`quickstart acceptance: cluster files kept in ${cluster.root}`);
  }, 30_000);

  it('creates and lists kafka1, pipes 1,000 lines in and reads each back once, in per-partition order', async () => {
    onTestFailed(() => {
      failed = true;
    });
    const started = performance.now();
    const bootstrap = cluster!.clientAddresses().map(addressOf).join(',');
    const ok = (r: Run, what: string) => expect(r.code, `${what}: ${r.stderr}${cluster!.logTails().slice(-outputShownCharsMax)}`).toBe(0);

    const created = await cli(['topics', '--create', '--bootstrap-server', bootstrap, '--replication-factor', '3', '--partitions', String(partitions), '--topic', 'kafka1']);
    ok(created, 'topics --create');
    expect(created.stdout).toBe('Created topic kafka1.\n');
    const listed = await cli(['topics', '--list', '--bootstrap-server', bootstrap]);
    ok(listed, 'topics --list');
    expect(listed.stdout).toBe('kafka1\n');

    // key<k>:line-<i>; each partition's lines in the order they are piped in.
    const lines = Array.from({ length: lineCount }, (_, i) => ({ key: `key${i % keyCount}`, value: `line-${String(i).padStart(4, '0')}` }));
    const expectedByPartition: string[][] = Array.from({ length: partitions }, () => []);
    for (const l of lines) expectedByPartition[partitionForKey(Buffer.from(l.key), partitions)]!.push(l.value);
    // The keys must spread over every partition, or the order check would cover less than it claims.
    for (const values of expectedByPartition) expect(values.length).toBeGreaterThan(0);

    const produced = await cli(
      ['console-producer', '--broker-list', bootstrap, '--topic', 'kafka1', '--property', 'parse.key=true', '--property', 'key.separator=:'],
      lines.map((l) => `${l.key}:${l.value}\n`).join(''),
    );
    ok(produced, 'console-producer');
    expect(produced.stdout).toBe('');

    const consumed = await cli([
      'console-consumer', '--bootstrap-server', bootstrap, '--topic', 'kafka1', '--from-beginning', '--max-messages', String(lineCount),
      '--timeout-ms', '15000', '--property', 'print.partition=true', '--property', 'print.offset=true', '--property', 'print.key=true',
    ]);
    ok(consumed, 'console-consumer');
    expect(consumed.stderr).toBe(`Processed a total of ${lineCount} messages\n`);
    const records = parseConsumed(consumed.stdout);
    expect(records).toHaveLength(lineCount);
    const keyOf = new Map(lines.map((l) => [l.value, l.key]));
    for (const r of records) expect(r.key, `key of ${r.value}`).toBe(keyOf.get(r.value));

    const offsets = await cli(['get-offsets', '--bootstrap-server', bootstrap, '--topic', 'kafka1']);
    ok(offsets, 'get-offsets');
    const endOffsets = offsets.stdout.trimEnd().split('\n').map((l) => Number(l.split(':')[2]));
    expect(offsets.stdout).toMatch(/^kafka1:0:\d+\nkafka1:1:\d+\nkafka1:2:\d+\n$/);
    // Nothing beyond the 1,000 read: the end offsets add up to exactly that many records.
    expect(endOffsets.reduce((a, b) => a + b, 0)).toBe(lineCount);

    for (let p = 0; p < partitions; p++) {
      // One producer, in order: partition p's lines are one acknowledged run from offset 0.
      const history = [{ batch: { topic: 'kafka1', partition: p, values: expectedByPartition[p]!, baseSequence: 0 }, outcome: 'ok' as const, baseOffset: 0, attempts: 1 }];
      const read: ReadRecord[] = records.filter((r) => r.partition === p).map((r) => ({ offset: r.offset, value: r.value }));
      const verdict = checkPartition(p, history, read, endOffsets[p]!);
      expect(verdict.problems, `partition ${p}`).toEqual([]);
      expect(verdict.read).toBe(expectedByPartition[p]!.length);
    }
    console.log(`quickstart acceptance: ${lineCount} lines through the CLI, per partition ${expectedByPartition.map((v) => v.length).join('/')}, ${Math.round(performance.now() - started)} ms`);
  }, 90_000);
});
