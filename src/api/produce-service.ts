import type * as grpc from '@grpc/grpc-js';
import { RunnelError } from '../core/index.js';
import { BROKER_DEFAULTS, type Acks, type Broker, type ProduceOutcome, type ProduceRecordInput, type ProducerIdentityIn } from '../broker/index.js';
import type { PartitionProduceData__Output } from './generated/runnel/v1/PartitionProduceData.js';
import { toProtoError, toServiceError } from './errors.js';
import type { PartitionProduceResult } from './generated/runnel/v1/PartitionProduceResult.js';
import type { ProduceRequest__Output } from './generated/runnel/v1/ProduceRequest.js';
import type { ProduceResponse } from './generated/runnel/v1/ProduceResponse.js';
import type { ProduceServiceHandlers } from './generated/runnel/v1/ProduceService.js';
import type { ProducerIdentity__Output } from './generated/runnel/v1/ProducerIdentity.js';
import type { ProduceStreamRequest__Output } from './generated/runnel/v1/ProduceStreamRequest.js';
import type { ProduceStreamResponse } from './generated/runnel/v1/ProduceStreamResponse.js';
import type { Record__Output } from './generated/runnel/v1/Record.js';
import { requireSafeInt64, validateTopicName } from './validation.js';

/** ProduceStream: requests read ahead of their responses (then the stream is paused). */
export const produceStreamReadAheadMax = 64;

const timestampMsMax = 2 ** 48 - 1;

function acksOf(a: string): Acks {
  if (a === 'ACKS_NONE') return 'none';
  if (a === 'ACKS_LEADER') return 'leader';
  return 'all';
}

function timeoutOf(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > BROKER_DEFAULTS.produceTimeoutMsMax) {
    throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`timeout_ms ${ms} is outside [0, ${BROKER_DEFAULTS.produceTimeoutMsMax}]`]);
  }
  return ms === 0 ? BROKER_DEFAULTS.produceTimeoutMsDefault : ms;
}

function recordOf(r: Record__Output): ProduceRecordInput {
  const ts = requireSafeInt64(r.timestampMs, 'timestamp_ms');
  if (ts < 0 || ts > timestampMsMax) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`timestamp_ms ${ts} is outside [0, 2^48 - 1]`]);
  return { key: r.key ?? null, value: r.value, headers: r.headers.map((h) => ({ key: h.key, value: h.value })), timestampMs: ts };
}

function producerOf(p: ProducerIdentity__Output): ProducerIdentityIn {
  const producerId = requireSafeInt64(p.producerId, 'producer_id');
  if (producerId < 0) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`producer_id ${producerId} is negative`]);
  if (p.producerEpoch < 0 || p.producerEpoch > 0x7fff) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`producer_epoch ${p.producerEpoch} is outside [0, 32767]`]);
  if (p.baseSequence < 0) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`base_sequence ${p.baseSequence} is negative`]);
  return { producerId, producerEpoch: p.producerEpoch, baseSequence: p.baseSequence };
}

const failed = (partition: number, err: unknown): PartitionProduceResult => ({
  partition,
  error: toProtoError(err),
  baseOffset: -1,
  logAppendTimeMs: -1,
  logStartOffset: -1,
});

/** One partition's records, as a producer-encoded batch (the fast path) or as Record messages. */
function producePartition(broker: Broker, topic: string, p: PartitionProduceData__Output, acks: Acks, timeoutMs: number): Promise<ProduceOutcome> {
  if (p.recordBatch.length > 0) {
    if (p.records.length > 0) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['set either records or record_batch, not both']);
    return broker.produceBatch(topic, p.partition, p.recordBatch, acks, timeoutMs);
  }
  if (p.records.length === 0) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['a partition needs at least one record']);
  const producer = p.producer ? producerOf(p.producer) : undefined;
  return broker.produce(topic, p.partition, p.records.map(recordOf), acks, timeoutMs, producer);
}

/** Validate (whole-request problems throw), then produce every partition independently. */
export async function produce(broker: Broker, req: ProduceRequest__Output): Promise<ProduceResponse> {
  const acks = acksOf(req.acks);
  const timeoutMs = timeoutOf(req.timeoutMs);
  const topics = await Promise.all(
    req.topics.map(async (t) => ({
      topic: t.topic,
      partitions: await Promise.all(
        t.partitions.map(async (p): Promise<PartitionProduceResult> => {
          try {
            validateTopicName(t.topic);
            const out = await producePartition(broker, t.topic, p, acks, timeoutMs);
            return { partition: p.partition, ...out };
          } catch (err) {
            return failed(p.partition, err);
          }
        }),
      ),
    })),
  );
  return { topics };
}

export function produceHandlers(broker: Broker): ProduceServiceHandlers {
  return {
    InitProducerId(_call, callback) {
      try {
        callback(null, { producerId: broker.initProducerId(), producerEpoch: 0 });
      } catch (err) {
        callback(toServiceError(err));
      }
    },
    Produce(call, callback) {
      produce(broker, call.request).then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err)),
      );
    },
    ProduceStream(call: grpc.ServerDuplexStream<ProduceStreamRequest__Output, ProduceStreamResponse>) {
      let inFlight = 0;
      let ended = false;
      const maybeEnd = (): void => {
        if (ended && inFlight === 0) call.end();
      };
      call.on('data', (msg: ProduceStreamRequest__Output) => {
        inFlight++;
        if (inFlight >= produceStreamReadAheadMax) call.pause();
        const answer = (res: ProduceStreamResponse): void => {
          if (!call.cancelled && !call.destroyed) call.write(res);
          inFlight--;
          if (inFlight < produceStreamReadAheadMax) call.resume();
          maybeEnd();
        };
        const id = msg.correlationId;
        if (!msg.request) {
          answer({ correlationId: id, error: toProtoError(new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['request is missing'])) });
          return;
        }
        produce(broker, msg.request).then(
          (response) => answer({ correlationId: id, response }),
          (err: unknown) => answer({ correlationId: id, error: toProtoError(err) }),
        );
      });
      call.on('end', () => {
        ended = true;
        maybeEnd();
      });
      call.on('error', () => {
        ended = true;
      });
    },
  };
}
