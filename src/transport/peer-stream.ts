import * as grpc from '@grpc/grpc-js';
import type { NodeId } from '../core/index.js';

type ClientCall = grpc.ClientDuplexStream<Buffer, Buffer>;
type ServerCall = grpc.ServerDuplexStream<Buffer, Buffer>;

export interface PeerStreamEvents {
  /** One received frame (raw bytes; the transport decodes). */
  frame(stream: PeerStream, bytes: Buffer): void;
  /** The stream is over, whoever ended it; called exactly once. */
  closed(stream: PeerStream, reason: string): void;
}

/**
 * One live gRPC bidi stream with a peer, either side of it: the dialer holds the client call, the
 * acceptor the server call. Normalises their different end-of-stream events into one `closed`.
 */
export class PeerStream {
  private done = false;
  /** The dialer has seen the acceptor's handshake answer (always true on the acceptor side). */
  verified: boolean;

  constructor(
    readonly peer: NodeId,
    private readonly call: ClientCall | ServerCall,
    readonly side: 'dialer' | 'acceptor',
    private readonly events: PeerStreamEvents,
  ) {
    this.verified = side === 'acceptor';
    call.on('data', (b: Buffer) => {
      if (!this.done) events.frame(this, b);
    });
    // An 'error' listener must always exist: an unhandled stream error would crash the process.
    call.on('error', (e: Partial<grpc.StatusObject>) => this.over(describe(e)));
    if (side === 'dialer') this.watchClient(call as ClientCall);
    else this.watchServer(call as ServerCall);
  }

  private watchClient(call: ClientCall): void {
    call.on('status', (s: grpc.StatusObject) => this.over(describe(s)));
  }

  private watchServer(call: ServerCall): void {
    call.on('cancelled', () => this.over('cancelled by the peer'));
    call.on('close', () => this.over('closed'));
    // The dialer half-closed (it is shutting down): finish our side too.
    call.on('end', () => {
      if (!call.writableEnded) call.end();
      this.over('ended by the peer');
    });
  }

  isOpen(): boolean {
    return !this.done;
  }

  /** False once gRPC's buffer is full: wait for onceDrain before writing more. */
  write(frame: Buffer): boolean {
    return this.call.write(frame);
  }

  onceDrain(fn: () => void): void {
    this.call.once('drain', fn);
  }

  /** Graceful end (shutdown, replaced by a newer stream): the peer sees status OK. */
  end(): void {
    if (this.done) return;
    if (!this.call.writableEnded) this.call.end();
    this.over('ended by this node');
  }

  /**
   * Error end (malformed frame, handshake mismatch). An acceptor sends `code` and `details` as the
   * call's status; a dialer can only cancel (HTTP/2 carries no reason with RST_STREAM).
   */
  abort(code: grpc.status, details: string): void {
    if (this.done) return;
    if (this.side === 'dialer') (this.call as ClientCall).cancel();
    else this.call.emit('error', { code, details });
    this.over(details);
  }

  /** The dialer's hard stop when a graceful end is not answered in time. */
  cancel(): void {
    if (this.side === 'dialer') (this.call as ClientCall).cancel();
    this.over('cancelled by this node');
  }

  private over(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.events.closed(this, reason);
  }
}

function describe(s: Partial<grpc.StatusObject>): string {
  const name = s.code !== undefined ? (grpc.status[s.code] ?? String(s.code)) : 'UNKNOWN';
  return s.code === grpc.status.OK ? 'ended by the peer' : `${name}: ${s.details ?? ''}`;
}
