/**
 * Fetched record batches not yet handed to the application (Kafka's fetch buffer of completed
 * fetches). A Fetch answer is kept as the stored batches it brought; `poll` decodes and returns at
 * most `maxPollRecords` records at a time (Kafka's max.poll.records, default 500), so a 4 MiB answer
 * of 40,000 records is 80 polls of 500, and only the records of one poll exist as objects at once.
 *
 * A partition's position moves as its records are handed out (Kafka's position), and a partition
 * with buffered records is not fetched again until they are all out (the consumer asks `holds`).
 * An entry is used only while the partition's position is where the entry stands: a seek, a
 * revocation or an unsubscribe leaves it stale, and it is dropped unread.
 */
import { decodeBatch, type RecordBatch } from '../log/index.js';
import type { PartitionPositions } from './consumer-positions.js';
import { tpKey } from './group-partitions.js';
import { toConsumerRecord, type ConsumerRecord } from './fetched-records.js';
import type { TopicPartition } from './record-accumulator.js';

/** Kafka's max.poll.records default. */
export const MAX_POLL_RECORDS_DEFAULT = 500;

/** One partition's answer: its batches, read in order from `position`. */
export class CompletedFetch {
  readonly key: string;
  private batchIndex = 0;
  private batch: RecordBatch | undefined;
  private recordIndex = 0;

  /**
   * @param position the partition's position the fetch was made at: the next offset to hand out
   * @param nextOffset where the partition's position goes once every batch is out
   */
  constructor(
    readonly tp: TopicPartition,
    public position: number,
    private readonly batches: readonly Buffer[],
    private readonly nextOffset: number,
  ) {
    this.key = tpKey(tp);
  }

  get exhausted(): boolean {
    return this.batchIndex >= this.batches.length;
  }

  /**
   * Appends up to `max` records at or after `position` to `out` and advances `position` past them;
   * at the end, to the answer's next offset. Each batch is CRC-checked and parsed whole before any of
   * its records is handed out: a corrupt batch throws RUNNEL_ERR_CORRUPT and stays next in line.
   */
  take(max: number, out: ConsumerRecord[]): void {
    let room = max;
    while (room > 0 && !this.exhausted) {
      const batch = (this.batch ??= decodeBatch(this.batches[this.batchIndex]!));
      for (; this.recordIndex < batch.recordCount && room > 0; this.recordIndex++) {
        const offset = batch.offset(this.recordIndex);
        if (offset < this.position) continue; // whole batches: the first may start below the position
        out.push(toConsumerRecord(this.tp, batch, this.recordIndex, offset));
        this.position = offset + 1;
        room--;
      }
      if (this.recordIndex < batch.recordCount) break;
      this.batch = undefined;
      this.recordIndex = 0;
      this.batchIndex++;
    }
    if (this.exhausted) this.position = Math.max(this.position, this.nextOffset);
  }
}

/** The completed fetches of the consumer's partitions, one per partition at most, oldest first. */
export class FetchBuffer {
  private readonly fetches = new Map<string, CompletedFetch>();

  add(fetch: CompletedFetch): void {
    this.fetches.delete(fetch.key); // a newer answer for the partition replaces an older one
    this.fetches.set(fetch.key, fetch);
  }

  /** Whether records for `key` are buffered at exactly `position` (then the partition is not fetched). */
  holds(key: string, position: number): boolean {
    return this.fetches.get(key)?.position === position;
  }

  /**
   * Up to `max` buffered records, oldest answer first, advancing each partition's position in
   * `positions` past what is returned. Stale entries are dropped. A corrupt batch throws, unless
   * records were already taken in this call: those are returned, and the next call throws.
   */
  drain(max: number, positions: PartitionPositions): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    for (const [key, fetch] of this.fetches) {
      if (out.length >= max) break;
      const entry = positions.get(key);
      if (entry === undefined || entry.pos.kind !== 'offset' || entry.pos.offset !== fetch.position) {
        this.fetches.delete(key);
        continue;
      }
      try {
        fetch.take(max - out.length, out);
      } catch (err) {
        if (out.length > 0) return out;
        throw err;
      } finally {
        entry.pos = { kind: 'offset', offset: fetch.position };
      }
      if (fetch.exhausted) this.fetches.delete(key);
    }
    return out;
  }

  clear(): void {
    this.fetches.clear();
  }
}
