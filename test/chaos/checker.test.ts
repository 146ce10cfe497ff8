import { describe, expect, it } from 'vitest';
import { anomalyKinds, check, formatReport, type AnomalyKind } from './checker.js';
import { parseJsonl, toJsonl, type HistoryEvent } from './history.js';

const send = (id: number, value: string, partition: number, offset: number, t = id): HistoryEvent => ({ type: 'send', id, partition, value, outcome: 'ok', offset, t });
const read = (reader: string, partition: number, offset: number, value: string, t = 0): HistoryEvent => ({ type: 'read', reader, partition, offset, value, t });
const seek = (reader: string, partition: number, offset: number): HistoryEvent => ({ type: 'seek', reader, partition, offset, t: 0 });
const replica = (node: number, partition: number, offset: number, value: string): HistoryEvent => ({ type: 'replica', node, partition, offset, value });
const commit = (group: string, partition: number, offset: number, t: number): HistoryEvent => ({ type: 'commit', group, partition, offset, t });

/** Three acknowledged values in partition 0, read in order by one reader, on two identical replicas. */
function cleanHistory(): HistoryEvent[] {
  return [
    { type: 'fault', kind: 'kill', detail: 'node 2', t: 1 },
    send(1, 'a', 0, 0),
    send(2, 'b', 0, 1),
    { type: 'send', id: 3, value: 'c', outcome: 'unknown', t: 3 },
    { type: 'send', id: 4, value: 'd', outcome: 'fail', t: 4, error: 'refused' },
    seek('r1', 0, 0),
    read('r1', 0, 0, 'a'),
    read('r1', 0, 1, 'b'),
    read('r1', 0, 2, 'c'),
    commit('g', 0, 1, 5),
    commit('g', 0, 3, 6),
    ...[1, 2].flatMap((n) => [replica(n, 0, 0, 'a'), replica(n, 0, 1, 'b'), replica(n, 0, 2, 'c')]),
  ];
}

function only(kind: AnomalyKind, events: HistoryEvent[]): void {
  const r = check(events);
  for (const k of anomalyKinds) expect(r.anomalies[k].count, `${k}: ${r.anomalies[k].examples.join('; ')}`).toBe(k === kind ? r.anomalies[k].count : 0);
  expect(r.anomalies[kind].count).toBeGreaterThan(0);
  expect(r.anomalies[kind].examples.length).toBeGreaterThan(0);
}

describe('the chaos checker', () => {
  it('reports nothing on a clean history, and counts ops, faults and availability', () => {
    const r = check(cleanHistory());
    expect(r.anomalyTotal).toBe(0);
    expect(r.sends).toEqual({ ok: 2, fail: 1, unknown: 1, total: 4 });
    expect(r.unknownPresent).toBe(1);
    expect(r.availabilityPct).toBe(50);
    expect(r.faults).toEqual({ kill: 1 });
    expect(r.reads).toBe(3);
    expect(r.commits).toBe(2);
    expect(formatReport(r)).toContain('anomalies: 0');
  });

  it('finds an acknowledged value that no consumer or replica holds (lost)', () => {
    only('lost', [...cleanHistory(), send(9, 'z', 0, 3)]);
  });

  it('finds an acknowledged value that a consumer read but every replica later lost (lost)', () => {
    // A power failure took offset 3 ('z') after r1 read it; the replicas hold a later value there.
    const h = [...cleanHistory(), send(9, 'z', 0, 3), read('r1', 0, 3, 'z'), { type: 'send', id: 10, value: 'y', outcome: 'unknown', t: 10 } as HistoryEvent, replica(1, 0, 3, 'y'), replica(2, 0, 3, 'y')];
    const r = check(h);
    expect(r.anomalies.lost.count).toBe(1);
    expect(r.anomalies.lost.examples[0]).toContain('missing from every replica');
    expect(r.anomalies.inconsistentOffset.count).toBe(1);
  });

  it('finds acknowledged values lost from replicas that hold nothing at all (lost)', () => {
    // Every replica of partition 0 came back empty: no replica event names the partition.
    const h = [...cleanHistory().filter((e) => e.type !== 'replica'), { type: 'replicas-read', partitions: [0] } as HistoryEvent];
    const r = check(h);
    expect(r.anomalies.lost.count).toBe(2);
    expect(check(cleanHistory().filter((e) => e.type !== 'replica')).anomalies.lost.count).toBe(0); // no final read: readers decide
  });

  it('finds one value at two offsets (duplicate)', () => {
    const h = cleanHistory();
    only('duplicate', [...h, read('r1', 0, 3, 'b'), replica(1, 0, 3, 'b'), replica(2, 0, 3, 'b')]);
  });

  it('finds two values at one offset across readers (inconsistent offsets)', () => {
    only('inconsistentOffset', [...cleanHistory(), { type: 'send', id: 5, value: 'e', outcome: 'unknown', t: 9 }, seek('r2', 0, 1), read('r2', 0, 1, 'e')]);
  });

  it('finds an acknowledgement that names another offset than the log holds it at', () => {
    const r = check([send(1, 'a', 0, 5), replica(1, 0, 0, 'a')]);
    expect(r.anomalies.duplicate.count).toBe(1);
    expect(r.anomalies.lost.count).toBe(0);
  });

  it('finds a reader going backward without a seek (non-monotonic)', () => {
    only('nonMonotonic', [...cleanHistory(), read('r1', 0, 1, 'b')]);
  });

  it('accepts a reader going backward after a seek', () => {
    expect(check([...cleanHistory(), seek('r1', 0, 0), read('r1', 0, 0, 'a')]).anomalyTotal).toBe(0);
  });

  it('finds a reader jumping over offsets the replicas hold (poll-skip)', () => {
    const h = cleanHistory().filter((e) => !(e.type === 'read' && e.offset === 1));
    only('pollSkip', h);
  });

  it('accepts a jump over offsets no replica holds (control entries)', () => {
    const h = [send(1, 'a', 0, 0), send(2, 'b', 0, 2), seek('r', 0, 0), read('r', 0, 0, 'a'), read('r', 0, 2, 'b'), replica(1, 0, 0, 'a'), replica(1, 0, 2, 'b')];
    expect(check(h).anomalyTotal).toBe(0);
  });

  it('finds a group committed offset going down (commit regression)', () => {
    only('commitRegression', [...cleanHistory(), commit('g', 0, 2, 7)]);
  });

  it('finds a replica missing a committed record (divergence)', () => {
    const h = cleanHistory().filter((e) => !(e.type === 'replica' && e.node === 2 && e.offset === 2));
    only('replicaDivergence', h);
  });

  it('counts byte-level replica problems as divergence', () => {
    only('replicaDivergence', [...cleanHistory(), { type: 'replica-problem', partition: 0, detail: 'entry 4 differs' }]);
  });

  it('finds a value read that was never sent or definitely failed (phantom)', () => {
    only('phantom', [...cleanHistory(), read('r1', 0, 3, 'd')]);
    only('phantom', [...cleanHistory(), read('r1', 0, 3, 'never-sent')]);
  });

  it('reports a node that exited on its own (node crash)', () => {
    only('nodeCrash', [...cleanHistory(), { type: 'crash', node: 2, detail: 'fatal error', t: 9 }]);
    only('stalled', [...cleanHistory(), { type: 'stall', what: 'consumer group g', detail: 'did not commit past 2', t: 9 }]);
  });

  it('keeps at most five examples per anomaly and counts all', () => {
    const lost = Array.from({ length: 12 }, (_, i) => send(100 + i, `x${i}`, 1, i));
    const r = check([...cleanHistory(), ...lost]);
    expect(r.anomalies.lost.count).toBe(12);
    expect(r.anomalies.lost.examples).toHaveLength(5);
  });

  it('round-trips a history through JSON lines', () => {
    const h = cleanHistory();
    expect(parseJsonl(toJsonl(h))).toEqual(h);
  });
});
