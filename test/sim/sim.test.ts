/**
 * The simulator in CI: 1,000 seeds alternating 3- and 5-node clusters, each a fault phase and a
 * healed liveness phase, with Raft's safety properties checked after every step. The counters prove
 * the faults were really exercised; the replay test proves a seed reproduces exactly.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/core/index.js';
import { EntryType, MemoryStorage, TemporarilyUnavailableError } from '../../src/raft/index.js';
import { ColdStorage } from './cold-storage.js';
import type { ColdStorageParams } from './params.js';
import { DEFAULT_FAULT_STEPS, SimFailure } from './failure.js';
import { runSeeds } from './run-seeds.js';
import { runSimulation, type SimOptions } from './simulation.js';
import { Scheduler } from './scheduler.js';
import { emptyStats, formatStats, type SimStats } from './stats.js';
import { formatEvent, Trace } from './trace.js';
import { Violation } from './violation.js';

const CI_SEEDS = 1000;

/** Every kind of fault and event the simulator claims to inject must have happened at least once. */
const MUST_HAPPEN: readonly (keyof SimStats)[] = [
  'elections', 'leaderChanges', 'commits', 'crashes', 'restarts', 'pauses', 'slowFsyncs', 'snapshotsCreated', 'snapshotsInstalled',
  'partitions', 'oneWayPartitions', 'confChangesProposed', 'confChangesCommitted', 'transfersRequested',
  'transfersCompleted', 'messagesDropped', 'messagesDuplicated', 'proposalsDropped', 'coldReads', 'coldLoads',
  'snapshotsNotReady',
];

describe('deterministic cluster simulator', () => {
  it(`keeps Raft safe, and live after faults heal, over ${CI_SEEDS} seeds`, () => {
    const { stats, failure } = runSeeds({ firstSeed: 1, count: CI_SEEDS, nodeCount: undefined, faultSteps: DEFAULT_FAULT_STEPS });
    if (failure) throw new Error(failure.report());
    expect(stats.seeds).toBe(CI_SEEDS);
    for (const key of MUST_HAPPEN) expect(stats[key], `${key}\n${formatStats(stats)}`).toBeGreaterThan(0);
  });

  it('replays a seed exactly: same trace, same counters', () => {
    // Seed 4242 reads everything from memory; seed 7 has cold reads and loads (cold-storage.ts).
    for (const [seed, nodeCount] of [[4242, 3], [4242, 5], [7, 3], [7, 5]] as const) {
      const options: SimOptions = { seed, nodeCount, faultSteps: 4000, fullTrace: true };
      const first = runSimulation(options);
      const second = runSimulation(options);
      if (seed === 7) expect(first.stats.coldLoads).toBeGreaterThan(0);
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

  it('models cold reads: a read below the tail cache throws, loads, then is served; a crash drops the load', () => {
    const inner = new MemoryStorage({ voters: [1], learners: [] });
    inner.append(Array.from({ length: 20 }, (_, i) => ({ index: i + 1, term: 1, type: EntryType.Normal, data: new Uint8Array(1) })));
    inner.setHardState({ term: 1, vote: 1, commit: 18 });
    const params: ColdStorageParams = {
      enabled: true, tailEntries: 5, loadEntriesMax: 4, loadDelayMaxMs: 10, loadedWindowsMax: 1, loadedTtlMs: 100,
      snapshotBuildRate: 0, snapshotBuildMaxMs: 1,
    };
    const scheduler = new Scheduler();
    const stats = emptyStats();
    const deps = { rng: new SeededRng(1), params, scheduler, stats, trace: new Trace(false, scheduler) };
    let notified = 0;
    const cold = new ColdStorage(inner, 1, deps, (finish) => {
      finish();
      notified++;
    });
    const indexes = (lo: number, hi: number): number[] => cold.entries(lo, hi, Infinity).map((e) => e.index);

    expect(indexes(16, 21)).toEqual([16, 17, 18, 19, 20]); // the tail cache
    expect(() => cold.entries(3, 21, Infinity)).toThrow(TemporarilyUnavailableError);
    expect(() => cold.entries(9, 10, Infinity)).toThrow(TemporarilyUnavailableError); // one load at a time
    expect(cold.oracleRead(() => indexes(1, 3))).toEqual([1, 2]);
    expect(stats.coldReads).toBe(2);
    while (notified === 0) expect(scheduler.runNext()).toBe(true);
    expect(stats.coldLoads).toBe(1);
    expect(indexes(3, 21)).toEqual([3, 4, 5, 6]); // the window [3, 7) ends before the cache
    expect(indexes(5, 6)).toEqual([5]);
    scheduler.after(params.loadedTtlMs, () => {});
    while (scheduler.runNext());
    expect(() => cold.entries(3, 4, Infinity)).toThrow(TemporarilyUnavailableError); // expired
    cold.close();
    while (scheduler.runNext());
    expect(notified).toBe(1);
  });

  it('reports a failure with the property, the step and the command that reproduces it', () => {
    const trace = new Trace(false, new Scheduler());
    trace.step = 77;
    const f = SimFailure.from(new Violation('election safety', 'n1 and n2 both leaders of term 3'), { seed: 1234, nodeCount: 5, faultSteps: DEFAULT_FAULT_STEPS }, trace, 500);
    expect(f.report()).toContain('election safety violated at step 77');
    expect(f.report()).toContain('npm run sim -- --seed 1234 --nodes 5');
  });
});
