/**
 * The simulator's command line.
 *
 *   npm run sim -- --seeds 10000                 # seeds 1..10000, alternating 3 and 5 nodes
 *   npm run sim -- --seed 1234 --nodes 5          # one seed, exactly as a failure prints it
 *   npm run sim -- --seed 1234 --nodes 5 --verbose  # ... and print the whole trace
 *   SEED=1234 npm run sim                         # same as --seed 1234
 *
 * Other flags: --from S (first seed of --seeds, default 1), --steps N (fault-phase events per seed).
 * Exits 1 on the first failure, after printing the property, the step, the trace tail and the
 * reproduction command; the whole trace of the failing seed is saved under .sim-failures/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_FAULT_STEPS, SimFailure } from './failure.js';
import { runSeeds } from './run-seeds.js';
import { defaultNodeCount, runSimulation } from './simulation.js';
import { formatStats } from './stats.js';
import { formatEvent } from './trace.js';

interface Args {
  seed: number | undefined;
  seeds: number;
  from: number;
  nodes: 3 | 5 | undefined;
  steps: number;
  verbose: boolean;
}

const USAGE = 'usage: npm run sim -- [--seed N | --seeds N [--from S]] [--nodes 3|5] [--steps N] [--verbose]';

function parseArgs(argv: readonly string[]): Args {
  const envSeed = process.env['SEED'];
  const a: Args = { seed: envSeed ? intArg('SEED', envSeed) : undefined, seeds: 100, from: 1, nodes: undefined, steps: DEFAULT_FAULT_STEPS, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => argv[++i] ?? usageError(`${flag} needs a value`);
    if (flag === '--seed') a.seed = intArg(flag, value());
    else if (flag === '--seeds') a.seeds = intArg(flag, value());
    else if (flag === '--from') a.from = intArg(flag, value());
    else if (flag === '--steps') a.steps = intArg(flag, value());
    else if (flag === '--nodes') a.nodes = nodesArg(value());
    else if (flag === '--verbose') a.verbose = true;
    else usageError(`unknown argument ${flag}`);
  }
  return a;
}

function intArg(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) usageError(`${flag} must be a non-negative integer, got ${v}`);
  return n;
}

function nodesArg(v: string): 3 | 5 {
  if (v !== '3' && v !== '5') usageError(`--nodes must be 3 or 5, got ${v}`);
  return v === '3' ? 3 : 5;
}

function usageError(msg: string): never {
  process.stderr.write(`${msg}\n${USAGE}\n`);
  process.exit(2);
}

/** Where a failing seed's whole trace is saved (git-ignored). */
const FAILURES_DIR = '.sim-failures';

/**
 * Print the failure (the trace tail, or with --verbose the whole trace) and save the whole trace
 * to FAILURES_DIR. Replaying the seed with the full trace on is exact, so nothing is lost by not
 * recording everything in the first run.
 */
function printFailure(f: SimFailure, verbose: boolean): void {
  let full: SimFailure | undefined;
  try {
    runSimulation({ ...f.id, fullTrace: true });
  } catch (e) {
    if (e instanceof SimFailure) full = e;
  }
  process.stdout.write(`${(verbose && full ? full : f).report()}\n`);
  if (!full) return;
  mkdirSync(FAILURES_DIR, { recursive: true });
  const path = join(FAILURES_DIR, `seed-${f.id.seed}-${f.id.nodeCount}-nodes.txt`);
  writeFileSync(path, `${full.report()}\n`);
  process.stdout.write(`whole trace saved to ${path}\n`);
}

function runOne(a: Args, seed: number): void {
  const nodeCount = a.nodes ?? defaultNodeCount(seed);
  const started = performance.now();
  try {
    const r = runSimulation({ seed, nodeCount, faultSteps: a.steps, fullTrace: a.verbose });
    if (a.verbose) for (const ev of r.trace.full() ?? []) process.stdout.write(`${formatEvent(ev)}\n`);
    process.stdout.write(`seed ${seed} (${nodeCount} nodes) passed in ${((performance.now() - started) / 1000).toFixed(2)}s, ` +
      `trace fingerprint ${r.fingerprint.toString(16)}\n${formatStats(r.stats)}\n`);
  } catch (e) {
    if (!(e instanceof SimFailure)) throw e;
    printFailure(e, a.verbose);
    process.exitCode = 1;
  }
}

function runMany(a: Args): void {
  const started = performance.now();
  const progressEvery = Math.max(100, Math.floor(a.seeds / 10));
  const { stats, failure } = runSeeds({ firstSeed: a.from, count: a.seeds, nodeCount: a.nodes, faultSteps: a.steps }, (seed) => {
    const done = seed - a.from + 1;
    if (done % progressEvery === 0) process.stderr.write(`  ${done}/${a.seeds} seeds, ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (failure) {
    printFailure(failure, a.verbose);
    process.stdout.write(`FAILED after ${stats.seeds} passing seeds (${seconds}s)\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`all ${stats.seeds} seeds passed in ${seconds}s (${a.steps} fault steps each)\n${formatStats(stats)}\n`);
}

const args = parseArgs(process.argv.slice(2));
if (args.seed !== undefined) runOne(args, args.seed);
else runMany(args);
