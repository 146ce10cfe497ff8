/** Many seeds in a row, stopping at the first failure; shared by the CLI and the vitest entry. */
import { SimFailure } from './failure.js';
import { defaultNodeCount, runSimulation } from './simulation.js';
import { addStats, emptyStats, type SimStats } from './stats.js';

export interface SeedRange {
  readonly firstSeed: number;
  readonly count: number;
  /** Fixed node count, or undefined to alternate 3 and 5 by seed. */
  readonly nodeCount: 3 | 5 | undefined;
  readonly faultSteps: number;
}

export interface SeedsOutcome {
  readonly stats: SimStats;
  readonly failure: SimFailure | undefined;
}

export function runSeeds(r: SeedRange, onSeedDone: (seed: number) => void = () => {}): SeedsOutcome {
  const stats = emptyStats();
  for (let seed = r.firstSeed; seed < r.firstSeed + r.count; seed++) {
    const nodeCount = r.nodeCount ?? defaultNodeCount(seed);
    try {
      addStats(stats, runSimulation({ seed, nodeCount, faultSteps: r.faultSteps, fullTrace: false }).stats);
    } catch (e) {
      if (e instanceof SimFailure) return { stats, failure: e };
      throw e;
    }
    onSeedDone(seed);
  }
  return { stats, failure: undefined };
}
