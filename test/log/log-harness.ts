import type { Index, Term } from '../../src/core/index.js';
import {
  describeBatch,
  encodeBatch,
  PartitionLog,
  producerOf,
  type AppendResult,
  type BatchInput,
  type RetentionPlan,
  type RetentionPolicy,
} from '../../src/log/index.js';
import { MemoryPartitionStore } from './memory-partition-store.js';

/**
 * One replica's partition log driven the way the multiraft host will drive it: proposals append to
 * the store (as Raft's leader appends to its own log), commits apply entries in order, a new leader
 * first commits its own no-op, retention compacts the store. Raft itself is not simulated: the test
 * decides what commits and what a new leader drops.
 */
export class LogHarness {
  term: Term = 0;

  private constructor(
    readonly store: MemoryPartitionStore,
    public log: PartitionLog,
  ) {}

  static async create(store = new MemoryPartitionStore()): Promise<LogHarness> {
    return new LogHarness(store, await PartitionLog.open({ store, nodeId: 1, groupId: 7, commitIndex: 0 }));
  }

  get committedIndex(): Index {
    return this.log.appliedIndex;
  }

  /** Win an election: append this term's no-op, commit everything up to it, start leading. */
  becomeLeader(): void {
    this.term++;
    this.store.append(this.store.lastIndex + 1, this.term, undefined);
    this.commitTo(this.store.lastIndex);
    this.log.startLeading(this.term);
  }

  /** Lose leadership; the next leader keeps the first `keep` uncommitted entries and drops the rest. */
  loseLeadership(keep: number): void {
    this.log.stopLeading();
    this.store.truncateFrom(this.committedIndex + keep + 1);
  }

  produce(input: BatchInput, nowMs: number): AppendResult {
    return this.log.append(encodeBatch(input), nowMs, (data) => this.store.append(this.store.lastIndex + 1, this.term, data));
  }

  commitTo(index: Index): void {
    for (const e of this.store.all()) {
      if (e.index > this.committedIndex && e.index <= index) this.log.apply(e.index, e.data && describeBatch(e.data), e.data && producerOf(e.data));
    }
  }

  commitAll(): void {
    this.commitTo(this.store.lastIndex);
  }

  async retain(nowMs: number, policy: RetentionPolicy): Promise<RetentionPlan | undefined> {
    const plan = await this.log.planRetention(nowMs, policy);
    if (plan) this.store.compact(plan.compactIndex);
    return plan;
  }

  /** Restart: a fresh PartitionLog over the same store, from the last retention snapshot. */
  async reopen(snapshot: { index: Index; data: Uint8Array } | undefined, nowMs?: number): Promise<void> {
    const commitIndex = this.committedIndex;
    this.log = await PartitionLog.open({ store: this.store, nodeId: 1, groupId: 7, commitIndex, ...(snapshot && { snapshot }), ...(nowMs !== undefined && { nowMs }) });
  }
}
