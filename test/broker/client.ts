/** A small typed gRPC client of the public API, for tests and the smoke script (not the product client). */
import * as grpc from '@grpc/grpc-js';
import { fromServiceError, loadGrpcObject } from '../../src/api/index.js';
import type { HealthClient } from '../../src/api/generated/grpc/health/v1/Health.js';
import type { AdminServiceClient } from '../../src/api/generated/runnel/v1/AdminService.js';
import type { FetchServiceClient } from '../../src/api/generated/runnel/v1/FetchService.js';
import type { GroupServiceClient } from '../../src/api/generated/runnel/v1/GroupService.js';
import type { MetadataServiceClient } from '../../src/api/generated/runnel/v1/MetadataService.js';
import type { ProduceServiceClient } from '../../src/api/generated/runnel/v1/ProduceService.js';
import type { RunnelError } from '../../src/core/index.js';
import type { HealthCheckResponse__Output } from '../../src/api/generated/grpc/health/v1/HealthCheckResponse.js';
import type { CreateTopicsRequest } from '../../src/api/generated/runnel/v1/CreateTopicsRequest.js';
import type { CreateTopicsResponse__Output } from '../../src/api/generated/runnel/v1/CreateTopicsResponse.js';
import type { FetchRequest } from '../../src/api/generated/runnel/v1/FetchRequest.js';
import type { FetchResponse__Output } from '../../src/api/generated/runnel/v1/FetchResponse.js';
import type { ListOffsetsRequest } from '../../src/api/generated/runnel/v1/ListOffsetsRequest.js';
import type { ListOffsetsResponse__Output } from '../../src/api/generated/runnel/v1/ListOffsetsResponse.js';
import type { MetadataResponse__Output } from '../../src/api/generated/runnel/v1/MetadataResponse.js';
import type { ProduceRequest } from '../../src/api/generated/runnel/v1/ProduceRequest.js';
import type { ProduceResponse__Output } from '../../src/api/generated/runnel/v1/ProduceResponse.js';

export interface ApiClient {
  readonly address: string;
  readonly produce: ProduceServiceClient;
  readonly fetch: FetchServiceClient;
  readonly metadata: MetadataServiceClient;
  readonly admin: AdminServiceClient;
  readonly group: GroupServiceClient;
  readonly health: HealthClient;
  createTopics(req: CreateTopicsRequest): Promise<CreateTopicsResponse__Output>;
  send(req: ProduceRequest, timeoutMs?: number): Promise<ProduceResponse__Output>;
  read(req: FetchRequest, timeoutMs?: number): Promise<FetchResponse__Output>;
  listOffsets(req: ListOffsetsRequest): Promise<ListOffsetsResponse__Output>;
  describe(topics?: string[]): Promise<MetadataResponse__Output>;
  check(): Promise<HealthCheckResponse__Output>;
  close(): void;
}

export function connect(address: string): ApiClient {
  const { runnel, grpc: g } = loadGrpcObject();
  const creds = grpc.credentials.createInsecure();
  const opts = { 'grpc.max_receive_message_length': 64 << 20, 'grpc.max_send_message_length': 64 << 20 };
  const clients = {
    produce: new runnel.v1.ProduceService(address, creds, opts),
    fetch: new runnel.v1.FetchService(address, creds, opts),
    metadata: new runnel.v1.MetadataService(address, creds, opts),
    admin: new runnel.v1.AdminService(address, creds, opts),
    group: new runnel.v1.GroupService(address, creds, opts),
    health: new g.health.v1.Health(address, creds, opts),
  };
  const { produce, fetch, metadata, admin } = clients;
  const health = clients.health;
  return {
    address,
    ...clients,
    createTopics: (req) => call<CreateTopicsRequest, CreateTopicsResponse__Output>(admin.CreateTopics.bind(admin), req),
    send: (req, t) => call<ProduceRequest, ProduceResponse__Output>(produce.Produce.bind(produce), req, t),
    read: (req, t) => call<FetchRequest, FetchResponse__Output>(fetch.Fetch.bind(fetch), req, t),
    listOffsets: (req) => call<ListOffsetsRequest, ListOffsetsResponse__Output>(fetch.ListOffsets.bind(fetch), req),
    describe: (topics = []) => call<{ topics: string[] }, MetadataResponse__Output>(metadata.Metadata.bind(metadata), { topics }),
    check: () => call<{ service: string }, HealthCheckResponse__Output>(health.Check.bind(health), { service: '' }),
    close: () => Object.values(clients).forEach((c) => c.close()),
  };
}

type Callback<Res> = (err: grpc.ServiceError | null, res?: Res) => void;

/** Call a unary method with a deadline; a failed call rejects with the RunnelError from its trailer. */
export function call<Req, Res>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fn: (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback<Res>) => any,
  req: Req,
  timeoutMs = 10_000,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(Object.assign(fromServiceError(err), { grpcCode: err.code }) as RunnelError & { grpcCode: number });
      else resolve(res!);
    });
  });
}

/** Poll `cond` until it holds; fail after timeoutMs naming what was awaited. */
export async function eventually<T>(cond: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
