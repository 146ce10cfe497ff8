import * as grpc from '@grpc/grpc-js';
import type { Logger, NodeId } from '../core/index.js';
import type { PeerFrame, Transport } from '../multiraft/index.js';
import { Dialer } from './dialer.js';
import { decodeFrame, encodeFrame } from './frame-codec.js';
import { FrameDecodeError } from './frame-error.js';
import { helloMetadata, helloMismatch, readHello } from './handshake.js';
import { PeerLink, type PeerStats } from './peer-link.js';
import { peerServiceDefinition } from './peer-service.js';
import { PeerStream } from './peer-stream.js';
import { resolveTransportConfig, serverOptions, type GrpcTransportOptions, type TransportConfig } from './transport-options.js';

type FrameHandler = (from: NodeId, frame: PeerFrame) => void;

/**
 * multiraft's Transport over grpc-js (DESIGN "One transport"): a peer service on the node's PEER
 * listener with one bidi streaming method, and exactly one long-lived stream per peer pair. The node
 * with the lower id dials, the higher one accepts, and both directions share the stream. Frames are
 * encoded by frame-codec.ts and travel as raw bytes (passthrough serializers, no protobuf).
 *
 * send() never blocks: it encodes, then queues for the peer's stream (bounded in frames and bytes),
 * or refuses (returns false) when the link is down, the queue is full or the frame too large.
 * onUnreachable fires when a peer's stream closes (frames still queued for it are lost).
 */
export class GrpcTransport implements Transport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly dialers = new Map<NodeId, Dialer>();
  private readonly frameHandlers: FrameHandler[] = [];
  private readonly unreachableHandlers: Array<(peer: NodeId) => void> = [];
  private readonly logger: Logger;
  private closing = false;
  private closed: Promise<void> | undefined;
  private boundPort = 0;

  private constructor(
    private readonly config: TransportConfig,
    private readonly server: grpc.Server,
  ) {
    this.logger = config.logger;
  }

  /** Bind the peer listener and start dialing the known peers. */
  static async start(options: GrpcTransportOptions): Promise<GrpcTransport> {
    const config = resolveTransportConfig(options);
    const server = new grpc.Server(serverOptions(config));
    const t = new GrpcTransport(config, server);
    server.addService(peerServiceDefinition, { stream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => t.accept(call) });
    t.boundPort = await bind(server, config.listenAddress, config.serverCredentials);
    t.logger.info({ address: t.address }, 'peer transport: listening');
    for (const [peer, address] of options.peers ?? []) t.setPeerAddress(peer, address);
    return t;
  }

  /** host:port actually bound (the port resolved if 0 was asked for). */
  get address(): string {
    return `${hostOf(this.config.listenAddress)}:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  send(to: NodeId, frame: PeerFrame): boolean {
    const link = this.links.get(to);
    if (this.closing || !link) return false;
    if (!link.isUp()) {
      link.refused(); // no stream: refuse before spending time on encoding
      return false;
    }
    const bytes = encodeFrame(frame);
    if (bytes.length > this.config.frameBytesMax) {
      link.refused();
      this.logger.warn({ peer: to, bytes: bytes.length, frameBytesMax: this.config.frameBytesMax }, 'peer transport: frame too large; dropped');
      return false;
    }
    return link.send(bytes);
  }

  onFrame(handler: FrameHandler): void {
    this.frameHandlers.push(handler);
  }

  onUnreachable(handler: (peer: NodeId) => void): void {
    this.unreachableHandlers.push(handler);
  }

  setPeerAddress(peer: NodeId, address: string): void {
    if (peer === this.config.nodeId || this.closing) return;
    const link = this.link(peer);
    const dialer = this.dialers.get(peer);
    if (dialer) dialer.setAddress(address);
    else link.address = address; // the peer dials us; kept for operators
  }

  peerStats(peer: NodeId): PeerStats | undefined {
    return this.links.get(peer)?.stats();
  }

  /** End every stream, then stop the server; forced after closeTimeoutMs. */
  close(): Promise<void> {
    this.closing = true;
    this.closed ??= this.shutdown();
    return this.closed;
  }

  // ---- streams ------------------------------------------------------------------------------------

  private link(peer: NodeId): PeerLink {
    let link = this.links.get(peer);
    if (!link) {
      const c = this.config;
      link = new PeerLink(peer, c.nodeId < peer, c.queueFramesMax, c.queueBytesMax);
      this.links.set(peer, link);
      if (link.dials) this.dialers.set(peer, new Dialer(link, c, (l, call) => this.wrap(l, call, 'dialer')));
    }
    return link;
  }

  private wrap(link: PeerLink, call: grpc.ClientDuplexStream<Buffer, Buffer> | grpc.ServerDuplexStream<Buffer, Buffer>, side: 'dialer' | 'acceptor'): PeerStream {
    return new PeerStream(link.peer, call, side, {
      frame: (stream, bytes) => this.received(link, stream, bytes),
      closed: (stream, reason) => this.streamClosed(link, stream, reason),
    });
  }

  /** The server side of the handshake (handshake.ts): refuse before reading any frame. */
  private accept(call: grpc.ServerDuplexStream<Buffer, Buffer>): void {
    const hello = readHello(call.metadata);
    const why = this.refusal(hello.nodeId, helloMismatch(hello, { clusterId: this.config.clusterId, self: this.config.nodeId }));
    if (why) {
      this.logger.warn({ remote: call.getPeer(), claimedNodeId: hello.nodeId }, `peer transport: refused a stream from ${call.getPeer()}: ${why}`);
      call.on('error', () => {}); // the refusal below is delivered as the call's status
      call.emit('error', { code: grpc.status.FAILED_PRECONDITION, details: `node ${this.config.nodeId} refused the stream: ${why}` });
      return;
    }
    call.sendMetadata(helloMetadata({ clusterId: this.config.clusterId, nodeId: this.config.nodeId, peerId: hello.nodeId }));
    const link = this.link(hello.nodeId);
    const replacing = link.isUp();
    link.attach(this.wrap(link, call, 'acceptor'));
    this.logger.info({ remote: call.getPeer(), replacing }, `peer transport: accepted the stream from node ${hello.nodeId}`);
  }

  private refusal(peer: NodeId, mismatch: string | undefined): string | undefined {
    if (mismatch) return mismatch;
    if (this.closing) return 'this node is shutting down';
    if (peer === this.config.nodeId) return `it claims this node's own id ${peer} (two nodes share a node.id?)`;
    if (peer > this.config.nodeId) return `node ${peer} has the higher id, so this node (${this.config.nodeId}) dials it`;
    return undefined;
  }

  private received(link: PeerLink, stream: PeerStream, bytes: Buffer): void {
    link.received(bytes.length);
    let frame: PeerFrame;
    try {
      frame = decodeFrame(bytes);
    } catch (err) {
      // Whatever a peer sends, this node keeps running: the stream closes and the dialer redials.
      const message = err instanceof FrameDecodeError ? err.message : `malformed peer frame: ${String(err)}`;
      this.logger.error({ peer: link.peer, err }, `peer transport: malformed frame from node ${link.peer}; closing the stream`);
      stream.abort(grpc.status.INVALID_ARGUMENT, message);
      return;
    }
    for (const h of this.frameHandlers) {
      try {
        h(link.peer, frame);
      } catch (err) {
        this.logger.error({ peer: link.peer, err }, 'peer transport: frame handler threw');
      }
    }
  }

  private streamClosed(link: PeerLink, stream: PeerStream, reason: string): void {
    if (!link.detach(stream)) return; // a replaced stream
    if (stream.side === 'acceptor' && !this.closing) {
      this.logger.info({ reason }, `peer transport: stream from node ${link.peer} closed`);
    }
    this.dialers.get(link.peer)?.streamClosed(stream, reason);
    if (this.closing) return;
    for (const h of this.unreachableHandlers) h(link.peer);
  }

  // ---- shutdown -----------------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    for (const d of this.dialers.values()) d.close();
    const streams = [...this.links.values()].map((l) => l.stream()).filter((s): s is PeerStream => s !== undefined);
    for (const s of streams) s.end();
    await stopServer(this.server, this.config.closeTimeoutMs);
    for (const s of streams) if (s.side === 'dialer') s.cancel();
    for (const d of this.dialers.values()) d.closeClient();
    this.logger.info('peer transport: closed');
  }
}

function hostOf(address: string): string {
  const i = address.lastIndexOf(':');
  return i < 0 ? address : address.slice(0, i);
}

function bind(server: grpc.Server, address: string, creds: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, creds, (err, port) => (err ? reject(err) : resolve(port)));
  });
}

/** Graceful shutdown, forced if calls are still open after timeoutMs. */
function stopServer(server: grpc.Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, timeoutMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
