/**
 * Shared plumbing of the gRPC clients: one channel per node address, a typed unary call that turns
 * failures into RunnelErrors (src/api/errors.ts), and bounded retry with exponential backoff.
 */
import * as grpc from '@grpc/grpc-js';
import { RunnelError } from '../core/index.js';
import { fromProtoError, fromServiceError } from '../api/errors.js';
import { loadGrpcObject } from '../api/proto.js';
import type { AdminServiceClient } from '../api/generated/runnel/v1/AdminService.js';
import type { GroupServiceClient } from '../api/generated/runnel/v1/GroupService.js';
import type { Error__Output as ProtoError } from '../api/generated/runnel/v1/Error.js';
import type { FetchServiceClient } from '../api/generated/runnel/v1/FetchService.js';
import type { MetadataServiceClient } from '../api/generated/runnel/v1/MetadataService.js';
import type { ProduceServiceClient } from '../api/generated/runnel/v1/ProduceService.js';
import { ProduceStream } from './produce-stream.js';

/**
 * TLS to nodes whose CLIENT listener is SSL (PEM, as a Buffer or string): the CA that signed the
 * nodes' certificates, and this client's own certificate and key when the nodes require one
 * (ssl.client.auth=required). The node's certificate must name the host the client dials.
 */
export interface ClientTls {
  readonly ca: Buffer | string;
  readonly cert?: Buffer | string;
  readonly key?: Buffer | string;
}

/** Options every client shares. */
export interface ClientOptions {
  /** `host:port` of one or more nodes' CLIENT listeners (Kafka's `bootstrap.servers`). */
  readonly bootstrapServers: readonly string[];
  /** Deadline of one RPC (Kafka's `request.timeout.ms`). */
  readonly requestTimeoutMs?: number;
  /** Attempts per operation at most (first try included). */
  readonly attemptsMax?: number;
  /** Backoff between attempts: starts at `retryBackoffMs`, doubles up to `retryBackoffMaxMs`. */
  readonly retryBackoffMs?: number;
  readonly retryBackoffMaxMs?: number;
  /** Overall deadline of one admin or metadata operation, across its retries. */
  readonly operationTimeoutMs?: number;
  /** TLS (Kafka's security.protocol=SSL); plaintext when absent. */
  readonly tls?: ClientTls;
}

export interface ResolvedClientOptions {
  readonly bootstrapServers: readonly string[];
  readonly requestTimeoutMs: number;
  readonly attemptsMax: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  readonly operationTimeoutMs: number;
  readonly tls: ClientTls | undefined;
}

export function resolveClientOptions(o: ClientOptions): ResolvedClientOptions {
  if (o.bootstrapServers.length === 0) throw new RunnelError('RUNNEL_ERR_INVALID_CONFIG', ['bootstrapServers is empty']);
  for (const s of o.bootstrapServers) {
    if (!/^[^:\s]+:\d+$/.test(s)) throw new RunnelError('RUNNEL_ERR_INVALID_CONFIG', [`bootstrap server "${s}" is not host:port`]);
  }
  if (o.tls && (o.tls.cert === undefined) !== (o.tls.key === undefined)) {
    throw new RunnelError('RUNNEL_ERR_INVALID_CONFIG', ['tls: give both a client certificate and its key, or neither']);
  }
  return {
    bootstrapServers: [...o.bootstrapServers],
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    attemptsMax: o.attemptsMax ?? 20,
    retryBackoffMs: o.retryBackoffMs ?? 50,
    retryBackoffMaxMs: o.retryBackoffMaxMs ?? 1_000,
    operationTimeoutMs: o.operationTimeoutMs ?? 30_000,
    tls: o.tls,
  };
}

export interface Conn {
  readonly address: string;
  readonly channel: grpc.Channel;
  readonly produce: ProduceServiceClient;
  /** The producer's one stream to this node (produce-stream.ts), opened on first use. */
  readonly produceStream: ProduceStream;
  readonly fetch: FetchServiceClient;
  readonly metadata: MetadataServiceClient;
  readonly admin: AdminServiceClient;
  readonly group: GroupServiceClient;
}

/**
 * A node that vanishes without closing its connections (a host cut off, a paused VM) leaves calls
 * waiting on a connection that looks open. While calls are in flight the channel pings every
 * keepaliveTimeMs and drops a connection whose ping goes unanswered for keepaliveTimeoutMs: its calls
 * fail (UNAVAILABLE) and the client retries elsewhere after a metadata refresh, in seconds rather
 * than a request timeout per call.
 */
const keepaliveTimeMs = 2_000;
const keepaliveTimeoutMs = 2_000;
const channelOptions: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 64 << 20,
  'grpc.max_send_message_length': 64 << 20,
  'grpc.keepalive_time_ms': keepaliveTimeMs,
  'grpc.keepalive_timeout_ms': keepaliveTimeoutMs,
  'grpc.keepalive_permit_without_calls': 0,
  // HTTP/2's 64 KiB default receive window makes a 1 MiB fetch answer wait on ~16 window updates.
  'grpc-node.flow_control_window': 16 << 20,
};

const pemBuffer = (pem: Buffer | string): Buffer => (typeof pem === 'string' ? Buffer.from(pem) : pem);

/** One channel per node address, shared by that node's service clients. */
export class Connections {
  private readonly conns = new Map<string, Conn>();
  private readonly creds: grpc.ChannelCredentials;

  constructor(tls?: ClientTls) {
    this.creds = tls
      ? grpc.credentials.createSsl(pemBuffer(tls.ca), tls.key === undefined ? null : pemBuffer(tls.key), tls.cert === undefined ? null : pemBuffer(tls.cert))
      : grpc.credentials.createInsecure();
  }

  get(address: string): Conn {
    let c = this.conns.get(address);
    if (c === undefined) {
      const { runnel } = loadGrpcObject();
      const creds = this.creds;
      const channel = new grpc.Channel(address, creds, channelOptions);
      const options = { channelOverride: channel };
      const produce = new runnel.v1.ProduceService(address, creds, options);
      c = {
        address,
        channel,
        produce,
        produceStream: new ProduceStream(produce),
        fetch: new runnel.v1.FetchService(address, creds, options),
        metadata: new runnel.v1.MetadataService(address, creds, options),
        admin: new runnel.v1.AdminService(address, creds, options),
        group: new runnel.v1.GroupService(address, creds, options),
      };
      this.conns.set(address, c);
    }
    return c;
  }

  /** Whether a connection to `address` is up, waiting at most `waitMs`. Nothing is sent. */
  ready(address: string, waitMs: number): Promise<boolean> {
    const c = this.get(address);
    if (c.channel.getConnectivityState(true) === grpc.connectivityState.READY) return Promise.resolve(true);
    return new Promise((resolve) => c.metadata.waitForReady(Date.now() + waitMs, (err) => resolve(!err)));
  }

  close(): void {
    for (const c of this.conns.values()) {
      c.produceStream.close();
      for (const client of [c.produce, c.fetch, c.metadata, c.admin, c.group]) client.close();
      c.channel.close();
    }
    this.conns.clear();
  }
}

type Callback<Res> = (err: grpc.ServiceError | null, res?: Res) => void;

/** A unary call with a deadline; a failed call rejects with a RunnelError (from the trailer when sent). */
export function unary<Req, Res>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fn: (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback<Res>) => any,
  req: Req,
  timeoutMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(fromServiceError(err));
      else if (res === undefined) reject(new RunnelError('RUNNEL_ERR_INTERNAL', ['empty response']));
      else resolve(res);
    });
  });
}

/** A per-item `Error` as a RunnelError (null when the item succeeded). */
export function itemError(e: ProtoError | null | undefined): RunnelError | null {
  return e ? fromProtoError(e) : null;
}

/**
 * The node never answered: no connection, or none within the deadline (a host cut off, a paused
 * process). Clients then look the cluster up again, asking that node last for a while.
 */
export function unanswered(err: unknown): boolean {
  if (!(err instanceof RunnelError)) return false;
  const status = err.details['grpcStatus'];
  return status === grpc.status.UNAVAILABLE || status === grpc.status.DEADLINE_EXCEEDED;
}

/** Definite failures worth retrying after a backoff (possibly elsewhere). */
export const retriableDefinite: ReadonlySet<string> = new Set([
  'RUNNEL_ERR_NOT_LEADER',
  'RUNNEL_ERR_PROPOSAL_DROPPED',
  'RUNNEL_ERR_PROPOSAL_SUPERSEDED',
  'RUNNEL_ERR_UNKNOWN_PARTITION',
]);

export function isRetriable(err: unknown): boolean {
  return err instanceof RunnelError && err.definite && retriableDefinite.has(err.code);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Exponential backoff with jitter, never past `deadlineMs` (a Date.now() value). */
export class Backoff {
  private nextMs: number;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {
    this.nextMs = minMs;
  }

  async wait(deadlineMs: number): Promise<void> {
    const ms = Math.min(this.nextMs * (0.5 + Math.random() / 2), Math.max(0, deadlineMs - Date.now()));
    this.nextMs = Math.min(this.maxMs, this.nextMs * 2);
    await sleep(ms);
  }

  reset(): void {
    this.nextMs = this.minMs;
  }
}

/** The leader hint of a NOT_LEADER error, if it names a node. */
export function leaderHint(err: RunnelError): { nodeId: number; address: string } | undefined {
  const h = err.details['leaderHint'] as { nodeId?: number; host?: string; port?: number } | undefined;
  if (!h || !h.nodeId || !h.host || !h.port) return undefined;
  return { nodeId: h.nodeId, address: `${h.host}:${h.port}` };
}
