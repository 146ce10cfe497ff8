/**
 * Records out of the batches a Fetch answers with (FetchRequest.record_batches: the stored bytes, no
 * per-record work on the node). Each batch is CRC-checked and parsed whole before any of its records
 * is handed out (Kafka's check.crcs); keys and values are views into the response, not copies.
 */
import { decodeBatch } from '../log/index.js';
import type { TopicPartition } from './record-accumulator.js';

export interface ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestampMs: number;
  /** null for a null key (unset), distinct from an empty key. */
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, Buffer>>;
}

const noHeaders: Readonly<Record<string, Buffer>> = Object.freeze({});

/** Appends the records of `data` (one batch, a Buffer) at or after `fromOffset` to `out`. */
export function appendRecords(tp: TopicPartition, data: Buffer, fromOffset: number, out: ConsumerRecord[]): void {
  const batch = decodeBatch(data);
  const { topic, partition } = tp;
  // Buffer.subarray returns Buffers: the views below are Buffers over `data`.
  for (let i = 0; i < batch.recordCount; i++) {
    const offset = batch.offset(i);
    if (offset < fromOffset) continue; // whole batches: the first may start below the position
    const headers = batch.headerCount(i) === 0 ? noHeaders : Object.fromEntries(batch.headers(i).map((h) => [h.key, h.value as Buffer]));
    out.push({ topic, partition, offset, timestampMs: batch.timestampMs(i), key: batch.key(i) as Buffer | null, value: batch.value(i) as Buffer, headers });
  }
}
