import type { GroupId, NodeId } from '../core/index.js';
import { MessageType, type Message } from '../raft/index.js';
import { heartbeatEntry, heartbeatResponseEntry, type HeartbeatEntry, type HeartbeatResponseEntry } from './heartbeat-coalescing.js';
import type { GroupMessage, PeerFrame } from './transport.js';

/** A frame ready for the transport. */
export interface OutgoingFrame {
  readonly to: NodeId;
  readonly frame: PeerFrame;
}

/** Rough wire size of a message, for packing frames (the codec's fixed parts are a little smaller). */
export function messageBytesEstimate(m: Message): number {
  let n = 64 + (m.snapshot ? 64 + m.snapshot.data.byteLength : 0);
  for (const e of m.entries) n += 24 + e.data.byteLength;
  return n;
}

class PeerOutbox {
  readonly chunks: GroupMessage[][] = [];
  private chunkBytes = 0;
  readonly heartbeats: HeartbeatEntry[] = [];
  readonly responses: HeartbeatResponseEntry[] = [];

  constructor(private readonly frameBytesMax: number) {}

  addMessage(gm: GroupMessage): void {
    const bytes = messageBytesEstimate(gm.message);
    let chunk = this.chunks[this.chunks.length - 1];
    if (!chunk || (chunk.length > 0 && this.chunkBytes + bytes > this.frameBytesMax)) {
      chunk = [];
      this.chunks.push(chunk);
      this.chunkBytes = 0;
    }
    chunk.push(gm);
    this.chunkBytes += bytes;
  }
}

/**
 * Everything one Ready pass sends, grouped per peer into as few frames as possible: the messages of
 * all groups packed into frames of at most frameBytesMax, plus at most one node-level heartbeat and
 * one heartbeat-response frame (the coalesced per-group Heartbeat / HeartbeatResp messages).
 */
export class Outbox {
  private readonly peers = new Map<NodeId, PeerOutbox>();
  /** Per-group heartbeat messages folded into node-level frames (for stats). */
  coalesced = 0;

  constructor(private readonly frameBytesMax: number) {}

  add(groupId: GroupId, m: Message): void {
    const peer = this.peerOutbox(m.to);
    if (m.type === MessageType.Heartbeat) {
      peer.heartbeats.push(heartbeatEntry(groupId, m));
      this.coalesced++;
    } else if (m.type === MessageType.HeartbeatResp) {
      peer.responses.push(heartbeatResponseEntry(groupId, m));
      this.coalesced++;
    } else {
      peer.addMessage({ groupId, message: m });
    }
  }

  frames(): OutgoingFrame[] {
    const out: OutgoingFrame[] = [];
    for (const [to, p] of this.peers) {
      for (const messages of p.chunks) out.push({ to, frame: { kind: 'messages', messages } });
      if (p.heartbeats.length > 0) out.push({ to, frame: { kind: 'heartbeat', heartbeat: { groups: p.heartbeats } } });
      if (p.responses.length > 0) out.push({ to, frame: { kind: 'heartbeatResponse', response: { groups: p.responses } } });
    }
    return out;
  }

  private peerOutbox(to: NodeId): PeerOutbox {
    let p = this.peers.get(to);
    if (!p) {
      p = new PeerOutbox(this.frameBytesMax);
      this.peers.set(to, p);
    }
    return p;
  }
}
