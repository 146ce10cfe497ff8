import * as grpc from '@grpc/grpc-js';
import { assert, silentLogger, type Logger, type NodeId } from '../core/index.js';

export interface GrpcTransportOptions {
  readonly nodeId: NodeId;
  /** Every node of a cluster has the same id; a stream from another cluster is refused. */
  readonly clusterId: string;
  /** host:port of this node's PEER listener (port 0 picks a free port; see GrpcTransport.address). */
  readonly listenAddress: string;
  /** Initial peer addresses (controller.quorum.voters); more arrive through setPeerAddress. */
  readonly peers?: Iterable<readonly [NodeId, string]>;
  readonly logger?: Logger;
  /** Frames waiting for a peer's stream; beyond it send() drops (Raft retransmits). */
  readonly queueFramesMax?: number;
  /** Bytes waiting for a peer's stream; beyond it send() drops. */
  readonly queueBytesMax?: number;
  /** Largest frame sent or accepted (gRPC max message length, both directions). */
  readonly frameBytesMax?: number;
  /** First reconnect delay; doubles per failed attempt (with jitter) up to reconnectMaxMs. */
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
  /** HTTP/2 keepalive: ping after this long without activity ... */
  readonly keepaliveTimeMs?: number;
  /** ... and drop the connection if the ping is not answered within this. */
  readonly keepaliveTimeoutMs?: number;
  /** How long close() waits for streams and the server to finish before forcing them. */
  readonly closeTimeoutMs?: number;
  /** Default insecure (the peer listener is on a private network); TLS material plugs in here. */
  readonly serverCredentials?: grpc.ServerCredentials;
  readonly channelCredentials?: grpc.ChannelCredentials;
}

export interface TransportConfig {
  readonly nodeId: NodeId;
  readonly clusterId: string;
  readonly listenAddress: string;
  readonly logger: Logger;
  readonly queueFramesMax: number;
  readonly queueBytesMax: number;
  readonly frameBytesMax: number;
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly serverCredentials: grpc.ServerCredentials;
  readonly channelCredentials: grpc.ChannelCredentials;
}

export const TRANSPORT_DEFAULTS = {
  queueFramesMax: 4096,
  queueBytesMax: 64 << 20,
  frameBytesMax: 64 << 20,
  reconnectBaseMs: 100,
  reconnectMaxMs: 5_000,
  keepaliveTimeMs: 10_000,
  keepaliveTimeoutMs: 5_000,
  closeTimeoutMs: 2_000,
} as const;

export function resolveTransportConfig(o: GrpcTransportOptions): TransportConfig {
  const d = TRANSPORT_DEFAULTS;
  const c: TransportConfig = {
    nodeId: o.nodeId,
    clusterId: o.clusterId,
    listenAddress: o.listenAddress,
    logger: (o.logger ?? silentLogger).child({ nodeId: o.nodeId, component: 'peer-transport' }),
    queueFramesMax: o.queueFramesMax ?? d.queueFramesMax,
    queueBytesMax: o.queueBytesMax ?? d.queueBytesMax,
    frameBytesMax: o.frameBytesMax ?? d.frameBytesMax,
    reconnectBaseMs: o.reconnectBaseMs ?? d.reconnectBaseMs,
    reconnectMaxMs: o.reconnectMaxMs ?? d.reconnectMaxMs,
    keepaliveTimeMs: o.keepaliveTimeMs ?? d.keepaliveTimeMs,
    keepaliveTimeoutMs: o.keepaliveTimeoutMs ?? d.keepaliveTimeoutMs,
    closeTimeoutMs: o.closeTimeoutMs ?? d.closeTimeoutMs,
    serverCredentials: o.serverCredentials ?? grpc.ServerCredentials.createInsecure(),
    channelCredentials: o.channelCredentials ?? grpc.credentials.createInsecure(),
  };
  assert(Number.isInteger(c.nodeId) && c.nodeId > 0, `transport: nodeId must be a positive integer, got ${c.nodeId}`);
  assert(c.clusterId.length > 0, 'transport: clusterId must not be empty');
  assert(c.queueFramesMax > 0 && c.queueBytesMax > 0 && c.frameBytesMax > 0, 'transport: bounds must be > 0');
  assert(c.reconnectBaseMs > 0 && c.reconnectMaxMs >= c.reconnectBaseMs, 'transport: need 0 < reconnectBaseMs <= reconnectMaxMs');
  return c;
}

/**
 * Channel options, every one explicit (STYLE rule 7). Keepalive detects a peer whose machine vanished
 * (no FIN/RST) within keepaliveTimeMs + keepaliveTimeoutMs; a local subchannel pool keeps each
 * peer's connection private to this transport (several transports share a process in tests).
 */
export function channelOptions(c: TransportConfig): grpc.ChannelOptions {
  return {
    'grpc.keepalive_time_ms': c.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': c.keepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_send_message_length': c.frameBytesMax,
    'grpc.max_receive_message_length': c.frameBytesMax,
    'grpc.initial_reconnect_backoff_ms': c.reconnectBaseMs,
    'grpc.max_reconnect_backoff_ms': c.reconnectMaxMs,
    'grpc.enable_retries': 0,
    'grpc.use_local_subchannel_pool': 1,
    'grpc.enable_channelz': 0,
  };
}

export function serverOptions(c: TransportConfig): grpc.ServerOptions {
  return {
    'grpc.keepalive_time_ms': c.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': c.keepaliveTimeoutMs,
    'grpc.max_send_message_length': c.frameBytesMax,
    'grpc.max_receive_message_length': c.frameBytesMax,
    'grpc.enable_channelz': 0,
  };
}
