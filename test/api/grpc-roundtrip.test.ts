/**
 * The contract over real sockets: a grpc-js server and client on 127.0.0.1 (ephemeral port), the
 * loaded .proto files on both sides, no mocks. The server's handlers are stand-ins that record what
 * arrived and answer with fixed values; what is under test is the wire, not a broker.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnelError } from '../../src/core/index.js';
import {
  errorTrailerKey,
  fromServiceError,
  loadGrpcObject,
  requireSafeInt64,
  toProtoError,
  toServiceError,
  validateTopicName,
} from '../../src/api/index.js';
import type { HealthHandlers } from '../../src/api/generated/grpc/health/v1/Health.js';
import type { PartitionProduceResult } from '../../src/api/generated/runnel/v1/PartitionProduceResult.js';
import type { ProduceRequest__Output } from '../../src/api/generated/runnel/v1/ProduceRequest.js';
import type { ProduceResponse__Output } from '../../src/api/generated/runnel/v1/ProduceResponse.js';
import type { ProduceServiceClient, ProduceServiceHandlers } from '../../src/api/generated/runnel/v1/ProduceService.js';
import type { ProduceStreamResponse__Output } from '../../src/api/generated/runnel/v1/ProduceStreamResponse.js';
import type { HealthClient } from '../../src/api/generated/grpc/health/v1/Health.js';

const requestMaxBytes = 65_536;
const received: ProduceRequest__Output[] = [];

/** Stand-in produce: offsets 100, 101, ... per partition; an invalid topic or int64 fails that item. */
function produce(req: ProduceRequest__Output) {
  if (req.topics.some((t) => t.topic === 'moved')) {
    throw new RunnelError('RUNNEL_ERR_NOT_LEADER', [1, 'moved-0'], { leaderHint: { nodeId: 2, host: '127.0.0.2', port: 9292 } });
  }
  return {
    topics: req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p): PartitionProduceResult => {
        try {
          validateTopicName(t.topic);
          for (const r of p.records) requireSafeInt64(r.timestampMs, 'timestamp_ms');
          return { partition: p.partition, baseOffset: 100, logAppendTimeMs: 1_700_000_000_000, logStartOffset: 0 };
        } catch (err) {
          return { partition: p.partition, error: toProtoError(err), baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
        }
      }),
    })),
  };
}

const produceHandlers: ProduceServiceHandlers = {
  InitProducerId(_call, callback) {
    callback(null, { producerId: 2 ** 40 + 7, producerEpoch: 0 });
  },
  Produce(call, callback) {
    received.push(call.request);
    try {
      callback(null, produce(call.request));
    } catch (err) {
      callback(toServiceError(err));
    }
  },
  ProduceStream(call) {
    const pending: ProduceStreamResponse__Output[] = [];
    call.on('data', (msg) => {
      pending.push({ correlationId: msg.correlationId, response: produce(msg.request!) as ProduceResponse__Output, error: null });
      // answer in reverse order of arrival, two at a time: clients must match by correlation id
      if (pending.length === 2) for (const r of pending.splice(0).reverse()) call.write(r);
    });
    call.on('end', () => {
      for (const r of pending.splice(0)) call.write(r);
      call.end();
    });
  },
};

const healthHandlers: HealthHandlers = {
  Check(call, callback) {
    if (call.request.service === '' || call.request.service === 'runnel.v1.ProduceService') {
      callback(null, { status: 'SERVING' });
    } else {
      callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
    }
  },
  Watch(call) {
    call.write({ status: 'SERVING' });
    call.end();
  },
};

let server: grpc.Server;
let address: string;
let client: ProduceServiceClient;
let health: HealthClient;

beforeAll(async () => {
  const { runnel, grpc: g } = loadGrpcObject();
  server = new grpc.Server({ 'grpc.max_receive_message_length': requestMaxBytes, 'grpc.max_send_message_length': requestMaxBytes });
  server.addService(runnel.v1.ProduceService.service, produceHandlers);
  server.addService(g.health.v1.Health.service, healthHandlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  address = `127.0.0.1:${port}`;
  client = new runnel.v1.ProduceService(address, grpc.credentials.createInsecure());
  health = new g.health.v1.Health(address, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  health?.close();
  server?.forceShutdown();
});

function call<T>(fn: (cb: (err: grpc.ServiceError | null, res?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res!))));
}

function failure(fn: (cb: (err: grpc.ServiceError | null) => void) => void): Promise<grpc.ServiceError> {
  return new Promise((resolve, reject) => fn((err) => (err ? resolve(err) : reject(new Error('expected the call to fail')))));
}

describe('Produce over a real socket', () => {
  it('round-trips a request and response, keeping a null key apart from an empty one', async () => {
    received.length = 0;
    const res = await call<ProduceResponse__Output>((cb) =>
      client.Produce(
        {
          acks: 'ACKS_ALL',
          timeoutMs: 5_000,
          topics: [
            {
              topic: 'orders',
              partitions: [
                {
                  partition: 0,
                  records: [
                    { value: Buffer.from('no key'), timestampMs: 1_700_000_000_001 },
                    { key: Buffer.alloc(0), value: Buffer.from('empty key') },
                    { key: Buffer.from('k'), value: Buffer.alloc(0), headers: [{ key: 'h', value: Buffer.from([0, 255]) }] },
                  ],
                  producer: { producerId: 2 ** 40, producerEpoch: 3, baseSequence: 7 },
                },
              ],
            },
          ],
        },
        { deadline: Date.now() + 10_000 },
        cb,
      ),
    );
    expect(res.topics[0]!.partitions[0]).toEqual({ partition: 0, error: null, baseOffset: 100, logAppendTimeMs: 1_700_000_000_000, logStartOffset: 0 });

    const req = received[0]!;
    expect(req.acks).toBe('ACKS_ALL');
    expect(req.timeoutMs).toBe(5_000);
    const [noKey, emptyKey, withKey] = req.topics[0]!.partitions[0]!.records;
    expect(noKey!.key).toBeUndefined();
    expect(noKey!.value.toString()).toBe('no key');
    expect(noKey!.timestampMs).toBe(1_700_000_000_001);
    expect(emptyKey!.key).toEqual(Buffer.alloc(0));
    expect(emptyKey!.timestampMs).toBe(0);
    expect(withKey!.key).toEqual(Buffer.from('k'));
    expect(withKey!.value).toEqual(Buffer.alloc(0));
    expect(withKey!.headers).toEqual([{ key: 'h', value: Buffer.from([0, 255]) }]);
    expect(req.topics[0]!.partitions[0]!.producer).toEqual({ producerId: 2 ** 40, producerEpoch: 3, baseSequence: 7 });
  });

  it('decodes an omitted producer as null and empty lists as []', async () => {
    received.length = 0;
    await call((cb) => client.Produce({ topics: [{ topic: 't', partitions: [{ partition: 1, records: [{}] }] }] }, cb));
    const p = received[0]!.topics[0]!.partitions[0]!;
    expect(received[0]!.acks).toBe('ACKS_UNSPECIFIED');
    expect(p.producer).toBeNull();
    expect(p.records[0]).toEqual({ value: Buffer.alloc(0), headers: [], timestampMs: 0 });
  });

  it('answers a per-partition error in the result, with the rest of the call succeeding', async () => {
    const res = await call<ProduceResponse__Output>((cb) =>
      client.Produce(
        {
          topics: [
            { topic: 'bad topic', partitions: [{ partition: 0, records: [{ value: Buffer.from('x') }] }] },
            // beyond 2^53 on the wire: decodes rounded, and is refused rather than used
            { topic: 'ok', partitions: [{ partition: 0, records: [{ value: Buffer.from('x'), timestampMs: '9007199254740993' }] }, { partition: 1, records: [{}] }] },
          ],
        },
        cb,
      ),
    );
    const [bad, ok] = res.topics;
    expect(bad!.partitions[0]!.error).toEqual({
      code: 'ERROR_CODE_INVALID_TOPIC',
      message: `invalid topic name "bad topic": the name may hold only ASCII letters, digits, '.', '_' and '-'`,
      definite: true,
      leaderHint: null,
    });
    expect(ok!.partitions[0]!.error?.code).toBe('ERROR_CODE_INVALID_REQUEST');
    expect(ok!.partitions[0]!.error?.message).toContain('timestamp_ms 9007199254740992 is outside');
    expect(ok!.partitions[1]!.error).toBeNull();
    expect(ok!.partitions[1]!.baseOffset).toBe(100);
  });

  it('fails a whole call with the catalog status and the Error in runnel-error-bin, leader hint included', async () => {
    const err = await failure((cb) => client.Produce({ topics: [{ topic: 'moved', partitions: [] }] }, cb));
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.details).toBe('node 1 is not the leader of moved-0');
    expect(err.metadata.get(errorTrailerKey)).toHaveLength(1);
    const e = fromServiceError(err);
    expect([e.code, e.message, e.definite]).toEqual(['RUNNEL_ERR_NOT_LEADER', 'node 1 is not the leader of moved-0', true]);
    expect(e.details['leaderHint']).toEqual({ nodeId: 2, host: '127.0.0.2', port: 9292 });
  });

  it('refuses a request over the message limit with RESOURCE_EXHAUSTED', async () => {
    const err = await failure((cb) =>
      client.Produce({ topics: [{ topic: 't', partitions: [{ partition: 0, records: [{ value: Buffer.alloc(requestMaxBytes + 1) }] }] }] }, cb),
    );
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(fromServiceError(err).definite).toBe(false); // no trailer: the client cannot know it was not processed
  });
});

describe('ProduceStream over a real socket', () => {
  it('echoes each request\'s correlation id in its response, whatever the order', async () => {
    const stream = client.ProduceStream();
    const responses: ProduceStreamResponse__Output[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (r: ProduceStreamResponse__Output) => responses.push(r));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    for (const [id, topic] of [[7, 'a'], [8, 'b'], [4_294_967_295, 'c']] as const) {
      stream.write({ correlationId: id, request: { topics: [{ topic, partitions: [{ partition: 0, records: [{ value: Buffer.from('v') }] }] }] } });
    }
    stream.end();
    await done;
    expect(responses.map((r) => r.correlationId)).toEqual([8, 7, 4_294_967_295]);
    const topicOf = new Map(responses.map((r) => [r.correlationId, r.response!.topics[0]!.topic]));
    expect(topicOf).toEqual(new Map([[7, 'a'], [8, 'b'], [4_294_967_295, 'c']]));
  });
});

describe('grpc.health.v1 over a real socket', () => {
  it('answers Check for the node and for a service, and NOT_FOUND for an unknown one', async () => {
    expect(await call((cb) => health.Check({ service: '' }, cb))).toEqual({ status: 'SERVING' });
    expect(await call((cb) => health.Check({ service: 'runnel.v1.ProduceService' }, cb))).toEqual({ status: 'SERVING' });
    const err = await failure((cb) => health.Check({ service: 'nope' }, cb));
    expect(err.code).toBe(grpc.status.NOT_FOUND);
  });

  it('streams Watch', async () => {
    const statuses: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      const w = health.Watch({ service: '' });
      w.on('data', (r) => statuses.push(r));
      w.on('end', resolve);
      w.on('error', reject);
    });
    expect(statuses).toEqual([{ status: 'SERVING' }]);
  });
});
