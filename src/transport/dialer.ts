import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../core/index.js';
import { Backoff } from './backoff.js';
import { helloMetadata, helloMismatch, readHello } from './handshake.js';
import type { PeerLink } from './peer-link.js';
import { passthrough, PEER_STREAM_PATH } from './peer-service.js';
import type { PeerStream } from './peer-stream.js';
import { channelOptions, type TransportConfig } from './transport-options.js';

/** What the dialer needs from the transport: wrap a fresh client call into a PeerStream. */
export type OpenStream = (link: PeerLink, call: grpc.ClientDuplexStream<Buffer, Buffer>) => PeerStream;

/**
 * The lower-id side of a peer pair opens and re-opens the one stream: immediately when an address is
 * known, then after every close with exponential backoff and jitter (backoff.ts), reset once the
 * acceptor's handshake answer has been verified.
 */
export class Dialer {
  private client: grpc.Client | undefined;
  private clientAddress: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff: Backoff;
  // Failed attempts since the last verified stream: only the first is logged as a warning.
  private failures = 0;
  private closed = false;
  private readonly logger: Logger;

  constructor(
    private readonly link: PeerLink,
    private readonly config: TransportConfig,
    private readonly open: OpenStream,
  ) {
    this.backoff = new Backoff(config.reconnectBaseMs, config.reconnectMaxMs);
    this.logger = config.logger.child({ peer: link.peer });
  }

  /** A new or changed address: drop the old connection and dial the new one now. */
  setAddress(address: string): void {
    if (this.closed || this.link.address === address) return;
    const old = this.link.address;
    this.link.address = address;
    this.logger.info({ address, previous: old }, `peer transport: node ${this.link.peer} is at ${address}`);
    this.link.stream()?.end(); // dial() replaces the channel, whose target changed
    this.backoff.reset();
    this.schedule(0);
  }

  /** The current stream closed: dial again after a backoff delay. */
  streamClosed(stream: PeerStream, reason: string): void {
    if (this.closed) return;
    this.logClose(stream, reason);
    this.schedule(this.backoff.next());
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** After the streams ended: release the channel. */
  closeClient(): void {
    this.client?.close();
    this.client = undefined;
    this.clientAddress = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dial();
    }, delayMs);
  }

  private dial(): void {
    const address = this.link.address;
    if (this.closed || address === undefined || this.link.isUp()) return;
    if (!this.client || this.clientAddress !== address) {
      this.closeClient();
      this.client = new grpc.Client(address, this.config.channelCredentials, channelOptions(this.config));
      this.clientAddress = address;
    }
    const md = helloMetadata({ clusterId: this.config.clusterId, nodeId: this.config.nodeId, peerId: this.link.peer });
    const call = this.client.makeBidiStreamRequest(PEER_STREAM_PATH, passthrough, passthrough, md, {});
    const stream = this.open(this.link, call);
    call.on('metadata', (answer: grpc.Metadata) => this.verify(stream, answer));
    this.link.attach(stream);
  }

  /** The acceptor answered: check it is the node and cluster we meant to reach. */
  private verify(stream: PeerStream, answer: grpc.Metadata): void {
    const expect = { clusterId: this.config.clusterId, self: this.config.nodeId, peer: this.link.peer };
    const why = helloMismatch(readHello(answer), expect);
    if (why) {
      this.logger.error({ address: this.link.address }, `peer transport: ${this.link.address} is not our node ${this.link.peer}: ${why}`);
      stream.abort(grpc.status.FAILED_PRECONDITION, `node ${this.config.nodeId} refused the stream: ${why}`);
      return;
    }
    stream.verified = true;
    this.backoff.reset();
    this.failures = 0;
    this.logger.info({ address: this.link.address }, `peer transport: connected to node ${this.link.peer}`);
  }

  private logClose(stream: PeerStream, reason: string): void {
    const what = { address: this.link.address, reason };
    if (stream.verified) {
      this.logger.warn(what, `peer transport: stream to node ${this.link.peer} closed (${reason}); reconnecting`);
    } else if (this.failures++ === 0) {
      this.logger.warn(what, `peer transport: cannot reach node ${this.link.peer} (${reason}); retrying with backoff`);
    } else {
      this.logger.debug(what, `peer transport: node ${this.link.peer} still unreachable`);
    }
  }
}
