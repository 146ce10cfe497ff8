/**
 * What this client knows of its group's committed offsets, so that it never moves one backward: a
 * position is committed only when it is above the partition's last committed offset (as read when
 * the partition was assigned, or as this client last committed it). Pure; commits themselves are
 * serialised by the committer (offset-committer.ts), so they also land in order.
 */
import { tpKey, type TopicPartitionOffset } from './group-partitions.js';
import type { TopicPartition } from './record-accumulator.js';

export class CommitTracker {
  // topic/partition -> the committed offset known here; no entry: none known (commit anything >= 0).
  private readonly committed = new Map<string, number>();

  /** The committed offset read when the partition was assigned (-1: none): from now on the floor. */
  started(tp: TopicPartition, committedOffset: number): void {
    if (committedOffset < 0) this.committed.delete(tpKey(tp));
    else this.committed.set(tpKey(tp), committedOffset);
  }

  /** The offsets that would move a commit forward; the rest are left out. */
  forward(offsets: readonly TopicPartitionOffset[]): TopicPartitionOffset[] {
    return offsets.filter((o) => o.offset >= 0 && o.offset > (this.committed.get(tpKey(o)) ?? -1));
  }

  /** A commit succeeded. */
  committedNow(o: TopicPartitionOffset): void {
    this.committed.set(tpKey(o), Math.max(o.offset, this.committed.get(tpKey(o)) ?? -1));
  }

  last(tp: TopicPartition): number | undefined {
    return this.committed.get(tpKey(tp));
  }
}
