import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/core/index.js';
import {
  type GroupMembership,
  type MembershipStep,
  applyStep,
  describePartition,
  diff,
  nextMembershipStep,
  planReassignment,
  proposeCancelReassignment,
  proposeReassignment,
  targetReplicas,
} from '../../src/metadata/index.js';
import { cluster, createTopic, expectSound, mustApply } from './helpers.js';

const replicaSet = fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 });

/** Walks a plan checking each step is one legal Raft membership change; returns the final membership. */
function walk(current: readonly NodeId[], steps: readonly MembershipStep[]): { m: GroupMembership; votersMax: number } {
  let m: GroupMembership = { voters: current, learners: [] };
  let leader = current[0]!;
  let votersMax = m.voters.length;
  for (const step of steps.slice(0, -1)) {
    switch (step.kind) {
      case 'addLearner':
        expect(m.voters.includes(step.nodeId) || m.learners.includes(step.nodeId)).toBe(false);
        break;
      case 'promote':
        expect(m.learners).toContain(step.nodeId);
        break;
      case 'remove':
        expect(step.nodeId).not.toBe(leader); // leadership moves first
        expect(m.voters.length > 1 || m.learners.includes(step.nodeId)).toBe(true);
        break;
      case 'transferLeadership':
        expect(m.voters).toContain(step.to);
        leader = step.to;
        break;
      case 'complete':
        throw new Error('complete before the end');
    }
    m = applyStep(m, step);
    votersMax = Math.max(votersMax, m.voters.length);
  }
  expect(steps.at(-1)).toEqual({ kind: 'complete' });
  return { m, votersMax };
}

describe('reassignment plan', () => {
  it('reaches voters = target with one legal change at a time, never more than max(|current|, |target| + 1) voters', () => {
    fc.assert(
      fc.property(replicaSet, replicaSet, (current, target) => {
        const plan = planReassignment(current, target);
        const { m, votersMax } = walk(current, plan.steps);
        expect([...m.voters].sort()).toEqual([...target].sort());
        expect(m.learners).toEqual([]);
        expect(votersMax).toBeLessThanOrEqual(Math.max(current.length, target.length + 1));
        expect(plan.adding).toEqual(target.filter((n) => !current.includes(n)));
        expect(plan.removing).toEqual(current.filter((n) => !target.includes(n)));
      }),
      { numRuns: 2000 },
    );
  });

  it('lets a new leader resume from any intermediate membership and still converge', () => {
    fc.assert(
      fc.property(replicaSet, replicaSet, fc.nat(), (current, target, cut) => {
        const steps = planReassignment(current, target).steps;
        let m: GroupMembership = { voters: current, learners: [] };
        for (const step of steps.slice(0, cut % steps.length)) m = applyStep(m, step);
        // Whoever leads now (any voter) asks again: the remaining steps still end at the target.
        let leader = m.voters[m.voters.length - 1]!;
        let done = false;
        for (let i = 0; i < 40 && !done; i++) {
          const step = nextMembershipStep(m, target, leader);
          if (step.kind === 'remove') expect(step.nodeId).not.toBe(leader);
          if (step.kind === 'transferLeadership') leader = step.to;
          else m = applyStep(m, step);
          done = step.kind === 'complete';
        }
        expect(done).toBe(true);
        expect([...m.voters].sort()).toEqual([...target].sort());
      }),
      { numRuns: 1000 },
    );
  });

  it('moves a partition off its leader: add, promote, shrink, transfer, remove', () => {
    expect(planReassignment([1, 2, 3], [2, 3, 4]).steps).toEqual([
      { kind: 'addLearner', nodeId: 4 },
      { kind: 'promote', nodeId: 4 },
      { kind: 'transferLeadership', to: 2 },
      { kind: 'remove', nodeId: 1 },
      { kind: 'complete' },
    ]);
  });

  it('removes a stray learner that is not in the target', () => {
    expect(nextMembershipStep({ voters: [1, 2], learners: [5] }, [1, 2], 1)).toEqual({ kind: 'remove', nodeId: 5 });
  });
});

describe('reassignment through the image', () => {
  it('drives a cancelled move back to the original replicas from wherever the group got to', () => {
    fc.assert(
      fc.property(fc.nat(), (cut) => {
        let image = createTopic(cluster(6), 'orders', 1, 3);
        const original = describePartition(image, 'orders', 0).replicas;
        const target = [1, 2, 3, 4, 5, 6].filter((n) => !original.includes(n));
        image = mustApply(image, proposeReassignment(image, 'orders', 0, target));
        // The group got part of the way, then the operator cancelled.
        const steps = planReassignment(original, target).steps;
        let m: GroupMembership = { voters: original, learners: [] };
        let leader = original[0]!;
        for (const step of steps.slice(0, cut % steps.length)) {
          if (step.kind === 'transferLeadership') leader = step.to;
          else m = applyStep(m, step);
        }
        image = mustApply(image, proposeCancelReassignment(image, 'orders', 0));
        const p = describePartition(image, 'orders', 0);
        expect([...targetReplicas(p)].sort()).toEqual([...original].sort());
        for (const n of [...m.voters, ...m.learners]) expect(p.replicas).toContain(n); // every member still hosts it
        for (let i = 0; i < 30; i++) {
          const step = nextMembershipStep(m, targetReplicas(p), leader);
          if (step.kind === 'complete') break;
          if (step.kind === 'transferLeadership') leader = step.to;
          else m = applyStep(m, step);
        }
        expect([...m.voters].sort()).toEqual([...original].sort());
        image = mustApply(image, { type: 'CompleteReassignment', groupId: p.groupId, targetReplicas: targetReplicas(p) });
        expectSound(image);
      }),
      { numRuns: 100 },
    );
  });

  it('tells each node what to create and remove as the reassignment starts and completes', () => {
    let image = createTopic(cluster(5), 'orders', 1, 3);
    const current = describePartition(image, 'orders', 0).replicas;
    const target = [1, 2, 3, 4, 5].filter((n) => !current.includes(n)).concat(current[1]!);
    const before = image;
    image = mustApply(image, proposeReassignment(image, 'orders', 0, target));
    const started = image;
    const newcomer = target[0]!;
    expect(diff(before, started, newcomer).added.map((p) => p.partition)).toEqual([0]);
    expect(diff(before, started, current[0]!).moved.map((p) => p.partition)).toEqual([0]);
    expect(diff(before, started, current[0]!).removed).toEqual([]);

    const p = describePartition(image, 'orders', 0);
    const steps = planReassignment(current, targetReplicas(p)).steps;
    expect(steps.at(-1)).toEqual({ kind: 'complete' });
    image = mustApply(image, { type: 'CompleteReassignment', groupId: p.groupId, targetReplicas: targetReplicas(p) });
    const leaving = current.find((n) => !target.includes(n))!;
    expect(diff(started, image, leaving).removed.map((x) => x.groupId)).toEqual([p.groupId]);
    expect(diff(started, image, newcomer).moved.map((x) => x.groupId)).toEqual([p.groupId]);
    expectSound(image);
  });
});
