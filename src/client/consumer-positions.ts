/**
 * Where a consumer stands in each partition it reads: an offset, or a reset (earliest/latest) still to
 * be resolved with ListOffsets; in a group also the *consumed* position — the offset when `poll` was
 * last called, past every record handed out by the polls before, which is what auto-commit commits.
 * Keyed `topic/partition`.
 */
import type { PartitionHost } from './group-session.js';
import { tpKey, type TopicPartitionOffset } from './group-partitions.js';
import type { TopicPartition } from './record-accumulator.js';

export type ResetSpec = 'OFFSET_SPEC_EARLIEST' | 'OFFSET_SPEC_LATEST';

export type Position = { kind: 'offset'; offset: number } | { kind: 'reset'; spec: ResetSpec };

export interface PositionEntry {
  readonly tp: TopicPartition;
  pos: Position;
  consumed?: number;
}

export class PartitionPositions extends Map<string, PositionEntry> {
  /** `poll` was called: every record handed out so far counts as consumed. */
  markConsumed(): void {
    for (const e of this.values()) if (e.pos.kind === 'offset') e.consumed = e.pos.offset;
  }

  /** The current offsets (those still to be resolved left out). */
  currentOffsets(): TopicPartitionOffset[] {
    return [...this.values()].flatMap((e) => (e.pos.kind === 'offset' ? [{ ...e.tp, offset: e.pos.offset }] : []));
  }

  /** What a group session (group-session.ts) starts, stops and commits; unset committed offsets start per `resetSpec`. */
  host(resetSpec: ResetSpec): PartitionHost {
    const consumedOf = (e: PositionEntry | undefined): TopicPartitionOffset[] => (e?.consumed === undefined ? [] : [{ ...e.tp, offset: e.consumed }]);
    return {
      start: (tp, committedOffset) => {
        const pos: Position = committedOffset >= 0 ? { kind: 'offset', offset: committedOffset } : { kind: 'reset', spec: resetSpec };
        this.set(tpKey(tp), { tp, pos });
      },
      stop: (tps) => {
        const entries = tps.flatMap((tp) => this.get(tpKey(tp)) ?? []);
        for (const tp of tps) this.delete(tpKey(tp));
        const current = entries.flatMap((e) => (e.pos.kind === 'offset' ? [{ ...e.tp, offset: e.pos.offset }] : []));
        return { consumed: entries.flatMap(consumedOf), current };
      },
      consumed: () => [...this.values()].flatMap(consumedOf),
    };
  }
}
