/**
 * One seed, start to finish: everything (per-seed knobs, network, nemesis, workload, each node's
 * election randomness) derives from `new SeededRng(seed)`, and simulated time comes from one event
 * queue, so a seed replays exactly. A fault phase of `faultSteps` events is followed by the healed
 * liveness phase (liveness.ts) and a final whole-log check.
 */
import { SeededRng } from '../../src/core/index.js';
import { SafetyChecker } from './checker.js';
import { Cluster } from './cluster.js';
import { SimFailure, type RunIdentity } from './failure.js';
import { HealPhase } from './liveness.js';
import { Nemesis } from './nemesis.js';
import { drawParams } from './params.js';
import { Scheduler } from './scheduler.js';
import { Snapshotter } from './snapshotter.js';
import { emptyStats, type SimStats } from './stats.js';
import { Trace, TraceKind } from './trace.js';
import { Workload } from './workload.js';

export interface SimOptions extends RunIdentity {
  /** Keep every trace event (for --verbose and the determinism test), not just the tail. */
  readonly fullTrace: boolean;
}

export interface SimResult {
  readonly stats: SimStats;
  /** Fingerprint of the whole trace: equal for two runs of one seed. */
  readonly fingerprint: number;
  readonly trace: Trace;
}

/** Runs one seed; throws SimFailure naming the broken property and how to reproduce it. */
export function runSimulation(o: SimOptions): SimResult {
  const rng = new SeededRng(o.seed);
  const params = drawParams(rng.fork());
  const scheduler = new Scheduler();
  const trace = new Trace(o.fullTrace, scheduler);
  const stats = emptyStats();
  stats.seeds = 1;
  const checker = new SafetyChecker(stats, trace);
  const snapshotter = new Snapshotter(rng.fork(), params, stats, trace);
  const clusterRng = rng.fork();
  const nemesisRng = rng.fork();
  const workloadRng = rng.fork();
  // Forked last: the other streams are what they were before cold reads existed.
  const coldRng = rng.fork();
  const cluster = new Cluster({ rng: clusterRng, params, scheduler, stats, trace, checker, snapshotter, coldRng });
  const nemesis = new Nemesis(cluster, nemesisRng, params, stats, trace, o.nodeCount);
  const workload = new Workload(cluster, workloadRng, params, o.seed);
  const step = (): void => {
    trace.step = ++stats.steps;
    if (!scheduler.runNext()) throw new Error('simulation ran out of events');
  };
  try {
    cluster.bootstrap(o.nodeCount);
    nemesis.start();
    workload.start();
    while (stats.steps < o.faultSteps) step();
    workload.stop();
    nemesis.heal();
    new HealPhase(cluster, checker, params, stats, trace, o.seed, step).run();
    trace.note(TraceKind.Note, 0, 'final check of every log');
    checker.finalCheck(cluster.nodes.values());
  } catch (e) {
    throw SimFailure.from(e, o, trace, scheduler.now);
  }
  stats.simulatedMs = scheduler.now;
  return { stats, fingerprint: trace.fingerprint, trace };
}

/** The node count used when none is given: seeds alternate between 3 and 5 nodes. */
export function defaultNodeCount(seed: number): 3 | 5 {
  return seed % 2 === 0 ? 5 : 3;
}
