/**
 * The heal phase and its liveness checks (TigerBeetle's VOPR "liveness mode").
 *
 * At the heal every crashed member restarts, every link comes back, drops, duplicates, reordering
 * (per link), pauses and slow fsyncs stop while message delays stay, and no further faults, conf
 * changes or transfers are injected; servers whose removal committed are shut down. Then:
 *
 * 1. some up node is leader within HEAL_LEADER_MAX_TICKS (HEAL_LEADER_WITHOUT_PRE_VOTE_MAX_TICKS in
 *    seeds that turn pre-vote off; a leader whose own removal is pending
 *    counts: it keeps leading until the removal commits, which may take a whole backlog's
 *    replication, and the next leader's election falls under the bound of step 2);
 * 2. within HEAL_CATCH_UP_MAX_TICKS (plus round trips for the backlog, and in seeds with cold reads
 *    the storage loads it needs; see catchUpMaxTicks and coldReadTicks) after
 *    that, each of HEAL_PROPOSALS fresh payloads is committed,
 *    and every up member (voters and learners) of the final committed configuration has applied
 *    every index ever committed in the run (fault phase included) with the expected state hash.
 *
 * What "accepted proposal" liveness means here: a heal payload is proposed to the current leader;
 * if the core drops it (ProposalDroppedError: no leader yet, transfer in progress, leader being
 * removed, uncommitted budget full) it is simply proposed again later. Once propose() returns an
 * index, that attempt is accepted, and it must commit unless leadership changes first: a leader
 * change may legitimately lose an accepted but uncommitted entry. We re-propose (as a new, unique
 * payload) only when the loss is provable, namely when a newer leader that has already committed
 * an entry of its own term holds a different entry (or none) at the attempt's index; no later
 * leader can then commit that attempt, so re-proposing never commits a payload twice. Every payload
 * must nevertheless commit within the bound, so repeated losses are a liveness failure.
 *
 * Fault-phase proposals carry no liveness promise (they may be lost before committing, or their
 * leader may never be heard from again); only their safety is checked, and (2) ensures every one
 * that did commit reaches every member.
 */
import type { Index, Term } from '../../src/core/index.js';
import { EntryType, StateType, type Entry } from '../../src/raft/index.js';
import type { SafetyChecker } from './checker.js';
import type { Cluster } from './cluster.js';
import type { SimParams } from './params.js';
import type { SimNode } from './sim-node.js';
import type { SimStats } from './stats.js';
import { TraceKind, type Trace } from './trace.js';
import { Violation, type Property } from './violation.js';

/** Ten election timeouts: enough for a few split votes, finite so a livelock fails. */
export const HEAL_LEADER_MAX_TICKS = 100;
/**
 * Without pre-vote, nodes whose logs are too old to win keep campaigning, and every campaign
 * resets the other nodes' election timers; the node that can win must time out first, about one
 * round in three with three contenders. This bound allows ~50 rounds: (2/3)^50 is about 1e-9.
 */
export const HEAL_LEADER_WITHOUT_PRE_VOTE_MAX_TICKS = 1000;
/** Room for a re-election, a lost snapshot's retry and a slow learner's catch-up. */
export const HEAL_CATCH_UP_MAX_TICKS = 300;
/**
 * Plus, per flow-control window of backlog, this many ticks (a round trip at the slowest network
 * and fsync delays): a seed that sends one entry per message with one message in flight moves one
 * entry per round trip, and a leader may start the heal with hundreds of entries nobody else has.
 */
export const HEAL_TICKS_PER_WINDOW_MAX = 5;
/** Bytes of a typical proposal entry as the core counts them (payload + 16). */
const ENTRY_BYTES_TYPICAL = 32;
/** Fresh payloads the heal phase must get committed everywhere. */
export const HEAL_PROPOSALS = 5;

interface Attempt {
  readonly index: Index;
  readonly term: Term;
}

interface Payload {
  readonly attempts: Attempt[];
  committedAt: Index;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HEAL_MARK = 'h'.charCodeAt(0);

export class HealPhase {
  private readonly payloads: Payload[] = [];
  private readonly byData = new Map<string, Payload>();
  private proposing = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly checker: SafetyChecker,
    private readonly params: SimParams,
    private readonly stats: SimStats,
    private readonly trace: Trace,
    private readonly seed: number,
    /** Runs one simulation event; the simulation counts it as a step. */
    private readonly step: () => void,
  ) {
    cluster.onApplied = (_n, e) => this.applied(e);
    for (let k = 0; k < HEAL_PROPOSALS; k++) this.payloads.push({ attempts: [], committedAt: 0 });
  }

  run(): void {
    this.trace.note(TraceKind.Note, 0, 'heal: faults off, checking liveness');
    this.runUntil(() => this.cluster.leader() !== undefined, this.electionMaxTicks(), 'liveness: leader after heal');
    this.proposing = true;
    this.scheduleProposer();
    this.runUntil(() => this.done(), this.catchUpMaxTicks(), 'liveness: heal proposals committed and applied');
    this.proposing = false;
  }

  private runUntil(cond: () => boolean, maxTicks: number, property: Property): void {
    const scheduler = this.cluster.deps.scheduler;
    const deadlineMs = scheduler.now + maxTicks * this.params.tickMs;
    while (!cond()) {
      if (scheduler.now > deadlineMs) throw new Violation(property, `not within ${maxTicks} ticks; ${this.describe()}`);
      this.step();
    }
  }

  private electionMaxTicks(): number {
    return this.params.preVote ? HEAL_LEADER_MAX_TICKS : HEAL_LEADER_WITHOUT_PRE_VOTE_MAX_TICKS;
  }

  /**
   * HEAL_CATCH_UP_MAX_TICKS (which has room for one more election with pre-vote), plus round trips
   * for the backlog (longest log - least applied), plus the loads for it in seeds with cold reads,
   * plus a slow election's time without pre-vote.
   */
  private catchUpMaxTicks(): number {
    let maxLast = 0;
    let minApplied = Infinity;
    for (const n of this.cluster.upNodes()) {
      maxLast = Math.max(maxLast, n.node.raft.log.lastIndex());
      minApplied = Math.min(minApplied, n.sm.appliedIndex);
    }
    const p = this.params;
    const entriesPerMessage = Math.max(1, Math.floor(p.maxMsgBytes / ENTRY_BYTES_TYPICAL));
    const window = p.maxInflightMsgs * entriesPerMessage;
    const backlog = Math.max(0, maxLast - minApplied);
    const backlogTicks = Math.ceil(backlog / window) * HEAL_TICKS_PER_WINDOW_MAX;
    return HEAL_CATCH_UP_MAX_TICKS + backlogTicks + this.coldReadTicks(backlog) + (p.preVote ? 0 : HEAL_LEADER_WITHOUT_PRE_VOTE_MAX_TICKS);
  }

  /**
   * In seeds with cold reads (cold-storage.ts) the backlog also moves at most loadEntriesMax entries
   * per background load, and a node runs one load at a time. Per load's worth of backlog the leader
   * runs two chains that share its loads: its own apply (a load of up to loadDelayMaxMs, then a
   * Ready), and the laggards' catch-up (a load, then the wait for the next heartbeat answer: the core
   * resumes sending only there, entriesLoaded() unblocks applying only). Followers load for their
   * own applies in parallel with the leader, and laggards at one index share a load, so this counts
   * each chain once, serially. Only 16 of seeds 1..20,000 needed any of it, the most 1/8 of theirs
   * (seed 3140): the heartbeat wait rarely applies, as laggards mostly have the entries already.
   */
  private coldReadTicks(backlog: number): number {
    const p = this.params;
    if (!p.cold.enabled || backlog === 0) return 0;
    const loads = Math.ceil(backlog / p.cold.loadEntriesMax);
    const readyMs = p.readyDelayMaxMs + p.persistDelayMaxMs;
    const heartbeatRoundTripMs = Math.ceil(p.heartbeatTicks * p.tickMs * (1 + p.tickDriftMax)) + 2 * (p.network.maxDelayMs + readyMs);
    const perLoadMs = 2 * p.cold.loadDelayMaxMs + readyMs + heartbeatRoundTripMs;
    return Math.ceil((loads * perLoadMs) / p.tickMs);
  }

  /** The up node leading in the highest term, if it can take proposals (is not being removed). */
  private leader(): SimNode | undefined {
    const l = this.cluster.leader();
    return l && l.node.raft.membership.current().voters.includes(l.id) ? l : undefined;
  }

  private scheduleProposer(): void {
    this.cluster.deps.scheduler.after(this.params.tickMs, () => {
      if (!this.proposing) return;
      const l = this.leader();
      if (l) this.payloads.forEach((p, k) => this.proposeIfNeeded(l, p, k));
      this.scheduleProposer();
    });
  }

  private proposeIfNeeded(l: SimNode, p: Payload, k: number): void {
    if (p.committedAt !== 0) return;
    const last = p.attempts[p.attempts.length - 1];
    if (last && !this.provablyLost(l, last)) return;
    if (last) this.stats.healReproposals++;
    const data = `h${this.seed}-${k}-${p.attempts.length}`;
    const index = this.cluster.propose(l, [encoder.encode(data)], `heal proposal ${data}`);
    if (index === undefined) return;
    p.attempts.push({ index, term: l.node.raft.term });
    this.byData.set(data, p);
  }

  /** Leader l of a newer term, with an entry of its own term committed, lacks the attempt. */
  private provablyLost(l: SimNode, a: Attempt): boolean {
    const log = l.node.raft.log;
    return l.node.raft.term > a.term && log.termOrUndefined(log.committed) === l.node.raft.term && log.termOrUndefined(a.index) !== a.term;
  }

  private applied(e: Entry): void {
    if (!this.proposing || e.type !== EntryType.Normal || e.data[0] !== HEAL_MARK) return;
    const p = this.byData.get(decoder.decode(e.data));
    if (p && p.committedAt === 0) p.committedAt = e.index;
  }

  private done(): boolean {
    if (this.payloads.some((p) => p.committedAt === 0)) return false;
    const l = this.cluster.leader();
    if (!l) return false;
    const cs = l.node.confStateAt(l.node.raft.log.committed);
    for (const id of [...cs.voters, ...cs.learners]) {
      const n = this.cluster.nodes.get(id);
      if (!n || !n.up || n.sm.appliedIndex < this.checker.maxCommitted) return false;
    }
    return true;
  }

  private describe(): string {
    const lines = [`highest committed index ${this.checker.maxCommitted}; payloads ${this.payloads
      .map((p, k) => `#${k}:${p.committedAt ? `committed@${p.committedAt}` : `${p.attempts.length} attempts`}`).join(' ')}`];
    for (const n of this.cluster.nodes.values()) lines.push(describeNode(n));
    return lines.join('\n    ');
  }
}

function describeNode(n: SimNode): string {
  if (!n.up) return `n${n.id} ${n.status}`;
  const r = n.node.raft;
  const cs = r.membership.current();
  let s = `n${n.id} ${r.state} term=${r.term} lead=${r.lead} commit=${r.log.committed} applied=${n.sm.appliedIndex} ` +
    `last=${r.log.lastIndex()} voters=[${cs.voters.join(',')}] learners=[${cs.learners.join(',')}]`;
  if (r.state !== StateType.Leader) return s;
  if (r.leadTransferee) s += ` transferring-to=${r.leadTransferee}`;
  for (const [id, pr] of r.progress) if (id !== n.id) s += ` | n${id} ${pr.state} match=${pr.match} next=${pr.next}`;
  return s;
}
