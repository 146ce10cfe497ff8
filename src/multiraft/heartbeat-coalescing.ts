import type { GroupId, NodeId, Term } from '../core/index.js';
import { MessageType, type Message, type MessageType as MessageTypeT } from '../raft/index.js';
import type { GroupMessage, NodeHeartbeat, NodeHeartbeatResponse } from './transport.js';

/**
 * Node-level heartbeats (Redpanda's heartbeat_manager, STYLE rule 8). The Raft core still produces
 * one Heartbeat / HeartbeatResp message per group and follower; a pass folds all of them that go to
 * the same peer into one NodeHeartbeat / NodeHeartbeatResponse frame, and the receiver unfolds each
 * entry back into the exact Raft message the core sent. The folding is lossless: a Heartbeat carries
 * only (term, commit) and a HeartbeatResp only its term, so Raft sees what it would have seen.
 */

export type HeartbeatEntry = NodeHeartbeat['groups'][number];
export type HeartbeatResponseEntry = NodeHeartbeatResponse['groups'][number];

export function isCoalescable(m: Message): boolean {
  return m.type === MessageType.Heartbeat || m.type === MessageType.HeartbeatResp;
}

export function heartbeatEntry(groupId: GroupId, m: Message): HeartbeatEntry {
  return { groupId, term: m.term, commit: m.commit };
}

export function heartbeatResponseEntry(groupId: GroupId, m: Message): HeartbeatResponseEntry {
  return { groupId, term: m.term };
}

/** The per-group Raft Heartbeat messages a node-level heartbeat from `from` stands for. */
export function unfoldHeartbeat(from: NodeId, to: NodeId, hb: NodeHeartbeat): GroupMessage[] {
  return hb.groups.map((g) => ({ groupId: g.groupId, message: beat(MessageType.Heartbeat, from, to, g.term, g.commit) }));
}

export function unfoldHeartbeatResponse(from: NodeId, to: NodeId, r: NodeHeartbeatResponse): GroupMessage[] {
  return r.groups.map((g) => ({ groupId: g.groupId, message: beat(MessageType.HeartbeatResp, from, to, g.term, 0) }));
}

const NO_ENTRIES: readonly never[] = [];

/** The same shape raft.ts's send() gives these messages: every other field at its zero value. */
function beat(type: MessageTypeT, from: NodeId, to: NodeId, term: Term, commit: number): Message {
  return { type, from, to, term, logTerm: 0, index: 0, entries: NO_ENTRIES, commit, reject: false, rejectHint: 0 };
}
