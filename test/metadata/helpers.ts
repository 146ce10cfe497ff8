import fc from 'fast-check';
import { expect } from 'vitest';
import { type Index, type NodeId } from '../../src/core/index.js';
import {
  type ApplyOutcome,
  type MetadataImage,
  type MetadataRecord,
  type Uuid,
  applyRecord,
  emptyImage,
  imageProblem,
  isReassigning,
  listTopics,
  proposeCreatePartitions,
  proposeCreateTopic,
  proposeReassignment,
  targetReplicas,
} from '../../src/metadata/index.js';

export const t0 = 1_700_000_000_000;

/** A readable, valid UUID numbered n (n >= 1). */
export function uuid(n: number, kind = 0): Uuid {
  return `00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-${n.toString(16).padStart(12, '0')}`;
}

export function register(nodeId: NodeId, opts: { incarnation?: number; rack?: string; timeMs?: number } = {}): MetadataRecord {
  return {
    type: 'RegisterNode',
    nodeId,
    incarnationId: uuid(opts.incarnation ?? 1, nodeId),
    clientAddress: `10.0.0.${nodeId}:9092`,
    peerAddress: `10.0.0.${nodeId}:9093`,
    ...(opts.rack === undefined ? {} : { rack: opts.rack }),
    leaderTimeMs: opts.timeMs ?? t0,
  };
}

/** Applies records at indexes appliedIndex+1, +2, ...; returns the final image and every outcome. */
export function applyAll(image: MetadataImage, records: readonly MetadataRecord[]): { image: MetadataImage; outcomes: ApplyOutcome[] } {
  const outcomes: ApplyOutcome[] = [];
  for (const r of records) {
    const result = applyRecord(image, r, image.appliedIndex + 1);
    image = result.image;
    outcomes.push(result.outcome);
  }
  return { image, outcomes };
}

/** Applies one record that must apply; returns the new image. */
export function mustApply(image: MetadataImage, record: MetadataRecord): MetadataImage {
  const { image: next, outcome } = applyRecord(image, record, image.appliedIndex + 1);
  expect(outcome).toEqual({ status: 'applied' });
  return next;
}

/** A cluster with nodes 1..n registered (racks[i] for node i+1 when given). */
export function cluster(n: number, racks?: readonly string[]): MetadataImage {
  const records = Array.from({ length: n }, (_, i) => register(i + 1, racks ? { rack: racks[i]! } : {}));
  return applyAll(emptyImage, records).image;
}

export function createTopic(image: MetadataImage, name: string, partitions: number, rf: number, id = image.topics.size + 1): MetadataImage {
  return mustApply(image, proposeCreateTopic(image, { name, topicId: uuid(id, 0xabc), partitions, replicationFactor: rf }));
}

export function expectRejected(outcome: ApplyOutcome, code: string): void {
  expect(outcome.status).toBe('rejected');
  if (outcome.status === 'rejected') expect(outcome.code).toBe(code);
}


export function expectSound(image: MetadataImage): void {
  expect(imageProblem(image)).toBeUndefined();
}

/**
 * Abstract operations, turned into records against the image as it evolves (opsToLog). Most go
 * through the proposal builders, as a broker would, but the racy and invalid ones are built raw, so
 * the sequences exercise apply-time rejections, stale reports and lost races too.
 */
export type Op =
  | { op: 'register'; node: number; incarnation: number; rack: string | undefined; dtMs: number }
  | { op: 'heartbeat'; node: number; stale: boolean; dtMs: number }
  | { op: 'fence'; node: number; stale: boolean }
  | { op: 'unregister'; node: number }
  | { op: 'create'; name: number; partitions: number; rf: number; raw: boolean }
  | { op: 'delete'; name: number }
  | { op: 'configs'; name: number; retentionMs: number; remove: boolean }
  | { op: 'addPartitions'; name: number; add: number }
  | { op: 'leader'; pick: number; replica: number; termDelta: number }
  | { op: 'reassign'; pick: number; target: number[] }
  | { op: 'complete'; pick: number; correct: boolean }
  | { op: 'cancel'; pick: number }
  | { op: 'noop'; gap: number };

const node = fc.integer({ min: 1, max: 6 });
const name = fc.integer({ min: 0, max: 4 });
const pick = fc.nat({ max: 1000 });
/** true one time in five: the racy or invalid variant of an operation. */
const rarely = fc.integer({ min: 0, max: 4 }).map((n) => n === 0);

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('register' as const), node, incarnation: fc.integer({ min: 0, max: 2 }), rack: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }), dtMs: fc.integer({ min: -50, max: 500 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('heartbeat' as const), node, stale: rarely, dtMs: fc.integer({ min: -50, max: 500 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fence' as const), node, stale: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unregister' as const), node }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('create' as const), name, partitions: fc.integer({ min: 1, max: 5 }), rf: fc.integer({ min: 1, max: 4 }), raw: rarely }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('configs' as const), name, retentionMs: fc.integer({ min: -2, max: 1000 }), remove: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('addPartitions' as const), name, add: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('leader' as const), pick, replica: fc.nat({ max: 8 }), termDelta: fc.integer({ min: -1, max: 2 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('reassign' as const), pick, target: fc.uniqueArray(node, { minLength: 0, maxLength: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('complete' as const), pick, correct: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('noop' as const), gap: fc.integer({ min: 1, max: 3 }) }) },
);

export interface LogEntry {
  readonly index: Index;
  readonly record: MetadataRecord;
}

/** The log the ops produce from an empty image: records at strictly increasing, sometimes skipping, indexes. */
export function opsToLog(ops: readonly Op[]): LogEntry[] {
  let image = emptyImage;
  let clockMs = t0;
  const log: LogEntry[] = [];
  for (const op of ops) {
    if (op.op === 'register' || op.op === 'heartbeat') clockMs = Math.max(0, clockMs + op.dtMs);
    const record = recordFor(image, op, clockMs);
    if (record === undefined) continue;
    const index = image.appliedIndex + (op.op === 'noop' ? op.gap : 1);
    log.push({ index, record });
    image = applyRecord(image, record, index).image;
  }
  return log;
}

function recordFor(image: MetadataImage, op: Op, clockMs: number): MetadataRecord | undefined {
  switch (op.op) {
    case 'register':
      return { ...register(op.node, { incarnation: op.incarnation, timeMs: clockMs }), ...(op.rack ? { rack: op.rack } : {}) };
    case 'heartbeat': {
      const current = image.nodes.get(op.node)?.incarnationId;
      const incarnationId = op.stale || current === undefined ? uuid(9, op.node) : current;
      return { type: 'NodeHeartbeat', nodeId: op.node, incarnationId, leaderTimeMs: clockMs };
    }
    case 'fence':
      return fenceFor(image, op.node, op.stale);
    case 'unregister':
      return { type: 'UnregisterNode', nodeId: op.node };
    case 'create':
      return createFor(image, op);
    case 'delete': {
      const topic = nthTopic(image, op.name);
      return topic && { type: 'DeleteTopic', topicId: topic.topicId };
    }
    case 'configs':
      return configsFor(image, op);
    case 'addPartitions':
      return addPartitionsFor(image, op);
    case 'leader':
      return leaderFor(image, op);
    case 'reassign':
      return reassignFor(image, op);
    case 'complete':
      return completeFor(image, op);
    case 'cancel': {
      const p = movingOr(image, op.pick);
      return p && { type: 'CancelReassignment', groupId: p.groupId };
    }
    case 'noop':
      return { type: 'NoOp' };
  }
}

function fenceFor(image: MetadataImage, nodeId: number, stale: boolean): MetadataRecord | undefined {
  const n = image.nodes.get(nodeId);
  if (n === undefined) return undefined;
  const lastHeartbeatMs = stale ? n.lastHeartbeatMs + 1 : n.lastHeartbeatMs;
  return { type: 'FenceNode', nodeId, incarnationId: n.incarnationId, lastHeartbeatMs, leaderTimeMs: n.lastHeartbeatMs + 10_000 };
}

const topicNames = ['orders', 'payments', 'clicks', 'a.b', 'a_b'];

function createFor(image: MetadataImage, op: Extract<Op, { op: 'create' }>): MetadataRecord | undefined {
  const req = { name: topicNames[op.name]!, topicId: uuid(image.appliedIndex + 1, 0xabc), partitions: op.partitions, replicationFactor: op.rf };
  if (!op.raw) {
    try {
      return proposeCreateTopic(image, req);
    } catch {
      return undefined;
    }
  }
  // As a racing proposer might have built it from an older image: any nodes 1..rf.
  const assignments = Array.from({ length: op.partitions }, (_, p) => Array.from({ length: op.rf }, (_, j) => ((p + j) % 6) + 1));
  return { type: 'CreateTopic', name: req.name, topicId: req.topicId, replicationFactor: op.rf, configs: {}, assignments };
}

function nthTopic(image: MetadataImage, n: number) {
  const topics = listTopics(image);
  return topics.length === 0 ? undefined : topics[n % topics.length];
}

function configsFor(image: MetadataImage, op: Extract<Op, { op: 'configs' }>): MetadataRecord | undefined {
  const topic = nthTopic(image, op.name);
  if (topic === undefined) return undefined;
  const set: Record<string, string> = op.remove ? {} : { 'retention.ms': String(op.retentionMs) };
  return { type: 'AlterTopicConfigs', topicId: topic.topicId, set, remove: op.remove ? ['retention.ms'] : [] };
}

function addPartitionsFor(image: MetadataImage, op: Extract<Op, { op: 'addPartitions' }>): MetadataRecord | undefined {
  const topic = nthTopic(image, op.name);
  if (topic === undefined) return undefined;
  try {
    return proposeCreatePartitions(image, topic.name, topic.partitions.length + op.add);
  } catch {
    return undefined;
  }
}

function nthPartition(image: MetadataImage, n: number) {
  const all = listTopics(image).flatMap((t) => t.partitions);
  return all.length === 0 ? undefined : all[n % all.length];
}

function leaderFor(image: MetadataImage, op: Extract<Op, { op: 'leader' }>): MetadataRecord | undefined {
  const p = nthPartition(image, op.pick);
  if (p === undefined) return undefined;
  const leader = op.replica >= p.replicas.length + 1 ? 0 : (p.replicas[op.replica] ?? 6);
  return { type: 'PartitionLeaderChange', groupId: p.groupId, leader, term: Math.max(0, p.leaderTerm + op.termDelta) };
}

function reassignFor(image: MetadataImage, op: Extract<Op, { op: 'reassign' }>): MetadataRecord | undefined {
  const p = nthPartition(image, op.pick);
  if (p === undefined) return undefined;
  try {
    return proposeReassignment(image, p.topicName, p.partition, op.target);
  } catch {
    return { type: 'ReassignPartition', groupId: p.groupId, targetReplicas: op.target };
  }
}

/** A partition with a move in progress if there is one, else any partition. */
function movingOr(image: MetadataImage, pick: number) {
  const moving = listTopics(image).flatMap((t) => t.partitions).filter(isReassigning);
  return moving.length > 0 ? moving[pick % moving.length] : nthPartition(image, pick);
}

function completeFor(image: MetadataImage, op: Extract<Op, { op: 'complete' }>): MetadataRecord | undefined {
  const p = movingOr(image, op.pick);
  if (p === undefined) return undefined;
  const target = op.correct ? targetReplicas(p) : [...p.replicas].reverse();
  return { type: 'CompleteReassignment', groupId: p.groupId, targetReplicas: target.slice(0, 7) };
}

/** Logs that start by registering 1..6 nodes (as a cluster does), then anything. */
export const logArb: fc.Arbitrary<LogEntry[]> = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.array(opArb, { minLength: 5, maxLength: 80 }))
  .map(([nodes, ops]) => opsToLog([...Array.from({ length: nodes }, (_, i): Op => ({ op: 'register', node: i + 1, incarnation: 1, rack: undefined, dtMs: 0 })), ...ops]));

/** Applies a log (or a part of it) to an image. */
export function replay(image: MetadataImage, log: readonly LogEntry[]): MetadataImage {
  for (const e of log) image = applyRecord(image, e.record, e.index).image;
  return image;
}

export { expectThrowsCode } from '../support/expect-runnel-error.js';
