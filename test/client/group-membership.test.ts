/**
 * The member side of a consumer group as a pure state machine (src/client/group-membership.ts), and
 * the commit floor (commit-tracker.ts): no network, time passed in.
 */
import { describe, expect, it } from 'vitest';
import { CommitTracker, GroupMembership, type HeartbeatAnswer } from '../../src/client/index.js';

const config = { groupId: 'g', clientId: 'c1', sessionTimeoutMs: 9_000 };
const tp = (topic: string, partition: number) => ({ topic, partition });
const answer = (memberEpoch: number, assignment: HeartbeatAnswer['assignment'], heartbeatIntervalMs = 1_000): HeartbeatAnswer => ({
  memberId: 'm-1',
  memberEpoch,
  heartbeatIntervalMs,
  assignment,
});

/** A member that joined at t=0 and owns `owned`. */
function joined(owned: HeartbeatAnswer['assignment']): GroupMembership {
  const m = new GroupMembership(config, 0);
  m.subscribe(['t'], 0);
  m.heartbeatRequest();
  m.onAnswer(0, answer(1, owned));
  return m;
}

describe('GroupMembership', () => {
  it('joins with member id "", epoch 0 and the subscription, at once', () => {
    const m = new GroupMembership(config, 100);
    m.subscribe(['b', 'a', 'a'], 100);
    expect(m.nextHeartbeatAtMs()).toBe(100);
    expect(m.heartbeatRequest()).toEqual({
      groupId: 'g',
      memberId: '',
      memberEpoch: 0,
      subscribedTopicNames: ['a', 'b'],
      ownedPartitions: [],
      sessionTimeoutMs: 9_000,
      clientId: 'c1',
    });
    expect(m.nextHeartbeatAtMs()).toBe(Infinity); // one in flight at a time
    expect(() => m.heartbeatRequest()).toThrow();
  });

  it('owns what the answer assigns and heartbeats it with its epoch every interval', () => {
    const m = new GroupMembership(config, 0);
    m.subscribe(['t'], 0);
    m.heartbeatRequest();
    const delta = m.onAnswer(10, answer(3, [tp('t', 1), tp('t', 0)], 2_000));
    expect(delta).toEqual({ assigned: [tp('t', 1), tp('t', 0)], revoked: [] });
    expect([m.memberId, m.memberEpoch, m.joined, m.heartbeatIntervalMs]).toEqual(['m-1', 3, true, 2_000]);
    expect(m.nextHeartbeatAtMs()).toBe(2_010);
    const req = m.heartbeatRequest();
    expect(req).toMatchObject({ memberId: 'm-1', memberEpoch: 3, subscribedTopicNames: [], ownedPartitions: [{ topic: 't', partitions: [0, 1] }] });
    expect(m.onAnswer(2_020, answer(3, [tp('t', 0), tp('t', 1)]))).toEqual({ assigned: [], revoked: [] });
  });

  it('keeps a revoked partition owned until released, then heartbeats at once without it', () => {
    const m = joined([tp('t', 0), tp('t', 1)]);
    m.heartbeatRequest();
    const delta = m.onAnswer(1_000, answer(4, [tp('t', 0), tp('t', 2)]));
    expect(delta).toEqual({ assigned: [tp('t', 2)], revoked: [tp('t', 1)] });
    expect(m.consumes(tp('t', 1))).toBe(false);
    expect(m.owns(tp('t', 1))).toBe(true); // its offset may still be committed
    expect(m.consumes(tp('t', 2))).toBe(true);
    // Not released yet: still reported as owned, and not revoked a second time.
    m.heartbeatRequest();
    expect(m.onAnswer(2_000, answer(4, [tp('t', 0), tp('t', 2)]))).toEqual({ assigned: [], revoked: [] });
    expect(m.ownedPartitions()).toContainEqual(tp('t', 1));
    m.released([tp('t', 1)], 2_500);
    expect(m.owns(tp('t', 1))).toBe(false);
    expect(m.nextHeartbeatAtMs()).toBe(2_500);
    expect(m.heartbeatRequest().ownedPartitions).toEqual([{ topic: 't', partitions: [0, 2] }]);
  });

  it('drops every partition when fenced and joins again', () => {
    const m = joined([tp('t', 0), tp('t', 1)]);
    m.heartbeatRequest();
    expect(m.fenced(500)).toEqual([tp('t', 0), tp('t', 1)]);
    expect(m.ownedPartitions()).toEqual([]);
    expect(m.nextHeartbeatAtMs()).toBe(500);
    expect(m.heartbeatRequest()).toMatchObject({ memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'], ownedPartitions: [] });
  });

  it('counts its session as expired after a whole session without an answer', () => {
    const m = joined([tp('t', 0)]);
    m.heartbeatRequest();
    m.onRetriableError(1_000, 200);
    expect(m.nextHeartbeatAtMs()).toBe(1_200);
    expect(m.sessionExpired(8_999)).toBe(false);
    expect(m.sessionExpired(9_000)).toBe(true);
    expect(new GroupMembership(config, 0).sessionExpired(60_000)).toBe(false); // never joined
  });

  it('sends a changed subscription once, at once', () => {
    const m = joined([tp('t', 0)]);
    m.subscribe(['t', 'u'], 300);
    expect(m.nextHeartbeatAtMs()).toBe(300);
    expect(m.heartbeatRequest().subscribedTopicNames).toEqual(['t', 'u']);
    m.onAnswer(400, answer(2, [tp('t', 0)]));
    expect(m.heartbeatRequest().subscribedTopicNames).toEqual([]);
  });

  it('leaves with epoch -1 (nothing to send if it never joined) and ignores later answers', () => {
    expect(new GroupMembership(config, 0).leaveRequest()).toBeUndefined();
    const m = joined([tp('t', 0)]);
    m.heartbeatRequest();
    expect(m.leaveRequest()).toMatchObject({ memberId: 'm-1', memberEpoch: -1, ownedPartitions: [] });
    expect(m.hasLeft).toBe(true);
    expect(m.onAnswer(100, answer(2, [tp('t', 0)]))).toEqual({ assigned: [], revoked: [] });
    expect(m.nextHeartbeatAtMs()).toBe(Infinity);
    expect(m.ownedPartitions()).toEqual([]);
  });

  it('follows a random run of assignments: owned = assigned ∪ unreleased revoked, each revoked once', () => {
    const m = new GroupMembership(config, 0);
    m.subscribe(['t'], 0);
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    let unreleased: { topic: string; partition: number }[] = [];
    for (let step = 1; step <= 300; step++) {
      m.heartbeatRequest();
      const assignment = [0, 1, 2, 3, 4, 5].filter(() => rand(2) === 0).map((p) => tp('t', p));
      const before = new Set(m.ownedPartitions().map((x) => x.partition));
      const delta = m.onAnswer(step, answer(step, assignment));
      for (const r of delta.revoked) {
        expect(unreleased.map((x) => x.partition)).not.toContain(r.partition);
        expect(before.has(r.partition)).toBe(true);
      }
      unreleased.push(...delta.revoked);
      const release = unreleased.filter(() => rand(2) === 0);
      m.released(release, step);
      unreleased = unreleased.filter((x) => !release.includes(x));
      const owned = m.ownedPartitions().map((x) => x.partition).sort();
      const expected = [...new Set([...assignment.map((x) => x.partition), ...unreleased.map((x) => x.partition)])].sort();
      expect(owned).toEqual(expected);
      for (const x of unreleased) expect(m.consumes(x)).toBe(false);
      for (const a of assignment) if (!unreleased.some((x) => x.partition === a.partition)) expect(m.consumes(a)).toBe(true);
    }
  });
});

describe('CommitTracker', () => {
  it('commits only offsets above the committed one it knows', () => {
    const t = new CommitTracker();
    expect(t.forward([{ ...tp('t', 0), offset: 0 }])).toEqual([{ ...tp('t', 0), offset: 0 }]);
    t.started(tp('t', 0), 10);
    expect(t.forward([{ ...tp('t', 0), offset: 9 }, { ...tp('t', 0), offset: 10 }])).toEqual([]);
    expect(t.forward([{ ...tp('t', 0), offset: 11 }])).toEqual([{ ...tp('t', 0), offset: 11 }]);
    t.committedNow({ ...tp('t', 0), offset: 15 });
    t.committedNow({ ...tp('t', 0), offset: 12 }); // a late answer never lowers the floor
    expect(t.last(tp('t', 0))).toBe(15);
    t.started(tp('t', 0), -1); // assigned again with nothing committed (an admin deleted the group)
    expect(t.forward([{ ...tp('t', 0), offset: 3 }])).toHaveLength(1);
    expect(t.forward([{ ...tp('t', 1), offset: -1 }])).toEqual([]);
  });
});
