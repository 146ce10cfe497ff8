import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunnelError } from '../../src/core/index.js';
import { type MetadataRecord, decodeRecord, encodeRecord, randomUuid } from '../../src/metadata/index.js';
import { SeededRng } from '../../src/core/index.js';
import { expectThrowsCode, logArb, uuid } from './helpers.js';

const nodeId = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const groupId = fc.integer({ min: 1, max: 2 ** 32 - 1 });
const timeMs = fc.integer({ min: 0, max: 2 ** 48 - 1 });
const uuidArb = fc.integer({ min: 1, max: 2 ** 31 }).map((seed) => randomUuid(new SeededRng(seed)));
const text = fc.string({ maxLength: 40, unit: 'grapheme' });
const replicas = fc.array(nodeId, { maxLength: 7 });
const configs = fc.dictionary(text, text, { maxKeys: 5 });

/** Any structurally valid record, whether or not it would apply. */
const recordArb: fc.Arbitrary<MetadataRecord> = fc.oneof(
  fc.record({ type: fc.constant('RegisterNode' as const), nodeId, incarnationId: uuidArb, clientAddress: text, peerAddress: text, rack: text, leaderTimeMs: timeMs }, { requiredKeys: ['type', 'nodeId', 'incarnationId', 'clientAddress', 'peerAddress', 'leaderTimeMs'] }),
  fc.record({ type: fc.constant('NodeHeartbeat' as const), nodeId, incarnationId: uuidArb, leaderTimeMs: timeMs }),
  fc.record({ type: fc.constant('FenceNode' as const), nodeId, incarnationId: uuidArb, lastHeartbeatMs: timeMs, leaderTimeMs: timeMs }),
  fc.record({ type: fc.constant('UnregisterNode' as const), nodeId }),
  fc.record({ type: fc.constant('CreateTopic' as const), name: text, topicId: uuidArb, replicationFactor: fc.integer({ min: 0, max: 65535 }), configs, assignments: fc.array(replicas, { maxLength: 20 }) }),
  fc.record({ type: fc.constant('DeleteTopic' as const), topicId: uuidArb }),
  fc.record({ type: fc.constant('AlterTopicConfigs' as const), topicId: uuidArb, set: configs, remove: fc.uniqueArray(text, { maxLength: 5 }).map((k) => k.sort()) }),
  fc.record({ type: fc.constant('CreatePartitions' as const), topicId: uuidArb, assignments: fc.array(replicas, { maxLength: 20 }) }),
  fc.record({ type: fc.constant('PartitionLeaderChange' as const), groupId, leader: fc.integer({ min: 0, max: 2 ** 31 - 1 }), term: fc.maxSafeNat() }),
  fc.record({ type: fc.constant('ReassignPartition' as const), groupId, targetReplicas: replicas }),
  fc.record({ type: fc.constant('CompleteReassignment' as const), groupId, targetReplicas: replicas }),
  fc.record({ type: fc.constant('CancelReassignment' as const), groupId }),
  fc.constant({ type: 'NoOp' as const }),
);

/** Records compare equal up to config key order (a record's configs are a set). */
function normalized(r: MetadataRecord): unknown {
  const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);
  const sortKeys = (_k: string, v: unknown): unknown =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(byKey)) : v;
  return JSON.parse(JSON.stringify(r, sortKeys));
}

describe('metadata record encoding', () => {
  it('round-trips every record exactly, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const bytes = encodeRecord(r);
        const back = decodeRecord(bytes);
        expect(normalized(back)).toEqual(normalized(r));
        expect(encodeRecord(back)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips the records a realistic log holds', () => {
    fc.assert(
      fc.property(logArb, (log) => {
        for (const { record } of log) expect(decodeRecord(encodeRecord(record))).toEqual(record);
      }),
      { numRuns: 100 },
    );
  });

  it('is deterministic: config key order does not change the bytes', () => {
    const a: MetadataRecord = { type: 'AlterTopicConfigs', topicId: uuid(1), set: { 'retention.ms': '1', 'cleanup.policy': 'delete' }, remove: ['b', 'a', 'a'] };
    const b: MetadataRecord = { type: 'AlterTopicConfigs', topicId: uuid(1), set: { 'cleanup.policy': 'delete', 'retention.ms': '1' }, remove: ['a', 'b'] };
    expect(encodeRecord(a)).toEqual(encodeRecord(b));
  });

  it('pins the byte layout (type, version, fields, big-endian)', () => {
    const r: MetadataRecord = { type: 'PartitionLeaderChange', groupId: 7, leader: 3, term: 2 ** 32 + 5 };
    expect(Buffer.from(encodeRecord(r)).toString('hex')).toBe('0901' + '00000007' + '00000003' + '00000001' + '00000005');
    const u: MetadataRecord = { type: 'UnregisterNode', nodeId: 258 };
    expect(Buffer.from(encodeRecord(u)).toString('hex')).toBe('0401' + '00000102');
    expect(Buffer.from(encodeRecord({ type: 'NoOp' })).toString('hex')).toBe('0c01');
    expect(Buffer.from(encodeRecord({ type: 'CancelReassignment', groupId: 1 })).toString('hex')).toBe('0d01' + '00000001');
  });

  it('accepts only bytes it would write: random bytes decode to a record that re-encodes identically, or fail as corrupt', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...Array.from({ length: 13 }, (_, i) => i + 1)), (tail, type) => {
        const bytes = new Uint8Array([type, 1, ...tail]);
        let record: MetadataRecord;
        try {
          record = decodeRecord(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(RunnelError);
          expect((err as RunnelError).code).toBe('RUNNEL_ERR_CORRUPT');
          return;
        }
        expect(encodeRecord(record)).toEqual(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects every truncation and any trailing byte', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const bytes = encodeRecord(r);
        for (let n = 0; n < bytes.length; n++) expectThrowsCode(() => decodeRecord(bytes.subarray(0, n)), 'RUNNEL_ERR_CORRUPT');
        expectThrowsCode(() => decodeRecord(new Uint8Array([...bytes, 0])), 'RUNNEL_ERR_CORRUPT');
      }),
      { numRuns: 300 },
    );
  });

  it('rejects unknown types and versions, zero ids, non-canonical flags, unsorted keys and bad UTF-8 with a clear message', () => {
    const cases: [number[], RegExp][] = [
      [[0x63, 1], /unknown record type 99/],
      [[0x0e, 1], /unknown record type 14/],
      [[0x0c, 2], /unsupported version 2 of record type 12/],
      [[0x04, 1, 0, 0, 0, 0], /nodeId 0 is outside/],
      [[0x04, 1, 0x80, 0, 0, 0], /nodeId 2147483648 is outside/],
      [[0x06, 1, ...new Array(16).fill(0)], /reserved zero UUID/],
      [[0x09, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], /groupId 0/],
      [[0x09, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], /term does not fit in 53 bits/],
      [[0x0a, 1, 0, 0, 0, 1, 8, ...new Array(32).fill(1)], /8 replicas exceed 7/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => decodeRecord(new Uint8Array(bytes))).toThrow(message);
    }
    const reg = encodeRecord({ type: 'RegisterNode', nodeId: 1, incarnationId: uuid(1), clientAddress: 'a', peerAddress: 'b', leaderTimeMs: 0 });
    const flagAt = 2 + 4 + 16 + 3 + 3; // type, version, nodeId, uuid, "a", "b"
    expect(reg[flagAt]).toBe(0);
    expect(() => decodeRecord(Uint8Array.from(reg, (b, i) => (i === flagAt ? 2 : b)))).toThrow(/rack flag must be 0 or 1/);
    const badUtf8 = Uint8Array.from(reg, (b, i) => (i === 2 + 4 + 16 + 2 ? 0xff : b));
    expect(() => decodeRecord(badUtf8)).toThrow(/clientAddress is not valid UTF-8/);
    const alter = encodeRecord({ type: 'AlterTopicConfigs', topicId: uuid(1), set: {}, remove: ['a', 'b'] });
    const swapped = new Uint8Array(alter);
    swapped[alter.length - 4] = 0x62; // "b", "b": not strictly ascending
    expect(() => decodeRecord(swapped)).toThrow(/config keys must be unique and ascending/);
    const set = encodeRecord({ type: 'AlterTopicConfigs', topicId: uuid(1), set: { a: '1', b: '2' }, remove: [] });
    const duplicated = Uint8Array.from(set, (b) => (b === 0x62 ? 0x61 : b)); // "a", "a"
    expect(() => decodeRecord(duplicated)).toThrow(/config keys must be unique and ascending/);
  });

  it('refuses to encode a record its decoder would reject', () => {
    expect(() => encodeRecord({ type: 'UnregisterNode', nodeId: 0 })).toThrow(/node id 0 out of range/);
    expect(() => encodeRecord({ type: 'ReassignPartition', groupId: 0, targetReplicas: [1] })).toThrow(/group id 0/);
    expect(() => encodeRecord({ type: 'Bogus' } as unknown as MetadataRecord)).toThrow(/unknown metadata record type Bogus/);
  });
});
