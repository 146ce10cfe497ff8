/**
 * The host side of every simulated node: it owns the nodes, the network and simulated time, drives
 * ticks and message delivery, and runs each node's Ready loop in the order the Ready type demands:
 * persist (snapshot, entries, hard state) -> send messages -> apply (snapshot, committed entries) ->
 * advance. Taking a Ready and finishing its fsync are separate events, so a node keeps stepping while
 * an fsync is in flight and a crash in between loses the unpersisted Ready.
 */
import type { Index, NodeId, Rng, SeededRng } from '../../src/core/index.js';
import {
  leavesBeforePersist,
  decodeConfChange,
  EntryType,
  MessageType,
  ProposalDroppedError,
  StateType,
  type ConfChange,
  type ConfChangeRecord,
  type Entry,
  type Message,
  type Ready,
} from '../../src/raft/index.js';
import type { SafetyChecker } from './checker.js';
import { ColdStorage, type ColdStorageDeps } from './cold-storage.js';
import { Network, type LossCause } from './network.js';
import type { SimParams } from './params.js';
import type { Scheduler } from './scheduler.js';
import { NodeStatus, SimNode, type NodeRaftConfig } from './sim-node.js';
import type { Snapshotter } from './snapshotter.js';
import { StateMachine } from './state-machine.js';
import type { SimStats } from './stats.js';
import { TraceKind, type Trace } from './trace.js';

/** Probability that the transport reports a lost snapshot, or a cut link, back to the sender. */
const REPORT_LOSS_RATE = 0.5;

export interface ClusterDeps {
  readonly rng: SeededRng;
  readonly params: SimParams;
  readonly scheduler: Scheduler;
  readonly stats: SimStats;
  readonly trace: Trace;
  readonly checker: SafetyChecker;
  readonly snapshotter: Snapshotter;
  /** The cold-read model's own stream, so that seeds without cold reads run as they did before it. */
  readonly coldRng: Rng;
}

export class Cluster {
  readonly nodes = new Map<NodeId, SimNode>();
  readonly network: Network;
  /** Applied membership entries, once per index (the first node to apply one reports it). */
  onConfChangeCommitted: (record: ConfChangeRecord, index: Index) => void = () => {};
  /** Every entry any node applies, after the checks (the heal phase watches for its proposals). */
  onApplied: (n: SimNode, e: Entry) => void = () => {};
  /** Fault-phase behaviour of the hosts themselves (slow fsyncs); off once healed. */
  private faultsOn = true;
  private readonly raftConfig: NodeRaftConfig;
  private readonly coldDeps: ColdStorageDeps;
  private readonly seenConfIndexes = new Set<Index>();
  private nextId: NodeId = 1;

  constructor(readonly deps: ClusterDeps) {
    deps.checker.watch(this.nodes);
    const p = deps.params;
    this.raftConfig = {
      electionTicks: p.electionTicks,
      heartbeatTicks: p.heartbeatTicks,
      maxInflightMsgs: p.maxInflightMsgs,
      maxMsgBytes: p.maxMsgBytes,
      maxUncommittedBytes: p.maxUncommittedBytes,
      maxCommittedBytesPerReady: p.maxCommittedBytesPerReady,
      maxPromotionLagEntries: p.maxPromotionLagEntries,
      preVote: p.preVote,
      checkQuorum: p.checkQuorum,
    };
    this.coldDeps = { rng: deps.coldRng, params: p.cold, scheduler: deps.scheduler, stats: deps.stats, trace: deps.trace };
    this.network = new Network(deps.rng.fork(), deps.scheduler, p.network, deps.stats, deps.trace, {
      deliver: (m) => this.deliver(m),
      lost: (m, cause) => this.lost(m, cause),
    });
  }

  /** The founding voters, each bootstrapped with the same configuration. */
  bootstrap(voterCount: number): void {
    const voters: NodeId[] = [];
    for (let i = 0; i < voterCount; i++) voters.push(this.allocateId());
    for (const id of voters) this.addNode(id, { voters, learners: [] });
  }

  /** The heal: the network stops dropping, duplicating and reordering; fsyncs stop stalling. */
  endFaults(): void {
    this.faultsOn = false;
    this.network.faulty = false;
  }

  allocateId(): NodeId {
    return this.nextId++;
  }

  /** A new server with empty storage (it learns the configuration from the log or a snapshot). */
  addNode(id: NodeId, bootstrap = { voters: [] as NodeId[], learners: [] as NodeId[] }): SimNode {
    const p = this.deps.params;
    const period = p.tickMs + this.deps.rng.int(-Math.floor(p.tickMs * p.tickDriftMax), Math.floor(p.tickMs * p.tickDriftMax) + 1);
    const n = new SimNode(id, bootstrap, period);
    this.nodes.set(id, n);
    this.start(n);
    return n;
  }

  crash(n: SimNode): void {
    this.deps.stats.crashes++;
    this.deps.trace.note(TraceKind.Fault, n.id, 'crash');
    this.deps.checker.onCrash(n);
    n.crash();
  }

  restart(n: SimNode): void {
    if (n.status !== NodeStatus.Down) return;
    this.deps.stats.restarts++;
    this.deps.trace.note(TraceKind.Fault, n.id, 'restart');
    this.start(n);
  }

  stop(n: SimNode): void {
    if (n.status === NodeStatus.Stopped) return;
    this.deps.trace.note(TraceKind.Fault, n.id, 'stopped (removed from the group)');
    if (n.up) this.deps.checker.onCrash(n);
    n.stop();
  }

  upNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.up);
  }

  /** Up and not stalled: able to take a client request right now. */
  isAwake(n: SimNode): boolean {
    return n.up && n.pausedUntilMs <= this.deps.scheduler.now;
  }

  /** The awake node that is leader in the highest term, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (!this.isAwake(n)) continue;
      const r = n.node.raft;
      if (r.state === StateType.Leader && (!best || r.term > best.node.raft.term)) best = n;
    }
    return best;
  }

  /** Propose on n; undefined if the core dropped it (a normal outcome under faults). */
  propose(n: SimNode, data: readonly Uint8Array[], label: string): Index | undefined {
    return this.input(n, label, () => (data.length === 1 ? n.node.propose(data[0]!) : n.node.proposeBatch(data)));
  }

  proposeConfChange(n: SimNode, change: ConfChange): Index | undefined {
    const label = `conf change ${['AddLearner', 'AddVoter', 'RemoveNode'][change.type]} n${change.nodeId}`;
    return this.input(n, label, () => n.node.proposeConfChange(change));
  }

  transferLeader(n: SimNode, to: NodeId): boolean {
    const ok = n.node.transferLeader(to);
    this.deps.trace.note(TraceKind.Fault, n.id, `transfer leadership to n${to}: ${ok ? 'started' : 'refused'}`);
    this.afterInput(n);
    return ok;
  }

  // ---- events ------------------------------------------------------------------------------

  private start(n: SimNode): void {
    n.boot(this.raftConfig, this.deps.rng.fork(), this.coldStorage(n));
    this.afterInput(n);
    this.scheduleTick(n, n.incarnation, this.deps.rng.int(1, n.tickPeriodMs + 1));
  }

  /** In seeds with cold reads, what this life of n reads through (a crash closes it). */
  private coldStorage(n: SimNode): ColdStorage | undefined {
    if (!this.deps.params.cold.enabled) return undefined;
    const life = n.incarnation;
    return new ColdStorage(n.storage, n.id, this.coldDeps, (finish) => this.entriesLoaded(n, life, finish));
  }

  /**
   * A background load finished (production: its promise resolved, so it runs only while the process
   * runs): make the entries readable, tell the core, and take the Ready that may now have work.
   */
  private entriesLoaded(n: SimNode, life: number, finish: () => void): void {
    if (n.incarnation !== life || this.deferIfPaused(n, () => this.entriesLoaded(n, life, finish))) return;
    finish();
    n.node.entriesLoaded();
    this.afterInput(n);
  }

  private scheduleTick(n: SimNode, life: number, delayMs: number): void {
    this.deps.scheduler.after(delayMs, () => {
      if (n.incarnation !== life || !n.up) return;
      // A stalled process misses its ticks; it does not catch up on them afterwards.
      if (this.isAwake(n)) {
        n.node.tick();
        this.afterInput(n);
      }
      this.scheduleTick(n, life, n.tickPeriodMs);
    });
  }

  /** Stall a node (a GC pause, a frozen VM): what reaches it waits until it resumes. */
  pause(n: SimNode, durationMs: number): void {
    this.deps.stats.pauses++;
    n.pausedUntilMs = Math.max(n.pausedUntilMs, this.deps.scheduler.now + durationMs);
    this.deps.trace.note(TraceKind.Fault, n.id, `paused for ${durationMs}ms`);
  }

  /** If n is paused, run `later` when it resumes and return true. */
  private deferIfPaused(n: SimNode, later: () => void): boolean {
    const wait = n.pausedUntilMs - this.deps.scheduler.now;
    if (wait <= 0) return false;
    const life = n.incarnation;
    this.deps.scheduler.after(wait, () => {
      if (n.incarnation === life) later();
    });
    return true;
  }

  private deliver(m: Message): void {
    const n = this.nodes.get(m.to);
    if (!n || !n.up || this.deferIfPaused(n, () => this.deliver(m))) return;
    this.deps.trace.message(TraceKind.Deliver, n.id, m);
    n.node.step(m);
    this.afterInput(n);
    if (m.type === MessageType.Snap) this.maybeReportSnapshot(m, false);
  }

  private lost(m: Message, cause: LossCause): void {
    if (m.type === MessageType.Snap) this.maybeReportSnapshot(m, true);
    else if (cause === 'link cut' && this.deps.rng.chance(REPORT_LOSS_RATE)) {
      const sender = this.nodes.get(m.from);
      if (sender?.up) {
        sender.node.reportUnreachable(m.to);
        this.afterInput(sender);
      }
    }
  }

  /** A streaming transport learns whether a snapshot got through; it tells the leader, sometimes. */
  private maybeReportSnapshot(m: Message, failed: boolean): void {
    if (!this.deps.rng.chance(REPORT_LOSS_RATE)) return;
    const sender = this.nodes.get(m.from);
    if (!sender?.up) return;
    sender.node.reportSnapshot(m.to, failed);
    this.afterInput(sender);
  }

  private input(n: SimNode, label: string, call: () => Index): Index | undefined {
    this.deps.stats.proposals++;
    let index: Index | undefined;
    try {
      index = call();
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
      this.deps.stats.proposalsDropped++;
    }
    this.deps.trace.numbers(TraceKind.Propose, n.id, index ?? 0, 0, 0, index === undefined ? `${label} (dropped)` : label);
    this.afterInput(n);
    return index;
  }

  /** After anything that may have changed n: check safety, then make sure its Ready gets taken. */
  private afterInput(n: SimNode): void {
    this.deps.checker.afterStep(n);
    this.kick(n);
  }

  private kick(n: SimNode): void {
    if (n.pending || n.readyScheduled || !n.node.hasReady()) return;
    n.readyScheduled = true;
    const life = n.incarnation;
    this.deps.scheduler.after(this.deps.rng.int(0, this.deps.params.readyDelayMaxMs + 1), () => {
      if (n.incarnation === life) this.takeReady(n);
    });
  }

  private takeReady(n: SimNode): void {
    if (this.deferIfPaused(n, () => this.takeReady(n))) return;
    n.readyScheduled = false;
    if (!n.node.hasReady()) return;
    const rd = n.node.ready();
    n.pending = rd;
    // A leader's appends leave at once, its own fsync running meanwhile (Ready.appendsBeforePersist).
    for (const m of rd.messages) if (leavesBeforePersist(rd, m)) this.network.send(m);
    const life = n.incarnation;
    this.deps.scheduler.after(this.fsyncDelayMs(), () => {
      if (n.incarnation === life) this.finishReady(n, rd);
    });
  }

  private fsyncDelayMs(): number {
    const { rng, params } = this.deps;
    if (this.faultsOn && params.slowFsyncRate > 0 && rng.chance(params.slowFsyncRate)) {
      this.deps.stats.slowFsyncs++;
      return rng.int(0, params.slowFsyncMaxMs + 1);
    }
    return rng.int(0, params.persistDelayMaxMs + 1);
  }

  /** The fsync finished: the rest of the Ready contract, in order. */
  private finishReady(n: SimNode, rd: Ready): void {
    if (this.deferIfPaused(n, () => this.finishReady(n, rd))) return;
    const { checker, stats, trace } = this.deps;
    n.persist(rd);
    checker.onPersist(n, rd);
    if (rd.snapshot) stats.snapshotsInstalled++;
    for (const m of rd.messages) if (!leavesBeforePersist(rd, m)) this.network.send(m);
    this.apply(n, rd);
    n.node.advance(rd);
    n.pending = undefined;
    trace.numbers(TraceKind.Persist, n.id, rd.entries.length, rd.hardState?.commit ?? -1, n.sm.appliedIndex,
      rd.snapshot ? `snapshot@${rd.snapshot.meta.index}` : '');
    this.deps.snapshotter.maybeSnapshot(n);
    this.afterInput(n);
  }

  private apply(n: SimNode, rd: Ready): void {
    const { checker } = this.deps;
    if (rd.snapshot) {
      const prevApplied = n.sm.appliedIndex;
      n.sm = StateMachine.fromSnapshot(rd.snapshot);
      checker.onRestore(n, rd.snapshot, prevApplied);
    }
    for (const e of rd.committedEntries) {
      const fp = checker.beforeApply(n, e);
      n.sm.apply(e, fp);
      checker.afterApply(n, e, fp);
      if (e.type === EntryType.ConfChange) this.confChangeApplied(e.index, e.data);
      this.onApplied(n, e);
    }
  }

  private confChangeApplied(index: Index, data: Uint8Array): void {
    if (this.seenConfIndexes.has(index)) return;
    this.seenConfIndexes.add(index);
    this.onConfChangeCommitted(decodeConfChange(data), index);
  }
}

