/**
 * The coordinator's membership state machine (src/broker/groups/group-membership.ts) and assignor,
 * without network: members modelled as clients that consume what they are given and release what is
 * taken away (sometimes only at a later heartbeat). Safety: no partition is ever consumed by two
 * members at once. Liveness: once joins and leaves stop, a few heartbeat rounds leave every partition
 * with exactly one member and the spread even.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignUniform, GroupMembership, tpKey } from '../../src/broker/groups/index.js';

const topic = 't';
const t0 = 1_000_000;

describe('assignUniform', () => {
  it('spreads evenly and keeps partitions where they were when it can', () => {
    const partitionsOf = () => 7;
    const first = assignUniform([{ id: 'a', topics: [topic] }, { id: 'b', topics: [topic] }], partitionsOf, new Map());
    expect([...first.values()].map((s) => s.size).sort()).toEqual([3, 4]);
    const second = assignUniform([{ id: 'a', topics: [topic] }, { id: 'b', topics: [topic] }, { id: 'c', topics: [topic] }], partitionsOf, first);
    expect([...second.values()].map((s) => s.size).sort()).toEqual([2, 2, 3]);
    // Only what c needs moved: a and b kept a subset of what they had.
    for (const id of ['a', 'b']) for (const p of second.get(id)!) expect(first.get(id)!.has(p)).toBe(true);
  });

  it('gives a partition only to members subscribed to its topic', () => {
    const r = assignUniform([{ id: 'a', topics: ['x'] }, { id: 'b', topics: ['y'] }], (t) => (t === 'x' ? 2 : 3), new Map());
    expect([...r.get('a')!].sort()).toEqual([tpKey('x', 0), tpKey('x', 1)]);
    expect(r.get('b')!.size).toBe(3);
  });
});

type Op = { kind: 'join' } | { kind: 'leave'; who: number } | { kind: 'beat'; who: number; lazy: boolean } | { kind: 'takeover' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'join' as const }) },
  { weight: 1, arbitrary: fc.nat(7).map((who) => ({ kind: 'leave' as const, who })) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('beat' as const), who: fc.nat(7), lazy: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'takeover' as const }) },
);

describe('GroupMembership (property)', () => {
  it('never lets two members consume one partition, across coordinator takeovers too, and converges to an even spread', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 150 }), (partitions, ops) => {
        let g = new GroupMembership('g');
        let nextId = 1;
        const clients = new Map<string, { epoch: number; consuming: Set<string> }>();
        const partitionsOf = (t: string) => (t === topic ? partitions : undefined);
        const beat = (id: string, lazy: boolean) => {
          const c = clients.get(id)!;
          const out = g.heartbeat({ memberId: id, memberEpoch: c.epoch, subscribedTopics: [topic], owned: new Set(c.consuming), sessionTimeoutMs: 10_000, clientId: '' }, t0, partitionsOf, () => `m${nextId++}`);
          c.epoch = out.memberEpoch;
          // A lazy client keeps consuming what was taken away until its next heartbeat.
          if (!lazy) for (const p of c.consuming) if (!out.assignment.has(p)) c.consuming.delete(p);
          for (const p of out.assignment) c.consuming.add(p);
        };
        const checkSafety = () => {
          const seen = new Set<string>();
          for (const c of clients.values()) {
            for (const p of c.consuming) {
              expect(seen.has(p), `partition ${p} consumed twice`).toBe(false);
              seen.add(p);
            }
          }
        };
        for (const o of ops) {
          const ids = [...clients.keys()];
          if (o.kind === 'join') {
            const out = g.heartbeat({ memberId: '', memberEpoch: 0, subscribedTopics: [topic], owned: new Set(), sessionTimeoutMs: 10_000, clientId: '' }, t0, partitionsOf, () => `m${nextId++}`);
            clients.set(out.memberId, { epoch: out.memberEpoch, consuming: new Set(out.assignment) });
          } else if (ids.length > 0 && o.kind === 'leave') {
            const id = ids[o.who % ids.length]!;
            g.heartbeat({ memberId: id, memberEpoch: -1, subscribedTopics: [], owned: new Set(), sessionTimeoutMs: 10_000, clientId: '' }, t0, partitionsOf, () => 'x');
            clients.delete(id);
          } else if (ids.length > 0 && o.kind === 'beat') {
            beat(ids[o.who % ids.length]!, o.lazy);
          } else if (o.kind === 'takeover') {
            // A new coordinator continues from the persisted record.
            const record = g.toRecord();
            g = GroupMembership.fromRecord('g', record, t0);
            expect(g.toRecord()).toEqual(record);
          }
          checkSafety();
        }
        // Quiet: every member heartbeats (not lazily) a few rounds.
        for (let round = 0; round < 4; round++) for (const id of clients.keys()) beat(id, false);
        checkSafety();
        if (clients.size === 0) return;
        const sizes = [...clients.values()].map((c) => c.consuming.size);
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(partitions);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect(g.state()).toBe('Stable');
      }),
      { numRuns: 300, seed: 6 },
    );
  });

  it('removes members whose session expired', () => {
    const g = new GroupMembership('g');
    const out = g.heartbeat({ memberId: '', memberEpoch: 0, subscribedTopics: [topic], owned: new Set(), sessionTimeoutMs: 1_000, clientId: '' }, t0, () => 2, () => 'a');
    expect(g.expire(t0 + 999)).toEqual([]);
    expect(g.expire(t0 + 1_001)).toEqual([out.memberId]);
    expect(g.state()).toBe('Empty');
  });
});
