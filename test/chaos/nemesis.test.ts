import { describe, expect, it } from 'vitest';
import { Deadline } from '../e2e/harness/deadline.js';
import { partitionShape } from './nemesis.js';
import { FaultPhase } from './phase.js';

describe('partition shapes', () => {
  it('isolates one node from the rest', () => {
    expect(partitionShape('isolate-one', [2, 1, 3])).toMatchObject({ a: [2], b: [1, 3] });
  });

  it('splits off a minority of floor(n/2) nodes', () => {
    expect(partitionShape('majority-minority', [3, 1, 2])).toMatchObject({ a: [3], b: [1, 2] });
    expect(partitionShape('majority-minority', [5, 4, 3, 2, 1])).toMatchObject({ a: [5, 4], b: [3, 2, 1] });
  });

  it('keeps the bridge node connected to both halves, which are cut from each other', () => {
    const s = partitionShape('bridge', [1, 2, 3, 4, 5]);
    expect(s).toMatchObject({ a: [2, 3], b: [4, 5] });
    expect([...s.a, ...s.b]).not.toContain(1);
    expect(partitionShape('bridge', [2, 1, 3])).toMatchObject({ a: [1], b: [3] });
  });
});

describe('the fault phase', () => {
  it('ends after its duration only once enough faults happened, and at its bound regardless', () => {
    let faults = 0;
    const phase = new FaultPhase(Deadline.in(0, 'min'), Deadline.in(60_000, 'max'), () => faults >= 2);
    expect(phase.expired()).toBe(false);
    faults = 2;
    expect(phase.expired()).toBe(true);
    expect(new FaultPhase(Deadline.in(0, 'min'), Deadline.in(0, 'max'), () => false).expired()).toBe(true);
    expect(new FaultPhase(Deadline.in(60_000, 'min'), Deadline.in(120_000, 'max'), () => true).expired()).toBe(false);
  });
});
