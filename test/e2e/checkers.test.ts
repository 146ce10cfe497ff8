/**
 * The e2e checkers are what make the e2e test's verdict mean something: these cases make sure they
 * catch what they claim to (a lost ack, a duplicate, a wrong offset, a gap, a differing replica).
 */
import { describe, expect, it } from 'vitest';
import { encodeBatch, stampBatch } from '../../src/log/index.js';
import { EntryType, type Entry } from '../../src/raft/index.js';
import { checkPartition, type ReadRecord } from './harness/checker.js';
import { compareGroup, type StoredGroup } from './harness/offline-logs.js';
import type { BatchResult } from './harness/workload.js';

const batch = (values: string[], outcome: BatchResult['outcome'], baseOffset?: number): BatchResult => ({
  batch: { topic: 't', partition: 0, values, baseSequence: 0 },
  outcome,
  baseOffset,
  attempts: 1,
});
const reads = (...values: string[]): ReadRecord[] => values.map((value, offset) => ({ offset, value }));

describe('checkPartition', () => {
  const history = [batch(['a', 'b'], 'ok', 0), batch(['c'], 'unknown'), batch(['d'], 'ok', 3)];

  it('passes when every ack is at its offset, an unknown batch present once', () => {
    const v = checkPartition(0, history, reads('a', 'b', 'c', 'd'), 4);
    expect(v.problems).toEqual([]);
    expect([v.acknowledged, v.unknownPresent, v.read]).toEqual([3, 1, 4]);
  });

  it('catches a lost ack, a duplicate, a shifted offset and a gap', () => {
    expect(checkPartition(0, history, reads('a', 'b', 'c'), 3).problems.join()).toMatch(/acknowledged value d .* missing/);
    expect(checkPartition(0, history, reads('a', 'b', 'c', 'd', 'd'), 5).problems.join()).toMatch(/read 2 times/);
    expect(checkPartition(0, [batch(['a', 'b'], 'ok', 1)], reads('a', 'b'), 2).problems.join()).toMatch(/should be at offset 1/);
    const gap = [{ offset: 0, value: 'a' }, { offset: 2, value: 'b' }];
    expect(checkPartition(0, [batch(['a', 'b'], 'ok', 0)], gap, 3).problems.join()).toMatch(/not dense/);
  });

  it('catches values never sent or definitely failed', () => {
    expect(checkPartition(0, [batch(['a'], 'fail')], reads('a'), 1).problems.join()).toMatch(/definitely failed/);
    expect(checkPartition(0, [], reads('x'), 1).problems.join()).toMatch(/never sent/);
  });
});

describe('compareGroup', () => {
  const data = (baseOffset: number, value: string): Uint8Array => {
    const b = encodeBatch({ records: [{ key: null, value: Buffer.from(value), headers: [], timestampMs: 1 }] });
    stampBatch(b, { baseOffset, appendTimeMs: 1, leaderEpoch: 1 });
    return b;
  };
  const entry = (index: number, term: number, d: Uint8Array): Entry => ({ index, term, type: EntryType.Normal, data: d });
  const group = (commit: number, entries: Entry[]): StoredGroup => ({ groupId: 5, firstIndex: 1, lastIndex: entries.length, commit, entries });
  const log = [entry(1, 1, new Uint8Array()), entry(2, 1, data(0, 'x')), entry(3, 1, data(1, 'y'))];

  it('passes identical replicas and returns the committed records', () => {
    const r = compareGroup(5, new Map([[1, group(3, log)], [2, group(3, log)], [3, group(2, log)]]));
    expect(r.problems).toEqual([]);
    expect(r.records).toEqual([{ offset: 0, value: 'x' }, { offset: 1, value: 'y' }]);
  });

  it('catches a differing byte, a replica missing committed data, and a missing replica', () => {
    const flipped = log.map((e) => (e.index === 3 ? entry(3, 1, data(1, 'z')) : e));
    expect(compareGroup(5, new Map([[1, group(3, log)], [2, group(3, flipped)]])).problems.join()).toMatch(/entry 3: node 2/);
    expect(compareGroup(5, new Map([[1, group(3, log)], [2, group(2, log.slice(0, 2))]])).problems.join()).toMatch(/node 2 stores entries up to 2/);
    expect(compareGroup(5, new Map([[1, group(3, log)], [2, undefined]])).problems.join()).toMatch(/node 2 does not hold it/);
  });
});
