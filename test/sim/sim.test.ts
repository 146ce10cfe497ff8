/**
 * The simulator in CI: 1,000 seeds alternating 3- and 5-node clusters, each a fault phase and a
 * healed liveness phase, with Raft's safety properties checked after every step. The counters prove
 * the faults were really exercised; the replay test proves a seed reproduces exactly.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_STEPS, SimFailure } from './failure.js';
import { runSeeds } from './run-seeds.js';
import { runSimulation, type SimOptions } from './simulation.js';
import { Scheduler } from './scheduler.js';
import { formatStats, type SimStats } from './stats.js';
import { formatEvent, Trace } from './trace.js';
import { Violation } from './violation.js';

const CI_SEEDS = 1000;

/** Every kind of fault and event the simulator claims to inject must have happened at least once. */
const MUST_HAPPEN: readonly (keyof SimStats)[] = [
  'elections', 'leaderChanges', 'commits', 'crashes', 'restarts', 'pauses', 'slowFsyncs', 'snapshotsCreated', 'snapshotsInstalled',
  'partitions', 'oneWayPartitions', 'confChangesProposed', 'confChangesCommitted', 'transfersRequested',
  'transfersCompleted', 'messagesDropped', 'messagesDuplicated', 'proposalsDropped',
];

describe('deterministic cluster simulator', () => {
  it(`keeps Raft safe, and live after faults heal, over ${CI_SEEDS} seeds`, () => {
    const { stats, failure } = runSeeds({ firstSeed: 1, count: CI_SEEDS, nodeCount: undefined, faultSteps: DEFAULT_FAULT_STEPS });
    if (failure) throw new Error(failure.report());
    expect(stats.seeds).toBe(CI_SEEDS);
    for (const key of MUST_HAPPEN) expect(stats[key], `${key}\n${formatStats(stats)}`).toBeGreaterThan(0);
  });

  it('replays a seed exactly: same trace, same counters', () => {
    for (const nodeCount of [3, 5] as const) {
      const options: SimOptions = { seed: 4242, nodeCount, faultSteps: 4000, fullTrace: true };
      const first = runSimulation(options);
      const second = runSimulation(options);
      const lines = first.trace.full()!.map(formatEvent);
      expect(lines.length).toBeGreaterThan(1000);
      expect(second.trace.full()!.map(formatEvent)).toEqual(lines);
      expect(second.fingerprint).toBe(first.fingerprint);
      expect(second.stats).toEqual(first.stats);
    }
  });

  it('gives different seeds different runs', () => {
    const run = (seed: number): number => runSimulation({ seed, nodeCount: 3, faultSteps: 2000, fullTrace: false }).fingerprint;
    expect(run(1)).not.toBe(run(2));
  });

  it('reports a failure with the property, the step and the command that reproduces it', () => {
    const trace = new Trace(false, new Scheduler());
    trace.step = 77;
    const f = SimFailure.from(new Violation('election safety', 'n1 and n2 both leaders of term 3'), { seed: 1234, nodeCount: 5, faultSteps: DEFAULT_FAULT_STEPS }, trace, 500);
    expect(f.report()).toContain('election safety violated at step 77');
    expect(f.report()).toContain('npm run sim -- --seed 1234 --nodes 5');
  });
});
