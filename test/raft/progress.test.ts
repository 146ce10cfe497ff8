import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/core/index.js';
import { Inflights } from '../../src/raft/inflights.js';
import { Progress, ProgressState } from '../../src/raft/progress.js';

describe('Inflights', () => {
  it('is bounded by maxInflightMsgs and frees acknowledged messages in order', () => {
    const inf = new Inflights(3);
    inf.add(5);
    inf.add(7);
    expect(inf.full()).toBe(false);
    inf.add(9);
    expect(inf.full()).toBe(true);
    expect(() => inf.add(10)).toThrow(AssertionError);
    inf.freeLE(7);
    expect(inf.count()).toBe(1);
    inf.freeLE(6); // nothing at or below 6 is left
    expect(inf.count()).toBe(1);
    inf.add(11);
    inf.freeFirstOne();
    expect(inf.count()).toBe(1);
    inf.reset();
    expect(inf.count()).toBe(0);
  });

  it('refuses non-increasing indexes and a zero bound', () => {
    const inf = new Inflights(4);
    inf.add(5);
    expect(() => inf.add(5)).toThrow(AssertionError);
    expect(() => new Inflights(0)).toThrow(AssertionError);
  });
});

describe('Progress', () => {
  it('maybeUpdate moves match and next forward only', () => {
    const pr = new Progress(6, 10, false);
    pr.probeSent = true;
    expect(pr.maybeUpdate(4)).toBe(true);
    expect([pr.match, pr.next, pr.probeSent]).toEqual([4, 6, false]);
    expect(pr.maybeUpdate(3)).toBe(false);
    expect([pr.match, pr.next]).toEqual([4, 6]);
    expect(pr.maybeUpdate(8)).toBe(true);
    expect([pr.match, pr.next]).toEqual([8, 9]);
  });

  it('in Replicate, a rejection above match rewinds next to match+1; one at or below match is stale', () => {
    const pr = new Progress(1, 10, false);
    pr.maybeUpdate(5);
    pr.becomeReplicate();
    pr.sentEntries(9, 4);
    expect(pr.next).toBe(10);
    expect(pr.maybeDecrTo(5, 0)).toBe(false);
    expect(pr.maybeDecrTo(8, 2)).toBe(true);
    expect(pr.next).toBe(6);
  });

  it('in Probe, only a rejection of the last probe counts; next follows the hint but never below match+1', () => {
    const pr = new Progress(11, 10, false);
    pr.maybeUpdate(3);
    pr.becomeProbe(); // next = 4
    pr.next = 11;
    pr.probeSent = true;
    expect(pr.maybeDecrTo(9, 5)).toBe(false); // not the probe we sent (at 10)
    expect(pr.maybeDecrTo(10, 6)).toBe(true);
    expect([pr.next, pr.probeSent]).toEqual([7, false]);
    expect(pr.maybeDecrTo(6, 0)).toBe(true);
    expect(pr.next).toBe(4); // match + 1
  });

  it('leaves Snapshot state past the snapshot, or at match+1 if the snapshot failed', () => {
    const pr = new Progress(1, 10, false);
    pr.maybeUpdate(2);
    pr.becomeSnapshot(20);
    expect(pr.isPaused()).toBe(true);
    pr.becomeProbe();
    expect([pr.state, pr.next]).toEqual([ProgressState.Probe, 21]);
    pr.becomeSnapshot(20);
    pr.pendingSnapshot = 0; // reportSnapshot(failed)
    pr.becomeProbe();
    expect(pr.next).toBe(3);
  });

  it('pauses a probe after one message and a replicating stream when the window is full', () => {
    const pr = new Progress(1, 2, false);
    expect(pr.isPaused()).toBe(false);
    pr.sentEntries(3, 3);
    expect(pr.isPaused()).toBe(true);
    pr.maybeUpdate(0);
    pr.becomeReplicate();
    pr.sentEntries(1, 1);
    pr.sentEntries(2, 1);
    expect([pr.isPaused(), pr.next]).toEqual([true, 3]);
    pr.inflights.freeLE(1);
    expect(pr.isPaused()).toBe(false);
    pr.sentEntries(2, 0); // an empty append adds nothing to the window
    expect(pr.inflights.count()).toBe(1);
  });

  it('keeps match < next through any sequence of valid calls', () => {
    type Op =
      | { kind: 'ack'; n: number }
      | { kind: 'reject'; delta: number; hint: number }
      | { kind: 'send'; count: number }
      | { kind: 'probe' | 'replicate' | 'free' }
      | { kind: 'snapshot'; at: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('ack' as const), n: fc.nat(40) }),
      fc.record({ kind: fc.constant('reject' as const), delta: fc.nat(5), hint: fc.nat(40) }),
      fc.record({ kind: fc.constant('send' as const), count: fc.nat(4) }),
      fc.record({ kind: fc.constantFrom('probe' as const, 'replicate' as const, 'free' as const) }),
      fc.record({ kind: fc.constant('snapshot' as const), at: fc.nat(40) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const pr = new Progress(1, 3, false);
        for (const o of ops) {
          switch (o.kind) {
            // As the leader does (raft.ts handleAppendAcked / handleAppendRejected):
            case 'ack':
              if (pr.maybeUpdate(o.n) && pr.state === ProgressState.Replicate) pr.inflights.freeLE(o.n);
              break;
            case 'reject':
              if (pr.maybeDecrTo(pr.next - 1 - (o.delta % 2), o.hint) && pr.state === ProgressState.Replicate) pr.becomeProbe();
              break;
            case 'send':
              if (!pr.isPaused()) pr.sentEntries(pr.next - 1 + o.count, o.count);
              break;
            case 'probe':
              pr.becomeProbe();
              break;
            case 'replicate':
              pr.becomeReplicate();
              break;
            case 'free':
              pr.inflights.freeFirstOne();
              break;
            case 'snapshot':
              pr.becomeSnapshot(o.at);
              break;
          }
          pr.checkInvariant();
          expect(pr.inflights.count()).toBeLessThanOrEqual(3);
        }
      }),
    );
  });
});
