import * as grpc from '@grpc/grpc-js';
import type { NodeId } from '../core/index.js';

/**
 * The stream handshake, carried in gRPC metadata: the dialer's request headers say who it is, which
 * cluster it belongs to and which node it means to reach; the acceptor checks all three before it
 * reads a single frame, and answers with its own identity in the response headers, which the dialer
 * checks in turn. A misdirected or misconfigured peer is refused with a log line naming the mismatch.
 */
export const PEER_PROTOCOL_VERSION = '1';

const KEY_PROTOCOL = 'runnel-peer-protocol';
const KEY_CLUSTER = 'runnel-cluster-id';
const KEY_NODE = 'runnel-node-id';
const KEY_PEER = 'runnel-peer-node-id';

export interface Hello {
  readonly protocol: string;
  readonly clusterId: string;
  /** The sender. */
  readonly nodeId: NodeId;
  /** The node the sender means to reach. */
  readonly peerId: NodeId;
}

export function helloMetadata(h: Omit<Hello, 'protocol'>): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(KEY_PROTOCOL, PEER_PROTOCOL_VERSION);
  md.set(KEY_CLUSTER, h.clusterId);
  md.set(KEY_NODE, String(h.nodeId));
  md.set(KEY_PEER, String(h.peerId));
  return md;
}

export function readHello(md: grpc.Metadata): Hello {
  const one = (key: string): string => {
    const v = md.get(key)[0];
    return typeof v === 'string' ? v : '';
  };
  return { protocol: one(KEY_PROTOCOL), clusterId: one(KEY_CLUSTER), nodeId: Number(one(KEY_NODE)), peerId: Number(one(KEY_PEER)) };
}

/** Why a hello does not match what we expect, or undefined if it does. */
export function helloMismatch(h: Hello, expect: { readonly clusterId: string; readonly self: NodeId; readonly peer?: NodeId }): string | undefined {
  if (h.protocol !== PEER_PROTOCOL_VERSION) return `peer protocol "${h.protocol}" is not "${PEER_PROTOCOL_VERSION}"`;
  if (h.clusterId !== expect.clusterId) return `cluster id "${h.clusterId}" differs from ours "${expect.clusterId}"`;
  if (!Number.isInteger(h.nodeId) || h.nodeId <= 0) return `invalid node id "${h.nodeId}"`;
  if (expect.peer !== undefined && h.nodeId !== expect.peer) return `it is node ${h.nodeId}, not node ${expect.peer}`;
  if (h.peerId !== expect.self) return `it wants node ${h.peerId} but this is node ${expect.self}`;
  return undefined;
}
