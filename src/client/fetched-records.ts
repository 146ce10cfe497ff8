/**
 * The records a consumer hands out, made from the batches a Fetch answers with
 * (FetchRequest.record_batches: the stored bytes, no per-record work on the node; fetch-buffer.ts
 * checks and parses each batch whole first). Keys and values are views into the response, not copies.
 */
import type { RecordBatch } from '../log/index.js';
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

/** Record `i` of `batch` (at `offset`) as the consumer hands it out; key, value and headers are views into the batch. */
export function toConsumerRecord(tp: TopicPartition, batch: RecordBatch, i: number, offset: number): ConsumerRecord {
  // Buffer.subarray returns Buffers: the views below are Buffers over the fetched bytes.
  const headers = batch.headerCount(i) === 0 ? noHeaders : Object.fromEntries(batch.headers(i).map((h) => [h.key, h.value as Buffer]));
  return { topic: tp.topic, partition: tp.partition, offset, timestampMs: batch.timestampMs(i), key: batch.key(i) as Buffer | null, value: batch.value(i) as Buffer, headers };
}
