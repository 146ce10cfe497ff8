import type { GroupId, NodeId } from '../core/index.js';
import type { Message } from '../raft/index.js';

/** A Raft message of one group, as carried between two nodes. */
export interface GroupMessage {
  readonly groupId: GroupId;
  readonly message: Message;
}

/**
 * Node-level heartbeats (Redpanda's heartbeat_manager): one per peer per interval carrying every
 * group this node leads on that peer, instead of one Raft heartbeat message per group.
 */
export interface NodeHeartbeat {
  readonly groups: readonly { readonly groupId: GroupId; readonly term: number; readonly commit: number }[];
}

export interface NodeHeartbeatResponse {
  readonly groups: readonly { readonly groupId: GroupId; readonly term: number }[];
}

/** One frame on the long-lived stream between two nodes. */
export type PeerFrame =
  | { readonly kind: 'messages'; readonly messages: readonly GroupMessage[] }
  | { readonly kind: 'heartbeat'; readonly heartbeat: NodeHeartbeat }
  | { readonly kind: 'heartbeatResponse'; readonly response: NodeHeartbeatResponse };

/**
 * What multiraft needs from the network (implemented over grpc-js in src/transport): one long-lived
 * bidirectional stream per peer pair carrying the frames of all groups. Sending never blocks and never
 * grows without bound: when a peer's queue is over its byte bound, frames are dropped and the peer
 * reported unreachable — Raft retransmits.
 */
export interface Transport {
  /**
   * Queue a frame for `to`; returns false if it was dropped (queue full, peer unknown or not
   * connected, frame too large). The caller then reports the groups concerned unreachable.
   */
  send(to: NodeId, frame: PeerFrame): boolean;
  onFrame(handler: (from: NodeId, frame: PeerFrame) => void): void;
  /** The stream to `peer` closed; frames still queued for it were lost. */
  onUnreachable(handler: (peer: NodeId) => void): void;
  /** Learn or update a peer's address (from controller.quorum.voters or the metadata image). */
  setPeerAddress(peer: NodeId, address: string): void;
  close(): Promise<void>;
}
