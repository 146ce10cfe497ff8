import type { NodeId } from '../core/index.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { type MetadataImage, type NodeImage, type PartitionImage, type TopicImage } from './metadata-image.js';
import { imageProblem } from './image-invariants.js';
import { buildImage } from './image-updates.js';
import { readConfigs, writeConfigs } from './configs-codec.js';
import {
  addressBytesMax,
  counterMax,
  groupIdMax,
  nodeIdMax,
  nodesMax,
  partitionsPerTopicMax,
  replicationFactorMax,
  timestampMsMax,
  topicNameLengthMax,
  topicsMax,
} from './metadata-limits.js';

/**
 * The metadata group's Raft snapshot: the whole image as of `appliedIndex` (KIP-630). A node that
 * restarts or joins late installs it and applies the log after it, reaching the image every other
 * node has. Layout (big-endian; docs/METADATA.md): version, appliedIndex, nextGroupId, the nodes in
 * id order, the topics in id order with their partitions in number order. Equal images give equal
 * bytes; the derived indexes (by name, by group) are rebuilt on decode, not stored.
 *
 * Decoding accepts only what encoding writes and then checks every image invariant, throwing
 * RUNNEL_ERR_CORRUPT otherwise. No checksum here: the storage engine checksums every value it holds.
 */
const imageVersion = 1;
const nodeBytesMin = 4 + 16 + 2 + 2 + 1 + 8 + 1 + 8;
const topicBytesMin = 16 + 2 + 2 + 2 + 4;
const partitionBytesMin = 4 + 1 + 1 + 1 + 4 + 8;
/** Replicas during a reassignment: the target plus the replicas being removed. */
const hostingReplicasMax = 2 * replicationFactorMax;

export function encodeImage(image: MetadataImage): Uint8Array {
  const w = new ByteWriter().u8(imageVersion).u64(image.appliedIndex).u64(image.nextGroupId);
  const nodes = [...image.nodes.values()].sort((a, b) => a.nodeId - b.nodeId);
  w.u32(nodes.length);
  for (const node of nodes) writeNode(w, node);
  const topics = [...image.topics.values()].sort((a, b) => (a.topicId < b.topicId ? -1 : 1));
  w.u32(topics.length);
  for (const topic of topics) writeTopic(w, topic);
  return w.bytes();
}

export function decodeImage(data: Uint8Array): MetadataImage {
  const r = new ByteReader(data, 'metadata image');
  const version = r.u8('version');
  if (version !== imageVersion) throw r.bad(`unsupported version ${version}`);
  const appliedIndex = r.u64In('appliedIndex', 0, counterMax);
  const nextGroupId = r.u64In('nextGroupId', 1, groupIdMax + 1);
  const nodes = readAscending(r, 'node', nodesMax, nodeBytesMin, readNode, (n) => n.nodeId);
  const topics = readAscending(r, 'topic', topicsMax, topicBytesMin, readTopic, (t) => t.topicId);
  r.end();
  const image = buildImage({ appliedIndex, nextGroupId }, nodes, topics);
  const problem = imageProblem(image);
  if (problem !== undefined) throw r.bad(problem);
  return image;
}

/** Reads a count, then that many items that must ascend strictly by `key` (the order encodeImage writes). */
function readAscending<T>(
  r: ByteReader,
  what: string,
  max: number,
  itemBytesMin: number,
  read: (r: ByteReader) => T,
  key: (item: T) => number | string,
): T[] {
  const count = r.count(`${what} count`, max, itemBytesMin);
  const items: T[] = [];
  for (let i = 0; i < count; i++) {
    const item = read(r);
    if (i > 0 && !(key(items[i - 1]!) < key(item))) throw r.bad(`${what}s out of order at ${String(key(item))}`);
    items.push(item);
  }
  return items;
}

function writeNode(w: ByteWriter, n: NodeImage): void {
  w.u32(n.nodeId).uuid(n.incarnationId).string(n.clientAddress, addressBytesMax).string(n.peerAddress, addressBytesMax);
  w.optionalString(n.rack, addressBytesMax).u64(n.livenessEpoch).bool(n.fenced).u64(n.lastHeartbeatMs);
}

function readNode(r: ByteReader): NodeImage {
  return {
    nodeId: r.u32In('nodeId', 1, nodeIdMax),
    incarnationId: r.uuid('incarnationId'),
    clientAddress: r.string('clientAddress', addressBytesMax),
    peerAddress: r.string('peerAddress', addressBytesMax),
    rack: r.optionalString('rack', addressBytesMax),
    livenessEpoch: r.u64In('livenessEpoch', 0, counterMax),
    fenced: r.bool('fenced'),
    lastHeartbeatMs: r.u64In('lastHeartbeatMs', 0, timestampMsMax),
  };
}

function writeTopic(w: ByteWriter, t: TopicImage): void {
  w.uuid(t.topicId).string(t.name, topicNameLengthMax).u16(t.replicationFactor);
  writeConfigs(w, t.configs);
  w.u32(t.partitions.length);
  for (const p of t.partitions) writePartition(w, p);
}

function readTopic(r: ByteReader): TopicImage {
  const topicId = r.uuid('topicId');
  const name = r.string('name', topicNameLengthMax);
  const replicationFactor = r.u16('replicationFactor');
  const configs = readConfigs(r);
  const count = r.count('partition count', partitionsPerTopicMax, partitionBytesMin);
  const partitions: PartitionImage[] = [];
  for (let p = 0; p < count; p++) partitions.push(readPartition(r, topicId, name, p));
  return { topicId, name, replicationFactor, configs, partitions };
}

function writePartition(w: ByteWriter, p: PartitionImage): void {
  w.u32(p.groupId);
  writeNodeIds(w, p.replicas);
  writeNodeIds(w, p.adding);
  writeNodeIds(w, p.removing);
  w.u32(p.leader).u64(p.leaderTerm);
}

function readPartition(r: ByteReader, topicId: PartitionImage['topicId'], topicName: string, partition: number): PartitionImage {
  return {
    topicId,
    topicName,
    partition,
    groupId: r.u32In('groupId', 1, groupIdMax),
    replicas: readNodeIds(r, 'replicas'),
    adding: readNodeIds(r, 'adding'),
    removing: readNodeIds(r, 'removing'),
    leader: r.u32In('leader', 0, nodeIdMax),
    leaderTerm: r.u64In('leaderTerm', 0, counterMax),
  };
}

function writeNodeIds(w: ByteWriter, ids: readonly NodeId[]): void {
  w.u8(ids.length);
  for (const id of ids) w.u32(id);
}

function readNodeIds(r: ByteReader, field: string): NodeId[] {
  const n = r.u8(`${field} count`);
  if (n > hostingReplicasMax) throw r.bad(`${n} ${field} exceed ${hostingReplicasMax}`);
  return Array.from({ length: n }, () => r.u32In(field, 1, nodeIdMax));
}
