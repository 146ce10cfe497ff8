/** Counters of what a run exercised; summed over seeds, printed by the CLI, asserted by the test. */
export interface SimStats {
  seeds: number;
  steps: number;
  simulatedMs: number;
  /** Distinct (term, leader) pairs observed. */
  elections: number;
  /** Elections whose winner differs from the previous leader. */
  leaderChanges: number;
  /** Log indexes that became committed (counted once per index). */
  commits: number;
  proposals: number;
  proposalsDropped: number;
  messagesSent: number;
  messagesDropped: number;
  messagesDuplicated: number;
  snapshotsCreated: number;
  snapshotsInstalled: number;
  crashes: number;
  restarts: number;
  pauses: number;
  slowFsyncs: number;
  partitions: number;
  oneWayPartitions: number;
  confChangesProposed: number;
  /** Membership entries that committed (counted once per index). */
  confChangesCommitted: number;
  transfersRequested: number;
  /** Transfers whose target became the next leader. */
  transfersCompleted: number;
  /** Heal-phase proposals re-proposed because a leader change provably lost them. */
  healReproposals: number;
  /** Entry reads below a tail cache that threw TemporarilyUnavailableError (cold-storage.ts). */
  coldReads: number;
  /** Background loads that completed and were reported with entriesLoaded(). */
  coldLoads: number;
  /** snapshot() calls that threw TemporarilyUnavailableError because the snapshot was being built. */
  snapshotsNotReady: number;
}

export function emptyStats(): SimStats {
  return {
    seeds: 0, steps: 0, simulatedMs: 0, elections: 0, leaderChanges: 0, commits: 0, proposals: 0,
    proposalsDropped: 0, messagesSent: 0, messagesDropped: 0, messagesDuplicated: 0, snapshotsCreated: 0,
    snapshotsInstalled: 0, crashes: 0, restarts: 0, pauses: 0, slowFsyncs: 0, partitions: 0, oneWayPartitions: 0, confChangesProposed: 0,
    confChangesCommitted: 0, transfersRequested: 0, transfersCompleted: 0, healReproposals: 0,
    coldReads: 0, coldLoads: 0, snapshotsNotReady: 0,
  };
}

export function addStats(into: SimStats, s: SimStats): void {
  for (const key of Object.keys(into) as (keyof SimStats)[]) into[key] += s[key];
}

export function formatStats(s: SimStats): string {
  const rows: [string, number][] = [
    ['seeds run', s.seeds], ['steps', s.steps], ['simulated seconds', Math.round(s.simulatedMs / 1000)],
    ['elections', s.elections], ['leader changes', s.leaderChanges], ['entries committed', s.commits],
    ['proposals', s.proposals], ['proposals dropped', s.proposalsDropped], ['messages sent', s.messagesSent],
    ['messages dropped', s.messagesDropped], ['messages duplicated', s.messagesDuplicated],
    ['snapshots created', s.snapshotsCreated], ['snapshots installed', s.snapshotsInstalled], ['crashes', s.crashes],
    ['restarts', s.restarts], ['pauses', s.pauses], ['slow fsyncs', s.slowFsyncs], ['partitions', s.partitions], ['  of which one-way', s.oneWayPartitions],
    ['conf changes proposed', s.confChangesProposed], ['conf changes committed', s.confChangesCommitted],
    ['leader transfers requested', s.transfersRequested], ['leader transfers completed', s.transfersCompleted],
    ['heal re-proposals', s.healReproposals], ['cold reads', s.coldReads], ['cold loads', s.coldLoads],
    ['snapshots not ready', s.snapshotsNotReady],
  ];
  return rows.map(([k, v]) => `  ${k.padEnd(28)} ${v}`).join('\n');
}
