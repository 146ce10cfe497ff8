import type { NodeId } from '../core/index.js';
import type { PeerStream } from './peer-stream.js';
import { SendQueue } from './send-queue.js';

export interface PeerStats {
  /** A stream is open (on the dialer side: opened, maybe not yet verified). */
  connected: boolean;
  /** Streams opened (dialer) or accepted (acceptor) over the link's lifetime. */
  streamsOpened: number;
  framesSent: number;
  bytesSent: number;
  framesReceived: number;
  bytesReceived: number;
  /** Frames refused by send() (link down, queue full, too large) or lost when a stream broke. */
  framesDropped: number;
  queuedFrames: number;
  queuedBytes: number;
}

/**
 * Everything this node keeps about one peer: its address, the one stream to it (if any), and the
 * bounded queue of frames gRPC has not accepted yet. While no stream is open, frames are refused
 * rather than queued: Raft retransmits whatever matters, and stale frames are not worth memory.
 */
export class PeerLink {
  address: string | undefined;
  private current: PeerStream | undefined;
  private readonly queue: SendQueue;
  // The current stream's gRPC buffer is full; writing resumes on its 'drain'.
  private waitingDrain = false;
  private readonly counters = { streamsOpened: 0, framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0, framesDropped: 0 };

  constructor(
    readonly peer: NodeId,
    /** This node opens the stream (it has the lower id); otherwise it waits for the peer to. */
    readonly dials: boolean,
    queueFramesMax: number,
    queueBytesMax: number,
  ) {
    this.queue = new SendQueue(queueFramesMax, queueBytesMax);
  }

  stream(): PeerStream | undefined {
    return this.current;
  }

  isUp(): boolean {
    return this.current !== undefined;
  }

  send(frame: Buffer): boolean {
    if (!this.current || !this.queue.push(frame)) {
      this.counters.framesDropped++;
      return false;
    }
    this.pump();
    return true;
  }

  /** Count a refused frame that never reached send() (too large, encoded for a down link). */
  refused(): void {
    this.counters.framesDropped++;
  }

  received(bytes: number): void {
    this.counters.framesReceived++;
    this.counters.bytesReceived += bytes;
  }

  /** A new stream replaces any current one (exactly one stream per peer pair). */
  attach(stream: PeerStream): void {
    const old = this.current;
    this.current = stream;
    this.waitingDrain = false;
    this.counters.streamsOpened++;
    old?.end();
    this.pump();
  }

  /** `stream` closed; returns false if it was not the current one (a replaced stream). */
  detach(stream: PeerStream): boolean {
    if (stream !== this.current) return false;
    this.current = undefined;
    this.waitingDrain = false;
    this.counters.framesDropped += this.queue.clear();
    return true;
  }

  stats(): PeerStats {
    return { ...this.counters, connected: this.isUp(), queuedFrames: this.queue.length(), queuedBytes: this.queue.bytes() };
  }

  private pump(): void {
    const s = this.current;
    while (s && !this.waitingDrain) {
      const frame = this.queue.shift();
      if (!frame) return;
      this.counters.framesSent++;
      this.counters.bytesSent += frame.length;
      if (!s.write(frame)) {
        this.waitingDrain = true;
        s.onceDrain(() => this.drained(s));
      }
    }
  }

  private drained(s: PeerStream): void {
    if (s !== this.current) return;
    this.waitingDrain = false;
    this.pump();
  }
}
