/**
 * A member's commits: one at a time, in call order (so they land in order), each leaving out the
 * offsets that would not move its partition forward (commit-tracker.ts). Committed offsets therefore
 * never move backward because of this client.
 */
import type { RunnelError } from '../core/index.js';
import { CommitTracker } from './commit-tracker.js';
import type { GroupCoordinator } from './group-coordinator.js';
import { commitOffsets, type Committer } from './group-offsets.js';
import { tpKey, type TopicPartitionOffset } from './group-partitions.js';

export class OffsetCommitter {
  readonly tracker = new CommitTracker();
  // The last commit queued: the next one starts after it settles.
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly coordinator: GroupCoordinator) {}

  /**
   * Commits, after every earlier commit has settled, as `committer()` is then (its epoch may have
   * grown meanwhile). Resolves to each partition's outcome (null: committed, or nothing new to commit).
   */
  commit(committer: () => Committer, offsets: readonly TopicPartitionOffset[], deadlineMs: number): Promise<Map<string, RunnelError | null>> {
    const run = this.tail.then(() => this.send(committer(), offsets, deadlineMs));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Settles once every commit queued so far has. */
  async idle(): Promise<void> {
    await this.tail;
  }

  private async send(committer: Committer, offsets: readonly TopicPartitionOffset[], deadlineMs: number): Promise<Map<string, RunnelError | null>> {
    const out = new Map<string, RunnelError | null>(offsets.map((o) => [tpKey(o), null]));
    const forward = this.tracker.forward(offsets);
    if (forward.length === 0) return out;
    const results = await commitOffsets(this.coordinator, committer, forward, deadlineMs);
    for (const o of forward) {
      const err = results.get(tpKey(o)) ?? null;
      out.set(tpKey(o), err);
      if (err === null) this.tracker.committedNow(o);
    }
    return out;
  }
}
