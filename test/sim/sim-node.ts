/**
 * One simulated server: its durable state (a MemoryStorage that changes only when the host persists
 * a Ready) and its volatile state (the RawNode, the state machine, a Ready whose fsync is in flight),
 * which a crash throws away.
 */
import { assert, type NodeId, type Rng } from '../../src/core/index.js';
import { MemoryStorage, RawNode, type ConfState, type RaftConfigInput, type Ready } from '../../src/raft/index.js';
import type { ColdStorage } from './cold-storage.js';
import { StateMachine } from './state-machine.js';

export const NodeStatus = {
  Up: 'up',
  /** Crashed; will be restarted from its storage. */
  Down: 'down',
  /** Shut down for good after its removal from the group committed. */
  Stopped: 'stopped',
} as const;
export type NodeStatus = (typeof NodeStatus)[keyof typeof NodeStatus];

/** Raft settings shared by every node of a run (id, storage, rng and applied are per node). */
export type NodeRaftConfig = Omit<RaftConfigInput, 'id' | 'storage' | 'rng' | 'applied'>;

export class SimNode {
  readonly storage: MemoryStorage;
  status: NodeStatus = NodeStatus.Down;
  /** Bumped on every crash, so events scheduled during an earlier life are ignored. */
  incarnation = 0;
  sm = new StateMachine();
  /** A Ready taken with ready() whose fsync has not finished; lost if the node crashes. */
  pending: Ready | undefined = undefined;
  /** A ready() call is scheduled. */
  readyScheduled = false;
  /** While the simulated clock is below this, the process is stalled: no ticks, no handling. */
  pausedUntilMs = 0;
  private raw: RawNode | undefined = undefined;
  /** What the RawNode reads through in seeds with cold reads (volatile: a new one per life). */
  private cold: ColdStorage | undefined = undefined;

  constructor(
    readonly id: NodeId,
    bootstrap: ConfState,
    /** This node's tick period; periods differ a little between nodes, as clocks do. */
    readonly tickPeriodMs: number,
  ) {
    this.storage = new MemoryStorage(bootstrap);
  }

  get up(): boolean {
    return this.status === NodeStatus.Up;
  }

  get node(): RawNode {
    assert(this.raw !== undefined, () => `n${this.id} is ${this.status}`);
    return this.raw;
  }

  /**
   * (Re)start from durable state only. The state machine is rebuilt from the stored snapshot, so
   * `applied` is the snapshot index and Raft re-delivers the committed entries after it.
   */
  boot(config: NodeRaftConfig, rng: Rng, cold?: ColdStorage): void {
    assert(this.status === NodeStatus.Down, () => `boot n${this.id} while ${this.status}`);
    const snap = this.storage.snapshot();
    this.cold = cold;
    this.raw = new RawNode({ ...config, id: this.id, storage: cold ?? this.storage, rng, applied: snap.meta.index });
    this.sm = StateMachine.fromSnapshot(snap);
    this.status = NodeStatus.Up;
  }

  /** Lose everything not persisted: the RawNode, the state machine, an unfinished fsync. */
  crash(): void {
    this.cold?.close();
    this.cold = undefined;
    this.raw = undefined;
    this.pending = undefined;
    this.readyScheduled = false;
    this.pausedUntilMs = 0;
    this.incarnation++;
    this.status = NodeStatus.Down;
  }

  stop(): void {
    this.crash();
    this.status = NodeStatus.Stopped;
  }

  /** Run the checker's `read` of the Raft log as if every entry were in memory, with no side effects. */
  oracleRead<T>(read: () => T): T {
    return this.cold ? this.cold.oracleRead(read) : read();
  }

  /** Step 1 of the Ready contract: snapshot, then entries, then hard state. */
  persist(rd: Ready): void {
    if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
    this.storage.append(rd.entries);
    if (rd.hardState) this.storage.setHardState(rd.hardState);
  }
}
