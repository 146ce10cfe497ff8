/**
 * The producer's path to one node: ONE long-lived ProduceStream (produce.proto) carrying every
 * Produce request to that node, matched to its answer by correlation id. A unary call costs both
 * sides an HTTP/2 stream, header blocks and grpc-js's per-call machinery (~0.25 ms of CPU each on
 * this box, measured: at 2,000 small requests/s the unary path alone saturated two cores); on one
 * stream a request is a length-prefixed message.
 *
 * Failure semantics match a unary call with a deadline, so the producer's retry logic is unchanged:
 * no answer within `timeoutMs` rejects that request as a client deadline (DEADLINE_EXCEEDED,
 * indefinite: it may still be written; a late answer is ignored), and a stream that fails or ends
 * rejects every request still waiting on it with the stream's status (UNAVAILABLE when it just
 * ended); the next request opens a new stream. Requests in flight are bounded by the producer
 * (at most 5 batches per partition); the node reads at most 64 ahead of its answers.
 */
import * as grpc from '@grpc/grpc-js';
import { fromProtoError, fromServiceError } from '../api/errors.js';
import type { RunnelError } from '../core/index.js';
import type { ProduceRequest } from '../api/generated/runnel/v1/ProduceRequest.js';
import type { ProduceResponse__Output } from '../api/generated/runnel/v1/ProduceResponse.js';
import type { ProduceServiceClient } from '../api/generated/runnel/v1/ProduceService.js';
import type { ProduceStreamRequest } from '../api/generated/runnel/v1/ProduceStreamRequest.js';
import type { ProduceStreamResponse__Output } from '../api/generated/runnel/v1/ProduceStreamResponse.js';

type Call = grpc.ClientDuplexStream<ProduceStreamRequest, ProduceStreamResponse__Output>;

interface Waiting {
  readonly resolve: (res: ProduceResponse__Output) => void;
  readonly reject: (err: RunnelError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

function statusError(code: grpc.status, details: string): RunnelError {
  return fromServiceError({ code, details, metadata: new grpc.Metadata() });
}

export class ProduceStream {
  private call: Call | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextCorrelationId = 1;

  constructor(private readonly client: ProduceServiceClient) {}

  /** One Produce request over the stream; rejects with a RunnelError as a unary call would. */
  send(request: ProduceRequest, timeoutMs: number): Promise<ProduceResponse__Output> {
    const call = this.open();
    const id = this.nextCorrelationId;
    this.nextCorrelationId = id >= 0x7fffffff ? 1 : id + 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(statusError(grpc.status.DEADLINE_EXCEEDED, `no answer on the produce stream within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      call.write({ correlationId: id, request });
    });
  }

  /** Ends the stream; requests still waiting fail as unanswered. */
  close(): void {
    const call = this.call;
    if (call === undefined) return;
    this.failAll(call, statusError(grpc.status.UNAVAILABLE, 'the producer closed its connection'));
    call.cancel();
  }

  private open(): Call {
    if (this.call !== undefined) return this.call;
    const call = this.client.ProduceStream();
    call.on('data', (msg: ProduceStreamResponse__Output) => this.answer(msg));
    call.on('error', (err: grpc.ServiceError) => this.failAll(call, fromServiceError(err)));
    call.on('end', () => this.failAll(call, statusError(grpc.status.UNAVAILABLE, 'the node ended the produce stream')));
    this.call = call;
    return call;
  }

  private answer(msg: ProduceStreamResponse__Output): void {
    const id = Number(msg.correlationId);
    const w = this.waiting.get(id);
    if (w === undefined) return; // timed out already: the outcome was reported as unknown
    this.waiting.delete(id);
    clearTimeout(w.timer);
    if (msg.error) w.reject(fromProtoError(msg.error));
    else if (msg.response) w.resolve(msg.response);
    else w.reject(statusError(grpc.status.INTERNAL, 'empty produce stream answer'));
  }

  /** The stream is gone: every request waiting on it fails; the next send opens a new one. */
  private failAll(call: Call, err: RunnelError): void {
    if (this.call !== call) return;
    this.call = undefined;
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiting.clear();
  }
}
