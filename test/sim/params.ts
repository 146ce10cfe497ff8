/**
 * Per-seed knobs, all drawn from the seed's Rng so that each seed explores a different corner
 * (slow or lossy networks, tiny flow-control windows, frequent snapshots) while staying replayable.
 */
import type { Rng } from '../../src/core/index.js';

export interface NetworkParams {
  /** Probability that a message is lost (fault phase only). */
  dropRate: number;
  /** Probability that a message is delivered twice (fault phase only). */
  duplicateRate: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Probability of an outlier delay, which reorders a message behind later ones. */
  longDelayRate: number;
  longDelayMaxMs: number;
}

/** The nemesis's actions; each seed weighs them differently ("swarm testing"). */
export type FaultAction = 'crash' | 'outage' | 'pause' | 'partition' | 'transfer' | 'membership' | 'none';
export const FAULT_ACTIONS: readonly FaultAction[] = ['crash', 'outage', 'pause', 'partition', 'transfer', 'membership', 'none'];

export interface SimParams {
  readonly tickMs: number;
  /** Each node's tick period differs by up to this fraction (clocks drift; Raft must not care). */
  readonly tickDriftMax: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly maxInflightMsgs: number;
  readonly maxMsgBytes: number;
  readonly maxUncommittedBytes: number;
  /** Small values page committed entries over several Readies. */
  readonly maxCommittedBytesPerReady: number;
  readonly maxPromotionLagEntries: number;
  /** Both on in production; safety must not depend on either. */
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** Time from a node having work to it taking a Ready, and from ready() to the fsync finishing. */
  readonly readyDelayMaxMs: number;
  readonly persistDelayMaxMs: number;
  /** Probability that an fsync stalls (up to slowFsyncMaxMs) while the node keeps stepping. */
  readonly slowFsyncRate: number;
  readonly slowFsyncMaxMs: number;
  /** A paused node (a stalled process or VM) neither ticks nor handles anything for up to this long. */
  readonly pauseMaxMs: number;
  readonly network: NetworkParams;
  /** Mean time between fault actions (and, below, between proposal batches). */
  readonly nemesisIntervalMs: number;
  /** Relative frequency of each fault action in this seed. */
  readonly faultWeights: Readonly<Record<FaultAction, number>>;
  /** Probability that a crash or a partition is aimed at the leader rather than at a random node. */
  readonly leaderTargetRate: number;
  /** Probability that a newly elected leader is crashed moments later (Figure 8 territory). */
  readonly leaderKillRate: number;
  /** Probability that a leader is crashed moments after its commit index moves. */
  readonly commitKillRate: number;
  /** Membership changes are proposed without waiting for the previous one (the core must refuse). */
  readonly membershipRush: boolean;
  readonly proposalIntervalMs: number;
  readonly maxProposalBatch: number;
  readonly crashDowntimeMaxMs: number;
  readonly partitionMaxMs: number;
  /** A node snapshots when it has applied this many entries past its last snapshot. */
  readonly snapshotEveryEntries: number;
  /** Entries kept in the log below a new snapshot (0 forces snapshot installs on laggards). */
  readonly snapshotKeepEntriesMax: number;
  /** Storage that serves only a tail of the log from memory (cold-storage.ts). */
  readonly cold: ColdStorageParams;
}

/**
 * The production storage's read path (src/storage/group-store.ts): entries are served from a tail
 * cache; a read below it throws TemporarilyUnavailableError and starts one background load into a
 * small window, and the host then calls entriesLoaded(). Off in most seeds.
 */
export interface ColdStorageParams {
  readonly enabled: boolean;
  /**
   * Entries the tail cache holds besides those it never drops (the last one, and everything above
   * the persisted commit index, as in production).
   */
  readonly tailEntries: number;
  /** Entries one background load brings in (at most; it stops at the tail cache). */
  readonly loadEntriesMax: number;
  /** A background load takes 1..loadDelayMaxMs. */
  readonly loadDelayMaxMs: number;
  /** Loaded windows kept at once; a newer load pushes out the oldest. */
  readonly loadedWindowsMax: number;
  /**
   * How long a loaded window stays readable. Production keeps its window until the next load
   * replaces it; here it also expires, but only after longer than the wait for the retry (a
   * heartbeat round trip, under 100ms after the heal), or replication could starve for good.
   */
  readonly loadedTtlMs: number;
  /** Probability that a new snapshot is still being built when the leader first asks for it. */
  readonly snapshotBuildRate: number;
  readonly snapshotBuildMaxMs: number;
}

export function drawParams(rng: Rng): SimParams {
  const tickMs = 10;
  const lossy = rng.chance(0.7);
  const electionTicks = rng.int(6, 13);
  return {
    tickMs,
    tickDriftMax: 0.1,
    electionTicks,
    heartbeatTicks: rng.int(1, Math.min(4, electionTicks)),
    maxInflightMsgs: rng.chance(0.5) ? rng.int(1, 5) : 256,
    maxMsgBytes: drawMaxMsgBytes(rng),
    maxUncommittedBytes: rng.chance(0.3) ? rng.int(100, 1000) : 1 << 20,
    maxCommittedBytesPerReady: rng.chance(0.3) ? rng.int(1, 100) : 1 << 20,
    maxPromotionLagEntries: rng.chance(0.3) ? rng.int(0, 20) : 1000,
    preVote: rng.chance(0.85),
    checkQuorum: rng.chance(0.85),
    readyDelayMaxMs: rng.int(0, 3),
    persistDelayMaxMs: rng.int(0, 6),
    slowFsyncRate: rng.chance(0.5) ? 0 : rng.next() * 0.05,
    slowFsyncMaxMs: 150,
    pauseMaxMs: rng.int(20, 300),
    network: {
      dropRate: lossy ? rng.next() * 0.15 : 0,
      duplicateRate: lossy ? rng.next() * (rng.chance(0.3) ? 0.3 : 0.05) : 0,
      minDelayMs: 1,
      maxDelayMs: rng.int(2, 12),
      longDelayRate: rng.next() * 0.03,
      longDelayMaxMs: rng.int(20, 150),
    },
    nemesisIntervalMs: rng.int(10, 80),
    faultWeights: drawFaultWeights(rng),
    leaderTargetRate: rng.next(),
    leaderKillRate: rng.chance(0.3) ? 0 : rng.next() * 0.6,
    commitKillRate: rng.chance(0.5) ? 0 : rng.next() * 0.05,
    membershipRush: rng.chance(0.3),
    proposalIntervalMs: rng.int(5, 30),
    maxProposalBatch: rng.int(1, 5),
    crashDowntimeMaxMs: rng.int(20, 400),
    partitionMaxMs: rng.int(50, 500),
    snapshotEveryEntries: rng.int(3, 40),
    snapshotKeepEntriesMax: rng.int(0, 6),
    // Drawn last, so that the other knobs of every seed are what they were before it existed.
    cold: drawColdStorageParams(rng),
  };
}

/** Cold reads in 40% of the seeds; the knobs are drawn in every seed to keep the stream aligned. */
function drawColdStorageParams(rng: Rng): ColdStorageParams {
  return {
    enabled: rng.chance(0.4),
    tailEntries: rng.int(0, 51),
    loadEntriesMax: rng.chance(0.3) ? rng.int(1, 4) : rng.int(4, 65),
    loadDelayMaxMs: rng.int(1, 31),
    loadedWindowsMax: rng.int(1, 4),
    loadedTtlMs: rng.int(200, 1001),
    snapshotBuildRate: rng.chance(0.5) ? 0 : rng.next() * 0.5,
    snapshotBuildMaxMs: rng.int(1, 101),
  };
}

/** A weight of 0 switches an action off for the seed; 'none' keeps quiet spells in every seed. */
function drawFaultWeights(rng: Rng): Record<FaultAction, number> {
  return {
    crash: rng.int(0, 4),
    outage: rng.chance(0.2) ? 1 : 0,
    pause: rng.int(0, 3),
    partition: rng.int(0, 4),
    transfer: rng.int(0, 3),
    membership: rng.int(0, 4),
    none: 1,
  };
}

/**
 * 40% of the seeds send one entry per append (the core always sends at least one), which splits a
 * new leader's catch-up of old entries from its no-op, as Figure 8 needs.
 */
function drawMaxMsgBytes(rng: Rng): number {
  const r = rng.next();
  if (r < 0.4) return 1;
  return r < 0.7 ? rng.int(60, 400) : 1 << 20;
}
