import { assert, type GroupId, type NodeId } from '../core/index.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import {
  counterMax,
  groupIdMax,
  nodeIdMax,
  partitionsPerTopicMax,
  replicationFactorMax,
  timestampMsMax,
  addressBytesMax,
} from './metadata-limits.js';
import type { MetadataRecord, MetadataRecordType } from './metadata-record.js';
import { readConfigs, readKeys, writeConfigs, writeKeys } from './configs-codec.js';

/**
 * Metadata records on the wire: `type` (u8), `version` (u8), then the type's fields, big-endian, with
 * nothing after them. Type codes and versions are permanent (docs/METADATA.md has the table); a field
 * change takes a new version, which decoders learn before any proposer writes it.
 *
 * Deterministic: a record has exactly one encoding (config keys are written sorted) and the decoder
 * accepts only that encoding, so `encode(decode(bytes))` equals `bytes` whenever decode succeeds.
 * Decoding checks structure and bounds only; rules that depend on the image (does the topic exist?
 * is the name legal?) are applied, and deterministically rejected, by apply-record.ts — a committed
 * record that merely breaks a rule must not stop every replica's apply loop.
 */
interface RecordCodec<R extends MetadataRecord> {
  readonly code: number;
  readonly version: number;
  write(w: ByteWriter, r: R): void;
  read(r: ByteReader): R;
}

/** Topic names are checked on apply; the decoder only bounds what it allocates. */
const nameBytesMax = 1_024;

const codecs: { readonly [T in MetadataRecordType]: RecordCodec<Extract<MetadataRecord, { type: T }>> } = {
  RegisterNode: {
    code: 1,
    version: 1,
    write: (w, r) => {
      writeNodeId(w, r.nodeId);
      w.uuid(r.incarnationId).string(r.clientAddress, addressBytesMax).string(r.peerAddress, addressBytesMax);
      w.optionalString(r.rack, addressBytesMax);
      writeTime(w, r.leaderTimeMs);
    },
    read: (r) => {
      const nodeId = readNodeId(r, 'nodeId');
      const incarnationId = r.uuid('incarnationId');
      const clientAddress = r.string('clientAddress', addressBytesMax);
      const peerAddress = r.string('peerAddress', addressBytesMax);
      const rack = r.optionalString('rack', addressBytesMax);
      const leaderTimeMs = readTime(r, 'leaderTimeMs');
      const base = { type: 'RegisterNode', nodeId, incarnationId, clientAddress, peerAddress } as const;
      return rack === undefined ? { ...base, leaderTimeMs } : { ...base, rack, leaderTimeMs };
    },
  },
  NodeHeartbeat: {
    code: 2,
    version: 1,
    write: (w, r) => {
      writeNodeId(w, r.nodeId);
      w.uuid(r.incarnationId);
      writeTime(w, r.leaderTimeMs);
    },
    read: (r) => ({
      type: 'NodeHeartbeat',
      nodeId: readNodeId(r, 'nodeId'),
      incarnationId: r.uuid('incarnationId'),
      leaderTimeMs: readTime(r, 'leaderTimeMs'),
    }),
  },
  FenceNode: {
    code: 3,
    version: 1,
    write: (w, r) => {
      writeNodeId(w, r.nodeId);
      w.uuid(r.incarnationId);
      writeTime(w, r.lastHeartbeatMs);
      writeTime(w, r.leaderTimeMs);
    },
    read: (r) => ({
      type: 'FenceNode',
      nodeId: readNodeId(r, 'nodeId'),
      incarnationId: r.uuid('incarnationId'),
      lastHeartbeatMs: readTime(r, 'lastHeartbeatMs'),
      leaderTimeMs: readTime(r, 'leaderTimeMs'),
    }),
  },
  UnregisterNode: {
    code: 4,
    version: 1,
    write: (w, r) => writeNodeId(w, r.nodeId),
    read: (r) => ({ type: 'UnregisterNode', nodeId: readNodeId(r, 'nodeId') }),
  },
  CreateTopic: {
    code: 5,
    version: 1,
    write: (w, r) => {
      w.string(r.name, nameBytesMax).uuid(r.topicId).u16(r.replicationFactor);
      writeConfigs(w, r.configs);
      writeAssignments(w, r.assignments);
    },
    read: (r) => ({
      type: 'CreateTopic',
      name: r.string('name', nameBytesMax),
      topicId: r.uuid('topicId'),
      replicationFactor: r.u16('replicationFactor'),
      configs: readConfigs(r),
      assignments: readAssignments(r),
    }),
  },
  DeleteTopic: {
    code: 6,
    version: 1,
    write: (w, r) => void w.uuid(r.topicId),
    read: (r) => ({ type: 'DeleteTopic', topicId: r.uuid('topicId') }),
  },
  AlterTopicConfigs: {
    code: 7,
    version: 1,
    write: (w, r) => {
      w.uuid(r.topicId);
      writeConfigs(w, r.set);
      writeKeys(w, r.remove);
    },
    read: (r) => ({ type: 'AlterTopicConfigs', topicId: r.uuid('topicId'), set: readConfigs(r), remove: readKeys(r) }),
  },
  CreatePartitions: {
    code: 8,
    version: 1,
    write: (w, r) => {
      w.uuid(r.topicId);
      writeAssignments(w, r.assignments);
    },
    read: (r) => ({ type: 'CreatePartitions', topicId: r.uuid('topicId'), assignments: readAssignments(r) }),
  },
  PartitionLeaderChange: {
    code: 9,
    version: 1,
    write: (w, r) => {
      writeGroupId(w, r.groupId);
      assert(r.leader >= 0 && r.leader <= nodeIdMax, () => `leader ${r.leader} out of range`);
      w.u32(r.leader).u64(r.term);
    },
    read: (r) => ({
      type: 'PartitionLeaderChange',
      groupId: r.u32In('groupId', 1, groupIdMax),
      leader: r.u32In('leader', 0, nodeIdMax), // 0: the group has no leader in this term
      term: r.u64In('term', 0, counterMax),
    }),
  },
  ReassignPartition: {
    code: 10,
    version: 1,
    write: (w, r) => {
      writeGroupId(w, r.groupId);
      writeNodeIds(w, r.targetReplicas);
    },
    read: (r) => ({ type: 'ReassignPartition', groupId: r.u32In('groupId', 1, groupIdMax), targetReplicas: readNodeIds(r) }),
  },
  CompleteReassignment: {
    code: 11,
    version: 1,
    write: (w, r) => {
      writeGroupId(w, r.groupId);
      writeNodeIds(w, r.targetReplicas);
    },
    read: (r) => ({ type: 'CompleteReassignment', groupId: r.u32In('groupId', 1, groupIdMax), targetReplicas: readNodeIds(r) }),
  },
  NoOp: {
    code: 12,
    version: 1,
    write: () => {},
    read: () => ({ type: 'NoOp' }),
  },
  CancelReassignment: {
    code: 13,
    version: 1,
    write: (w, r) => writeGroupId(w, r.groupId),
    read: (r) => ({ type: 'CancelReassignment', groupId: r.u32In('groupId', 1, groupIdMax) }),
  },
};

const codecsByCode = new Map<number, RecordCodec<MetadataRecord>>(
  Object.values(codecs).map((c) => [c.code, c as RecordCodec<MetadataRecord>]),
);

export function encodeRecord(record: MetadataRecord): Uint8Array {
  const codec = codecs[record.type] as RecordCodec<MetadataRecord> | undefined;
  assert(codec !== undefined, () => `unknown metadata record type ${String(record.type)}`);
  const w = new ByteWriter().u8(codec.code).u8(codec.version);
  codec.write(w, record);
  return w.bytes();
}

/** Throws RUNNEL_ERR_CORRUPT for an unknown type or version, a truncated or overlong record, or a bad field. */
export function decodeRecord(data: Uint8Array): MetadataRecord {
  const r = new ByteReader(data, 'metadata record');
  const code = r.u8('type');
  const codec = codecsByCode.get(code);
  if (codec === undefined) throw r.bad(`unknown record type ${code}`);
  const version = r.u8('version');
  if (version !== codec.version) throw r.bad(`unsupported version ${version} of record type ${code}`);
  const record = codec.read(r);
  r.end();
  return record;
}

function writeNodeId(w: ByteWriter, id: NodeId): void {
  assert(id >= 1 && id <= nodeIdMax, () => `node id ${id} out of range`);
  w.u32(id);
}

function readNodeId(r: ByteReader, field: string): NodeId {
  return r.u32In(field, 1, nodeIdMax);
}

function writeGroupId(w: ByteWriter, id: GroupId): void {
  assert(id >= 1 && id <= groupIdMax, () => `group id ${id} out of range`);
  w.u32(id);
}

function writeTime(w: ByteWriter, ms: number): void {
  assert(ms <= timestampMsMax, () => `timestamp ${ms} out of range`);
  w.u64(ms);
}

function readTime(r: ByteReader, field: string): number {
  return r.u64In(field, 0, timestampMsMax);
}

function writeNodeIds(w: ByteWriter, ids: readonly NodeId[]): void {
  assert(ids.length <= replicationFactorMax, () => `${ids.length} replicas exceed ${replicationFactorMax}`);
  w.u8(ids.length);
  for (const id of ids) writeNodeId(w, id);
}

function readNodeIds(r: ByteReader): NodeId[] {
  const n = r.u8('replica count');
  if (n > replicationFactorMax) throw r.bad(`${n} replicas exceed ${replicationFactorMax}`);
  return Array.from({ length: n }, () => readNodeId(r, 'replica'));
}

function writeAssignments(w: ByteWriter, assignments: readonly (readonly NodeId[])[]): void {
  assert(assignments.length <= partitionsPerTopicMax, () => `${assignments.length} partitions exceed ${partitionsPerTopicMax}`);
  w.u32(assignments.length);
  for (const replicas of assignments) writeNodeIds(w, replicas);
}

function readAssignments(r: ByteReader): NodeId[][] {
  const n = r.count('partition count', partitionsPerTopicMax, 1);
  return Array.from({ length: n }, () => readNodeIds(r));
}
