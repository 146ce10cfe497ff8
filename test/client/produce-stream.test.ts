/**
 * The producer's ProduceStream client (src/client/produce-stream.ts) over a real socket against a
 * stand-in server whose behaviour each test scripts: answers matched by correlation id whatever the
 * order, an unanswered request failing as a client deadline (indefinite), a stream the node ends
 * failing every waiting request as unanswered, and the next request opening a new stream.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGrpcObject } from '../../src/api/index.js';
import { unanswered } from '../../src/client/connection.js';
import { ProduceStream } from '../../src/client/produce-stream.js';
import type { ProduceRequest } from '../../src/api/generated/runnel/v1/ProduceRequest.js';
import type { ProduceServiceClient, ProduceServiceHandlers } from '../../src/api/generated/runnel/v1/ProduceService.js';
import type { ProduceStreamRequest__Output } from '../../src/api/generated/runnel/v1/ProduceStreamRequest.js';
import type { RunnelError } from '../../src/core/index.js';

/** What the stand-in does with a request, by its topic name. */
type Behaviour = 'answer' | 'hold' | 'end-stream';

let streamsOpened = 0;
const held: { call: grpc.ServerDuplexStream<ProduceStreamRequest__Output, unknown>; msg: ProduceStreamRequest__Output }[] = [];

const handlers: ProduceServiceHandlers = {
  InitProducerId(_call, cb) {
    cb(null, { producerId: 1, producerEpoch: 0 });
  },
  Produce(_call, cb) {
    cb({ code: grpc.status.UNIMPLEMENTED });
  },
  ProduceStream(call) {
    streamsOpened++;
    call.on('data', (msg: ProduceStreamRequest__Output) => {
      const topic = msg.request!.topics[0]!.topic as Behaviour | string;
      if (topic === 'hold') return void held.push({ call, msg });
      if (topic === 'end-stream') return void call.end();
      // Answer a held request first when one is waiting on this stream: answers come out of order.
      for (const h of held.splice(0).filter((x) => x.call === call)) call.write(answer(h.msg));
      call.write(answer(msg));
    });
    call.on('end', () => call.end());
  },
};

function answer(msg: ProduceStreamRequest__Output) {
  const topic = msg.request!.topics[0]!.topic;
  return { correlationId: msg.correlationId, response: { topics: [{ topic, partitions: [{ partition: 0, error: null, baseOffset: 40 + msg.correlationId, logAppendTimeMs: 1, logStartOffset: 0 }] }] } };
}

const request = (topic: string): ProduceRequest => ({ topics: [{ topic, partitions: [{ partition: 0, recordBatch: Buffer.from([1]) }] }] });

let server: grpc.Server;
let client: ProduceServiceClient;

beforeAll(async () => {
  const { runnel } = loadGrpcObject();
  server = new grpc.Server();
  server.addService(runnel.v1.ProduceService.service, handlers);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  client = new runnel.v1.ProduceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  server?.forceShutdown();
});

describe('ProduceStream client', () => {
  it('matches answers to requests by correlation id, in whatever order they come', async () => {
    const s = new ProduceStream(client);
    try {
      const first = s.send(request('hold'), 10_000);
      const second = s.send(request('next'), 10_000);
      const [a, b] = await Promise.all([first, second]);
      expect(a.topics[0]!.topic).toBe('hold');
      expect(b.topics[0]!.topic).toBe('next');
      expect(a.topics[0]!.partitions[0]!.baseOffset).not.toBe(b.topics[0]!.partitions[0]!.baseOffset);
    } finally {
      s.close();
    }
  });

  it('fails an unanswered request as a client deadline (indefinite) and ignores its late answer', async () => {
    const s = new ProduceStream(client);
    try {
      const err = (await s.send(request('hold'), 100).catch((e: unknown) => e)) as RunnelError;
      expect(err.code).toBe('RUNNEL_ERR_TIMEOUT');
      expect(err.definite).toBe(false);
      expect(unanswered(err)).toBe(true);
      // The held request is answered now, before this one: the stale answer must not resolve it.
      const next = await s.send(request('next'), 10_000);
      expect(next.topics[0]!.topic).toBe('next');
    } finally {
      s.close();
    }
  });

  it('fails every waiting request when the node ends the stream, and opens a new one for the next', async () => {
    const s = new ProduceStream(client);
    try {
      const opened = streamsOpened;
      const waiting = s.send(request('hold'), 10_000).catch((e: unknown) => e);
      const ending = s.send(request('end-stream'), 10_000).catch((e: unknown) => e);
      for (const err of (await Promise.all([waiting, ending])) as RunnelError[]) {
        expect(err.definite).toBe(false);
        expect(unanswered(err)).toBe(true);
      }
      const after = await s.send(request('next'), 10_000);
      expect(after.topics[0]!.topic).toBe('next');
      expect(streamsOpened).toBe(opened + 2);
    } finally {
      s.close();
      held.splice(0);
    }
  });
});
