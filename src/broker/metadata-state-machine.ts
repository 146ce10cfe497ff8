import { assert, type Index, type Logger } from '../core/index.js';
import {
  applyRecord,
  decodeImage,
  decodeRecord,
  emptyImage,
  encodeImage,
  type ApplyOutcome,
  type MetadataImage,
  type MetadataRecord,
} from '../metadata/index.js';
import type { StateMachine } from '../multiraft/index.js';
import { EntryType, type Entry, type Snapshot } from '../raft/index.js';

const noOp: MetadataRecord = { type: 'NoOp' };

/**
 * The metadata group's state machine: committed records applied, in log order, to the in-memory
 * cluster image. An entry with no record (a leader's no-op, a membership change) applies a NoOp, so
 * `image.appliedIndex` tracks the group's applied index. The image lives in memory only
 * (appliedIndex() = 0): MultiRaft restores the stored snapshot and re-delivers the committed log.
 */
export class MetadataStateMachine implements StateMachine {
  private current: MetadataImage = emptyImage;
  // Outcomes of the last outcomesMax applied entries, so a proposer can read its answer.
  private readonly outcomes = new Map<Index, ApplyOutcome>();
  private readonly listeners: Array<(before: MetadataImage, after: MetadataImage) => void> = [];

  constructor(
    private readonly logger: Logger,
    private readonly outcomesMax: number,
  ) {}

  get image(): MetadataImage {
    return this.current;
  }

  /** Called after every apply or restore with the image before and after (never inside a record). */
  onChange(listener: (before: MetadataImage, after: MetadataImage) => void): void {
    this.listeners.push(listener);
  }

  /** The outcome of the record at `index`, if it is among the recent ones. */
  outcomeAt(index: Index): ApplyOutcome | undefined {
    return this.outcomes.get(index);
  }

  appliedIndex(): Index {
    return 0;
  }

  apply(entries: readonly Entry[]): void {
    const before = this.current;
    let image = before;
    for (const e of entries) {
      const record = e.type === EntryType.Normal && e.data.byteLength > 0 ? decodeRecord(e.data) : noOp;
      const result = applyRecord(image, record, e.index);
      image = result.image;
      this.remember(e.index, result.outcome);
      if (result.outcome.status === 'rejected') {
        this.logger.debug({ index: e.index, record: record.type, code: result.outcome.code }, 'metadata: record rejected');
      }
    }
    assert(entries.length === 0 || image.appliedIndex === entries[entries.length - 1]!.index, 'metadata: applied index out of step');
    this.current = image;
    this.emit(before, image);
  }

  restore(snapshot: Snapshot): void {
    const before = this.current;
    this.current = snapshot.data.byteLength === 0 ? { ...emptyImage, appliedIndex: snapshot.meta.index } : decodeImage(snapshot.data);
    this.outcomes.clear();
    this.logger.info({ index: snapshot.meta.index }, 'metadata: image restored from a snapshot');
    this.emit(before, this.current);
  }

  snapshot(): Uint8Array {
    return encodeImage(this.current);
  }

  private remember(index: Index, outcome: ApplyOutcome): void {
    this.outcomes.set(index, outcome);
    if (this.outcomes.size > this.outcomesMax) {
      const oldest = this.outcomes.keys().next().value;
      if (oldest !== undefined) this.outcomes.delete(oldest);
    }
  }

  private emit(before: MetadataImage, after: MetadataImage): void {
    for (const l of this.listeners) l(before, after);
  }
}
