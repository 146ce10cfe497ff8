import type * as grpc from '@grpc/grpc-js';
import { RunnelError } from '../core/index.js';
import { BROKER_DEFAULTS, decodeRecords, type Broker, type FetchedRecordOut, type FetchPartitionResult, type OffsetSpec } from '../broker/index.js';
import { toProtoError, toServiceError } from './errors.js';
import type { FetchedRecord } from './generated/runnel/v1/FetchedRecord.js';
import type { FetchRequest__Output } from './generated/runnel/v1/FetchRequest.js';
import type { FetchResponse } from './generated/runnel/v1/FetchResponse.js';
import type { FetchServiceHandlers } from './generated/runnel/v1/FetchService.js';
import type { FetchStreamRequest__Output } from './generated/runnel/v1/FetchStreamRequest.js';
import type { FetchStreamResponse } from './generated/runnel/v1/FetchStreamResponse.js';
import type { ListOffsetsRequest__Output } from './generated/runnel/v1/ListOffsetsRequest.js';
import type { ListOffsetsResponse } from './generated/runnel/v1/ListOffsetsResponse.js';
import type { PartitionFetchResult } from './generated/runnel/v1/PartitionFetchResult.js';
import type { PartitionListOffsetsResult } from './generated/runnel/v1/PartitionListOffsetsResult.js';
import { requireSafeInt64, validateTopicName } from './validation.js';

function recordOut(r: FetchedRecordOut): FetchedRecord {
  return {
    offset: r.offset,
    timestampMs: r.timestampMs,
    logAppendTimeMs: r.logAppendTimeMs,
    ...(r.key === null ? {} : { key: Buffer.from(r.key.buffer, r.key.byteOffset, r.key.byteLength) }),
    value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
    headers: r.headers.map((h) => ({ key: h.key, value: Buffer.from(h.value.buffer, h.value.byteOffset, h.value.byteLength) })),
  };
}

const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * A read's batches as the client asked for them: as stored (the fast path, no per-record work), or
 * decoded into FetchedRecord messages from `fromOffset` on.
 */
function recordsOut(batches: readonly Uint8Array[], fromOffset: number, asBatches: boolean): { records: FetchedRecord[]; recordBatches: Buffer[] } {
  if (asBatches) return { records: [], recordBatches: batches.map(asBuffer) };
  const decoded: FetchedRecordOut[] = [];
  for (const data of batches) decodeRecords(data, fromOffset, decoded);
  return { records: decoded.map(recordOut), recordBatches: [] };
}

function partitionOut(partition: number, fetchOffset: number, r: FetchPartitionResult, asBatches: boolean): PartitionFetchResult {
  return {
    partition,
    error: r.error ? toProtoError(r.error) : null,
    highWatermark: r.highWatermark,
    logStartOffset: r.logStartOffset,
    ...recordsOut(r.batches, fetchOffset, asBatches),
    nextOffset: r.nextOffset,
  };
}

function checkInt32(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`${field} ${value} is outside [${min}, ${max}]`]);
  return value;
}

export async function fetch(broker: Broker, req: FetchRequest__Output, signal?: AbortSignal): Promise<FetchResponse> {
  const maxWaitMs = checkInt32(req.maxWaitMs, 'max_wait_ms', 0, BROKER_DEFAULTS.fetchWaitMsMax);
  const minBytes = checkInt32(req.minBytes, 'min_bytes', 0, 2 ** 31 - 1);
  const maxBytes = checkInt32(req.maxBytes, 'max_bytes', 0, 2 ** 31 - 1);
  const wanted: { topic: string; partition: number; offset: number; maxBytes: number }[] = [];
  const invalid = new Map<string, RunnelError>();
  for (const t of req.topics) {
    for (const p of t.partitions) {
      try {
        validateTopicName(t.topic);
        checkInt32(p.maxBytes, 'max_bytes', 0, 2 ** 31 - 1);
        wanted.push({ topic: t.topic, partition: p.partition, offset: requireSafeInt64(p.fetchOffset, 'fetch_offset'), maxBytes: p.maxBytes });
      } catch (err) {
        invalid.set(`${t.topic}\0${p.partition}`, err as RunnelError);
      }
    }
  }
  const results = await broker.fetch({ maxWaitMs: invalid.size > 0 ? 0 : maxWaitMs, minBytes, maxBytes, partitions: wanted }, signal);
  let i = 0;
  return {
    topics: req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const bad = invalid.get(`${t.topic}\0${p.partition}`);
        if (bad) return { partition: p.partition, error: toProtoError(bad), highWatermark: -1, logStartOffset: -1, records: [], recordBatches: [], nextOffset: p.fetchOffset };
        return partitionOut(p.partition, Number(p.fetchOffset), results[i++]!, req.recordBatches);
      }),
    })),
  };
}

function specOf(spec: string, timestampMs: number): OffsetSpec {
  if (spec === 'OFFSET_SPEC_EARLIEST') return { kind: 'earliest' };
  if (spec === 'OFFSET_SPEC_LATEST') return { kind: 'latest' };
  if (spec === 'OFFSET_SPEC_TIMESTAMP') return { kind: 'timestamp', timestampMs: requireSafeInt64(timestampMs, 'timestamp_ms') };
  throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`offset spec ${spec} is not one of EARLIEST, LATEST, TIMESTAMP`]);
}

export async function listOffsets(broker: Broker, req: ListOffsetsRequest__Output): Promise<ListOffsetsResponse> {
  return {
    topics: await Promise.all(
      req.topics.map(async (t) => ({
        topic: t.topic,
        partitions: await Promise.all(
          t.partitions.map(async (p): Promise<PartitionListOffsetsResult> => {
            try {
              validateTopicName(t.topic);
              const offset = await broker.listOffsets({ topic: t.topic, partition: p.partition, spec: specOf(p.spec, p.timestampMs) });
              return { partition: p.partition, error: null, offset };
            } catch (err) {
              return { partition: p.partition, error: toProtoError(err), offset: -1 };
            }
          }),
        ),
      })),
    ),
  };
}

/** Write one message and wait until grpc-js has taken it (HTTP/2 flow control). */
function writeAndDrain(call: grpc.ServerWritableStream<FetchStreamRequest__Output, FetchStreamResponse>, msg: FetchStreamResponse): Promise<void> {
  return new Promise((resolve) => {
    if (call.write(msg)) resolve();
    else call.once('drain', () => resolve());
  });
}

async function tail(broker: Broker, call: grpc.ServerWritableStream<FetchStreamRequest__Output, FetchStreamResponse>, abort: AbortController): Promise<void> {
  const req = call.request;
  validateTopicName(req.topic);
  let offset = requireSafeInt64(req.offset, 'offset');
  const maxBytes = req.maxBytes > 0 ? req.maxBytes : BROKER_DEFAULTS.partitionFetchBytesDefault;
  while (!abort.signal.aborted) {
    const r = await broker.readPartition({ topic: req.topic, partition: req.partition, offset, maxBytes }, maxBytes);
    if (r.error) throw r.error;
    if (r.batches.length > 0 || r.nextOffset !== offset) {
      await writeAndDrain(call, { ...recordsOut(r.batches, offset, req.recordBatches), highWatermark: r.highWatermark, logStartOffset: r.logStartOffset, nextOffset: r.nextOffset });
      offset = r.nextOffset;
      continue;
    }
    const groupId = broker.image.topicIdsByName.has(req.topic) ? broker.image.topics.get(broker.image.topicIdsByName.get(req.topic)!)?.partitions[req.partition]?.groupId : undefined;
    const changed = await broker.waitForAnyChange([groupId], 5_000, abort.signal);
    if (!changed && !abort.signal.aborted) {
      // a bounded wait ended (or no waiter slot): send a progress message so the client sees liveness
      await writeAndDrain(call, { records: [], highWatermark: r.highWatermark, logStartOffset: r.logStartOffset, nextOffset: offset });
    }
  }
}

export function fetchHandlers(broker: Broker): FetchServiceHandlers {
  return {
    Fetch(call, callback) {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      fetch(broker, call.request, abort.signal).then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err)),
      );
    },
    FetchStream(call) {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      tail(broker, call, abort).then(
        () => call.end(),
        (err: unknown) => {
          if (!abort.signal.aborted) call.emit('error', toServiceError(err));
        },
      );
    },
    ListOffsets(call, callback) {
      listOffsets(broker, call.request).then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err)),
      );
    },
  };
}
