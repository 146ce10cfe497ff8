/**
 * The binary PeerFrame codec (docs/MULTIRAFT.md "Frame format" has the table). Hand-written rather
 * than protobuf: this is the hot path between nodes, entries are copied once into the frame on encode
 * and handed out as views of the received buffer on decode (no copy), and every read is
 * bounds-checked so a malformed frame is a FrameDecodeError, never a crash or a huge allocation.
 *
 * All integers are big-endian. u64 fields hold terms/indexes as safe integers (< 2^53).
 */
import { unreachable, type NodeId } from '../core/index.js';
import type { GroupMessage, NodeHeartbeat, NodeHeartbeatResponse, PeerFrame } from '../multiraft/index.js';
import { EntryType, MessageType, type Entry, type Message, type Snapshot } from '../raft/index.js';
import { FrameReader } from './frame-reader.js';
import { FrameWriter } from './frame-writer.js';

export const FRAME_VERSION = 1;

export const FrameKind = { Messages: 1, Heartbeat: 2, HeartbeatResponse: 3 } as const;

/** Message types in wire order: the code is the index. Append only. */
const MESSAGE_TYPES = [
  MessageType.App,
  MessageType.AppResp,
  MessageType.Vote,
  MessageType.VoteResp,
  MessageType.PreVote,
  MessageType.PreVoteResp,
  MessageType.Snap,
  MessageType.Heartbeat,
  MessageType.HeartbeatResp,
  MessageType.TimeoutNow,
] as const;
const TYPE_CODE = new Map<MessageType, number>(MESSAGE_TYPES.map((t, i) => [t, i]));

const FLAG_REJECT = 1;
const FLAG_TRANSFER = 2;
const FLAG_SNAPSHOT = 4;
const FLAGS_KNOWN = FLAG_REJECT | FLAG_TRANSFER | FLAG_SNAPSHOT;

export const FRAME_HEADER_BYTES = 2 + 4; // version, kind, count
/** groupId, type, flags, from, to, term, logTerm, index, commit, rejectHint, entry count. */
export const MESSAGE_FIXED_BYTES = 4 + 1 + 1 + 4 + 4 + 5 * 8 + 4;
/** term, index, type, data length. */
export const ENTRY_FIXED_BYTES = 8 + 8 + 1 + 4;
/** index, term, voter count, learner count, data length. */
const SNAPSHOT_FIXED_BYTES = 8 + 8 + 4 + 4 + 4;
const HEARTBEAT_ENTRY_BYTES = 4 + 8 + 8;
const HEARTBEAT_RESPONSE_ENTRY_BYTES = 4 + 8;

// ---- encode -------------------------------------------------------------------------------------

export function encodeFrame(frame: PeerFrame): Buffer {
  switch (frame.kind) {
    case 'messages':
      return encodeMessages(frame.messages);
    case 'heartbeat':
      return encodeHeartbeat(frame.heartbeat);
    case 'heartbeatResponse':
      return encodeHeartbeatResponse(frame.response);
    default:
      return unreachable(frame, 'frame kind');
  }
}

function header(size: number, kind: number, count: number): FrameWriter {
  const w = new FrameWriter(size);
  w.u8(FRAME_VERSION);
  w.u8(kind);
  w.u32(count);
  return w;
}

function encodeMessages(messages: readonly GroupMessage[]): Buffer {
  let size = FRAME_HEADER_BYTES;
  for (const gm of messages) size += messageBytes(gm.message);
  const w = header(size, FrameKind.Messages, messages.length);
  for (const gm of messages) writeMessage(w, gm);
  return w.finish();
}

/** Exact encoded size of one message. */
export function messageBytes(m: Message): number {
  let n = MESSAGE_FIXED_BYTES;
  for (const e of m.entries) n += ENTRY_FIXED_BYTES + e.data.byteLength;
  if (m.snapshot) {
    const cs = m.snapshot.meta.confState;
    n += SNAPSHOT_FIXED_BYTES + 4 * (cs.voters.length + cs.learners.length) + m.snapshot.data.byteLength;
  }
  return n;
}

function writeMessage(w: FrameWriter, { groupId, message: m }: GroupMessage): void {
  w.u32(groupId);
  w.u8(TYPE_CODE.get(m.type)!);
  w.u8((m.reject ? FLAG_REJECT : 0) | (m.context === 'transfer' ? FLAG_TRANSFER : 0) | (m.snapshot ? FLAG_SNAPSHOT : 0));
  w.u32(m.from);
  w.u32(m.to);
  w.u64(m.term);
  w.u64(m.logTerm);
  w.u64(m.index);
  w.u64(m.commit);
  w.u64(m.rejectHint);
  w.u32(m.entries.length);
  for (const e of m.entries) writeEntry(w, e);
  if (m.snapshot) writeSnapshot(w, m.snapshot);
}

function writeEntry(w: FrameWriter, e: Entry): void {
  w.u64(e.term);
  w.u64(e.index);
  w.u8(e.type);
  w.bytes(e.data);
}

function writeSnapshot(w: FrameWriter, s: Snapshot): void {
  w.u64(s.meta.index);
  w.u64(s.meta.term);
  writeIds(w, s.meta.confState.voters);
  writeIds(w, s.meta.confState.learners);
  w.bytes(s.data);
}

function writeIds(w: FrameWriter, ids: readonly NodeId[]): void {
  w.u32(ids.length);
  for (const id of ids) w.u32(id);
}

function encodeHeartbeat(hb: NodeHeartbeat): Buffer {
  const w = header(FRAME_HEADER_BYTES + hb.groups.length * HEARTBEAT_ENTRY_BYTES, FrameKind.Heartbeat, hb.groups.length);
  for (const g of hb.groups) {
    w.u32(g.groupId);
    w.u64(g.term);
    w.u64(g.commit);
  }
  return w.finish();
}

function encodeHeartbeatResponse(r: NodeHeartbeatResponse): Buffer {
  const w = header(FRAME_HEADER_BYTES + r.groups.length * HEARTBEAT_RESPONSE_ENTRY_BYTES, FrameKind.HeartbeatResponse, r.groups.length);
  for (const g of r.groups) {
    w.u32(g.groupId);
    w.u64(g.term);
  }
  return w.finish();
}

// ---- decode -------------------------------------------------------------------------------------

/** Decode one frame; throws FrameDecodeError. Entry and snapshot data are views into `buf`. */
export function decodeFrame(buf: Uint8Array): PeerFrame {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const r = new FrameReader(b);
  const version = r.u8();
  if (version !== FRAME_VERSION) r.fail(`unknown frame version ${version}`);
  const kind = r.u8();
  let frame: PeerFrame;
  if (kind === FrameKind.Messages) frame = { kind: 'messages', messages: readMessages(r) };
  else if (kind === FrameKind.Heartbeat) frame = { kind: 'heartbeat', heartbeat: { groups: readHeartbeats(r) } };
  else if (kind === FrameKind.HeartbeatResponse) frame = { kind: 'heartbeatResponse', response: { groups: readResponses(r) } };
  else return r.fail(`unknown frame kind ${kind}`);
  r.end();
  return frame;
}

function readMessages(r: FrameReader): GroupMessage[] {
  const n = r.count(MESSAGE_FIXED_BYTES, 'message');
  const out: GroupMessage[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = readMessage(r);
  return out;
}

function readMessage(r: FrameReader): GroupMessage {
  const groupId = r.u32();
  const typeCode = r.u8();
  const type = MESSAGE_TYPES[typeCode];
  if (type === undefined) r.fail(`unknown message type ${typeCode}`);
  const flags = r.u8();
  if ((flags & ~FLAGS_KNOWN) !== 0) r.fail(`unknown message flags ${flags}`);
  const from = nodeId(r, 'from');
  const to = nodeId(r, 'to');
  const term = r.u64();
  const logTerm = r.u64();
  const index = r.u64();
  const commit = r.u64();
  const rejectHint = r.u64();
  const entries = readEntries(r, type, index);
  const hasSnapshot = (flags & FLAG_SNAPSHOT) !== 0;
  if (hasSnapshot !== (type === MessageType.Snap)) r.fail(`${type} message ${hasSnapshot ? 'with' : 'without'} a snapshot`);
  const message: Message = {
    type, from, to, term, logTerm, index, entries, commit, rejectHint,
    reject: (flags & FLAG_REJECT) !== 0,
    ...(hasSnapshot ? { snapshot: readSnapshot(r) } : {}),
    ...((flags & FLAG_TRANSFER) !== 0 ? { context: 'transfer' as const } : {}),
  };
  return { groupId, message };
}

function nodeId(r: FrameReader, what: string): NodeId {
  const id = r.u32();
  if (id === 0) r.fail(`message ${what} is node 0`);
  return id;
}

const NO_ENTRIES: readonly Entry[] = [];

/** Entries travel only in appends, and follow the append's index contiguously. */
function readEntries(r: FrameReader, type: MessageType, prevIndex: number): readonly Entry[] {
  const n = r.count(ENTRY_FIXED_BYTES, 'entry');
  if (n === 0) return NO_ENTRIES;
  if (type !== MessageType.App) r.fail(`${type} message carrying entries`);
  const out: Entry[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const term = r.u64();
    const index = r.u64();
    if (index !== prevIndex + 1 + i) r.fail(`entry index ${index} does not follow ${prevIndex + i}`);
    const t = r.u8();
    if (t !== EntryType.Normal && t !== EntryType.ConfChange) r.fail(`unknown entry type ${t}`);
    out[i] = { term, index, type: t, data: r.bytes() };
  }
  return out;
}

function readSnapshot(r: FrameReader): Snapshot {
  const index = r.u64();
  const term = r.u64();
  const voters = readIds(r, 'voter');
  const learners = readIds(r, 'learner');
  return { meta: { index, term, confState: { voters, learners } }, data: r.bytes() };
}

function readIds(r: FrameReader, what: string): NodeId[] {
  const n = r.count(4, what);
  const ids: NodeId[] = new Array(n);
  for (let i = 0; i < n; i++) ids[i] = r.u32();
  return ids;
}

function readHeartbeats(r: FrameReader): NodeHeartbeat['groups'][number][] {
  const n = r.count(HEARTBEAT_ENTRY_BYTES, 'heartbeat');
  const out = new Array<NodeHeartbeat['groups'][number]>(n);
  for (let i = 0; i < n; i++) out[i] = { groupId: r.u32(), term: r.u64(), commit: r.u64() };
  return out;
}

function readResponses(r: FrameReader): NodeHeartbeatResponse['groups'][number][] {
  const n = r.count(HEARTBEAT_RESPONSE_ENTRY_BYTES, 'heartbeat response');
  const out = new Array<NodeHeartbeatResponse['groups'][number]>(n);
  for (let i = 0; i < n; i++) out[i] = { groupId: r.u32(), term: r.u64() };
  return out;
}
