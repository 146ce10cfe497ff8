/**
 * The fault injector (Jepsen's nemesis). At random intervals, weighted per seed, it:
 * - crashes a node (often the leader) and restarts it later, or takes the whole cluster down at
 *   once (a power loss: every election timer then restarts in step, inviting split votes);
 * - pauses a node (a stalled process: no ticks, nothing handled, memory kept) for a while;
 * - cuts the network: symmetric splits (often isolating the leader), one-way cuts, random directed
 *   links; one partition at a time, each healing after a random time;
 * - asks the leader to hand leadership to a random voter;
 * - changes membership: add a learner -> promote it once caught up -> remove a voter, keeping
 *   MIN_VOTERS..MAX_VOTERS voters in the leader's latest configuration. In "rush" seeds it proposes
 *   changes without waiting for the previous one, which the core must refuse (ProposalDroppedError is
 *   a normal outcome);
 * and, in some seeds, crashes a leader moments after it wins or after its commit index moves
 * (the interleavings of Raft's Figure 8).
 * Message drop, duplication and delay live in the network. Only faults Raft claims to survive are
 * injected: persisted state is never lost or corrupted.
 */
import type { Index, NodeId, Rng } from '../../src/core/index.js';
import { ConfChangeType, StateType, type ConfChangeRecord } from '../../src/raft/index.js';
import type { Cluster } from './cluster.js';
import { FAULT_ACTIONS, type FaultAction, type SimParams } from './params.js';
import { NodeStatus, type SimNode } from './sim-node.js';
import type { SimStats } from './stats.js';
import { TraceKind, type Trace } from './trace.js';

export const MIN_VOTERS = 3;
export const MAX_VOTERS = 5;
/** A learner is promoted once it is at most this many entries behind the leader. */
const PROMOTE_LAG_MAX = 3;
/** A removed server keeps running (unaware, perhaps) for up to this long before it is shut down. */
const REMOVED_NODE_LINGER_MAX_MS = 300;
/** Probability that a crash ignores the limit on nodes down at once. */
const UNLIMITED_CRASH_RATE = 0.05;
/** A doomed leader (just elected, or just committed) dies within this long: mid-replication. */
const LEADER_KILL_DELAY_MAX_MS = 15;
/** Probability that a transfer is aimed at a learner or at the leader itself. */
const TRANSFER_TO_NON_VOTER_RATE = 0.05;
/** Every node of a whole-cluster outage stays down this long (so they all come back together). */
const OUTAGE_MAX_MS = 100;

export class Nemesis {
  private active = false;
  /** Identifies the current partition so an old partition's timer does not end a newer one. */
  private partitionId = 0;
  /** Nodes whose removal committed: they are shut down and never come back. */
  private readonly removed = new Set<NodeId>();
  /** The node the last transfer was asked for, until the next election. */
  private transferTarget: NodeId = 0;
  private readonly weightTotal: number;

  constructor(
    private readonly cluster: Cluster,
    private readonly rng: Rng,
    private readonly params: SimParams,
    private readonly stats: SimStats,
    private readonly trace: Trace,
    private readonly nodeCount: number,
  ) {
    cluster.onConfChangeCommitted = (r, i) => this.confChangeCommitted(r, i);
    cluster.deps.checker.onNewLeader = (id) => this.newLeader(id);
    if (params.commitKillRate > 0) cluster.deps.checker.onCommitAdvance = (n) => this.commitAdvanced(n);
    this.weightTotal = FAULT_ACTIONS.reduce((s, a) => s + params.faultWeights[a], 0);
  }

  start(): void {
    this.active = true;
    this.scheduleNext();
  }

  /**
   * The heal: no more faults (drops, duplicates, reordering, stalls, slow fsyncs), every link back,
   * every crashed member restarted, removed ones gone. Message delays stay.
   */
  heal(): void {
    this.active = false;
    this.partitionId++;
    this.cluster.network.healLinks();
    this.cluster.endFaults();
    for (const n of this.cluster.nodes.values()) {
      n.pausedUntilMs = 0;
      if (this.removed.has(n.id)) this.cluster.stop(n);
      else this.cluster.restart(n);
    }
  }

  private scheduleNext(): void {
    this.cluster.deps.scheduler.after(this.rng.int(1, 2 * this.params.nemesisIntervalMs), () => {
      if (!this.active) return;
      this.act(this.pickAction());
      this.scheduleNext();
    });
  }

  private pickAction(): FaultAction {
    let r = this.rng.int(0, this.weightTotal);
    for (const a of FAULT_ACTIONS) {
      const w = this.params.faultWeights[a];
      if (r < w) return a;
      r -= w;
    }
    return 'none';
  }

  private act(action: FaultAction): void {
    switch (action) {
      case 'crash':
        return this.crashOne(this.target(this.cluster.upNodes()));
      case 'outage':
        return this.outage();
      case 'pause':
        return this.pauseOne(this.target(this.cluster.upNodes()));
      case 'partition':
        return this.partition();
      case 'transfer':
        return this.transfer();
      case 'membership':
        return this.changeMembership();
      case 'none':
        return;
    }
  }

  /** The leader (with probability leaderTargetRate, if there is one) or a random node of `pool`. */
  private target(pool: readonly SimNode[]): SimNode | undefined {
    const leader = this.cluster.leader();
    if (leader && pool.includes(leader) && this.rng.chance(this.params.leaderTargetRate)) return leader;
    return pool.length > 0 ? this.pick(pool) : undefined;
  }

  // ---- crashes -------------------------------------------------------------------------------

  private crashOne(victim: SimNode | undefined): void {
    if (!victim?.up) return;
    let down = 0;
    for (const n of this.cluster.nodes.values()) if (n.status === NodeStatus.Down) down++;
    if (down >= Math.floor(this.nodeCount / 2) && !this.rng.chance(UNLIMITED_CRASH_RATE)) return;
    this.crashFor(victim, this.rng.int(1, this.params.crashDowntimeMaxMs + 1));
  }

  private crashFor(victim: SimNode, downtimeMs: number): void {
    this.cluster.crash(victim);
    this.cluster.deps.scheduler.after(downtimeMs, () => {
      if (this.active) this.cluster.restart(victim);
    });
  }

  private outage(): void {
    const downtime = this.rng.int(1, OUTAGE_MAX_MS + 1);
    this.trace.note(TraceKind.Fault, 0, `whole-cluster outage for ${downtime}ms`);
    for (const n of this.cluster.upNodes()) this.crashFor(n, downtime);
  }

  /** A stalled leader resumes believing it still leads; stale messages must not hurt. */
  private pauseOne(n: SimNode | undefined): void {
    if (n?.up) this.cluster.pause(n, this.rng.int(1, this.params.pauseMaxMs + 1));
  }

  private newLeader(id: NodeId): void {
    if (id === this.transferTarget) this.stats.transfersCompleted++;
    this.transferTarget = 0;
    if (this.active && this.rng.chance(this.params.leaderKillRate)) this.crashSoon(this.cluster.nodes.get(id)!);
  }

  private commitAdvanced(n: SimNode): void {
    if (this.active && n.node.raft.state === StateType.Leader && this.rng.chance(this.params.commitKillRate)) this.crashSoon(n);
  }

  /** Crash n within LEADER_KILL_DELAY_MAX_MS unless it crashes anyway in between. */
  private crashSoon(n: SimNode): void {
    const life = n.incarnation;
    this.cluster.deps.scheduler.after(this.rng.int(0, LEADER_KILL_DELAY_MAX_MS + 1), () => {
      if (this.active && n.incarnation === life && n.up) this.crashFor(n, this.rng.int(1, this.params.crashDowntimeMaxMs + 1));
    });
  }

  // ---- partitions ----------------------------------------------------------------------------

  private partition(): void {
    const net = this.cluster.network;
    const ids = [...this.cluster.nodes.values()].filter((n) => n.status !== NodeStatus.Stopped).map((n) => n.id);
    net.healLinks();
    const id = ++this.partitionId;
    const kind = this.rng.int(0, 3);
    if (kind === 0) this.splitSymmetric(ids);
    else if (kind === 1) this.cutOneWay(ids);
    else this.cutRandomLinks(ids);
    this.stats.partitions++;
    if (kind !== 0) this.stats.oneWayPartitions++;
    this.cluster.deps.scheduler.after(this.rng.int(10, this.params.partitionMaxMs + 1), () => {
      if (this.partitionId !== id) return;
      net.healLinks();
      this.trace.note(TraceKind.Fault, 0, 'partition healed');
    });
  }

  /** Two sides; when aimed at the leader, the leader's side is a minority. */
  private splitSymmetric(ids: NodeId[]): void {
    const leader = this.target(this.cluster.upNodes());
    let side: NodeId[];
    if (leader && leader === this.cluster.leader()) {
      const others = ids.filter((i) => i !== leader.id && this.rng.chance(0.25));
      side = [leader.id, ...others.slice(0, Math.floor((ids.length - 1) / 2) - 1)];
    } else {
      side = ids.filter(() => this.rng.chance(0.5));
    }
    const other = ids.filter((i) => !side.includes(i));
    for (const a of side) for (const b of other) {
      this.cluster.network.cutLink(a, b);
      this.cluster.network.cutLink(b, a);
    }
    this.trace.note(TraceKind.Fault, 0, `partition {${side.join(',')}} | {${other.join(',')}}`);
  }

  /** One node hears nothing, or is not heard: the cases check-quorum and pre-vote exist for. */
  private cutOneWay(ids: NodeId[]): void {
    const x = this.target(this.cluster.upNodes())?.id ?? this.pick(ids);
    const inbound = this.rng.chance(0.5);
    for (const o of ids) {
      if (inbound) this.cluster.network.cutLink(o, x);
      else this.cluster.network.cutLink(x, o);
    }
    this.trace.note(TraceKind.Fault, x, inbound ? 'one-way partition: hears nothing' : 'one-way partition: is not heard');
  }

  private cutRandomLinks(ids: NodeId[]): void {
    const cut: string[] = [];
    for (const a of ids) for (const b of ids) {
      if (a !== b && this.rng.chance(0.3)) {
        this.cluster.network.cutLink(a, b);
        cut.push(`${a}->${b}`);
      }
    }
    this.trace.note(TraceKind.Fault, 0, `links cut: ${cut.join(' ')}`);
  }

  // ---- leadership and membership -------------------------------------------------------------

  /** Usually to another voter; now and then to a learner or itself, which the core must refuse. */
  private transfer(): void {
    const leader = this.cluster.leader();
    if (!leader) return;
    const cs = leader.node.raft.membership.current();
    const voters = cs.voters.filter((v) => v !== leader.id);
    const pool = voters.length === 0 || this.rng.chance(TRANSFER_TO_NON_VOTER_RATE) ? [...cs.learners, leader.id] : voters;
    const target = this.pick(pool);
    if (!this.cluster.transferLeader(leader, target)) return;
    this.stats.transfersRequested++;
    this.transferTarget = target;
  }

  private changeMembership(): void {
    const leader = this.cluster.leader();
    if (!leader) return;
    const rounds = this.params.membershipRush ? this.rng.int(1, 4) : 1;
    for (let i = 0; i < rounds && leader.up; i++) this.membershipStep(leader);
  }

  /** One step of add learner -> promote -> remove, judged on the leader's latest configuration. */
  private membershipStep(leader: SimNode): void {
    const cs = leader.node.raft.membership.current();
    const learner = cs.learners.length > 0 ? this.pick(cs.learners) : undefined;
    if (learner !== undefined && (!this.params.membershipRush || this.rng.chance(0.5))) {
      return this.advanceLearner(leader, learner, cs.voters.length);
    }
    const canAdd = cs.voters.length + cs.learners.length < MAX_VOTERS + 1;
    const canRemove = cs.voters.length > MIN_VOTERS;
    if (canAdd && (!canRemove || this.rng.chance(0.5))) this.addLearner(leader);
    else if (canRemove) this.propose(leader, ConfChangeType.RemoveNode, this.pick(cs.voters));
  }

  /** Promote a caught-up learner (in rush seeds, maybe one that is not); now and then drop one. */
  private advanceLearner(leader: SimNode, learner: NodeId, voterCount: number): void {
    const match = leader.node.status().matches.get(learner) ?? 0;
    const caughtUp = leader.node.raft.log.lastIndex() - match <= PROMOTE_LAG_MAX || this.params.membershipRush;
    if (caughtUp && voterCount < MAX_VOTERS && this.rng.chance(0.8)) this.propose(leader, ConfChangeType.AddVoter, learner);
    else if (this.rng.chance(0.2)) this.propose(leader, ConfChangeType.RemoveNode, learner);
  }

  private addLearner(leader: SimNode): void {
    const id = this.cluster.allocateId();
    // The server starts only once the change is in the log, as an operator would do it.
    if (this.propose(leader, ConfChangeType.AddLearner, id) !== undefined) this.cluster.addNode(id);
  }

  private propose(leader: SimNode, type: ConfChangeType, nodeId: NodeId): Index | undefined {
    const index = this.cluster.proposeConfChange(leader, { type, nodeId });
    if (index !== undefined) this.stats.confChangesProposed++;
    return index;
  }

  private confChangeCommitted(r: ConfChangeRecord, index: Index): void {
    if (r.change.type !== ConfChangeType.RemoveNode) return;
    const n = this.cluster.nodes.get(r.change.nodeId);
    if (!n) return;
    this.removed.add(n.id);
    this.trace.note(TraceKind.Fault, n.id, `removal committed at ${index}`);
    this.cluster.deps.scheduler.after(this.rng.int(0, REMOVED_NODE_LINGER_MAX_MS + 1), () => this.cluster.stop(n));
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.rng.int(0, xs.length)]!;
  }
}
