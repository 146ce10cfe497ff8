import { describe, expect, it } from 'vitest';
import { RunnelError, type Index, type Term } from '../../src/core/index.js';
import { ProposalTracker, type LeadershipView, type WaitFor } from '../../src/multiraft/proposal-tracker.js';
import { EntryType, type Entry } from '../../src/raft/index.js';

function entry(index: Index, term: Term): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array([1]) };
}

/** Propose through the queue as MultiRaft does, placing the batch at `firstIndex` in `term`. */
function proposeAt(t: ProposalTracker, firstIndex: Index, term: Term, waitFor: WaitFor[]): Array<Promise<unknown>> {
  const outcomes = waitFor.map((w) => t.enqueue(new Uint8Array([1]), w).then((r) => r, (e: unknown) => e));
  t.takeQueued(1 << 20).forEach((q, k) => t.track(firstIndex + k, term, q.waitFor, q));
  return outcomes;
}

function view(v: Partial<LeadershipView>): LeadershipView {
  return { isLeader: true, term: 2, leaderId: 1, committed: 0, termAt: () => undefined, ...v };
}

function code(outcome: unknown): string {
  return outcome instanceof RunnelError ? `${outcome.code}/${outcome.definite ? 'definite' : 'indefinite'}` : 'ok';
}

describe('ProposalTracker', () => {
  it('resolves acks=1 on persistence and acks=all on apply, by (index, term)', async () => {
    const t = new ProposalTracker(1, 5, 100);
    const [persisted, committed] = proposeAt(t, 10, 2, ['persisted', 'committed']);
    t.persisted([entry(10, 2), entry(11, 2)]);
    expect(await persisted).toEqual({ index: 10, term: 2 });
    expect(t.size()).toBe(1);
    t.applied([entry(10, 2), entry(11, 2)]);
    expect(await committed).toEqual({ index: 11, term: 2 });
    expect(t.size()).toBe(0);
  });

  it('fails definitely when another entry is applied at the proposal index', async () => {
    const t = new ProposalTracker(1, 5, 100);
    const [p] = proposeAt(t, 10, 2, ['committed']);
    t.applied([entry(10, 3)]);
    expect(code(await p)).toBe('RUNNEL_ERR_PROPOSAL_SUPERSEDED/definite');
  });

  it('fails indefinitely on leadership loss, unless the entry was already seen committed', async () => {
    const t = new ProposalTracker(1, 5, 100);
    const [seenCommitted, unknown] = proposeAt(t, 10, 2, ['committed', 'committed']);
    const [queued] = [t.enqueue(new Uint8Array([1]), 'committed').catch((e: unknown) => e)];
    t.checkLeadership(view({ isLeader: false, leaderId: 3, committed: 10, termAt: (i) => (i <= 11 ? 2 : undefined) }));
    expect(code(await unknown)).toBe('RUNNEL_ERR_LEADERSHIP_LOST/indefinite');
    expect(code(await queued)).toBe('RUNNEL_ERR_NOT_LEADER/definite');
    expect(((await queued) as RunnelError).details.leaderId).toBe(3);
    t.applied([entry(10, 2)]);
    expect(await seenCommitted).toEqual({ index: 10, term: 2 });
  });

  it('treats a new term on the same leader as a leadership loss', async () => {
    const t = new ProposalTracker(1, 5, 100);
    const [p] = proposeAt(t, 10, 2, ['committed']);
    t.checkLeadership(view({ term: 4, committed: 9 }));
    expect(code(await p)).toBe('RUNNEL_ERR_LEADERSHIP_LOST/indefinite');
  });

  it('is bounded by pendingProposalsMax', () => {
    const t = new ProposalTracker(1, 5, 2);
    proposeAt(t, 1, 1, ['committed', 'committed']);
    expect(t.hasRoom()).toBe(false);
  });

  it('settles everything on failAll: queued definitely, appended indefinitely', async () => {
    const t = new ProposalTracker(1, 5, 100);
    const [appended] = proposeAt(t, 10, 2, ['committed']);
    const queued = t.enqueue(new Uint8Array([1]), 'committed').catch((e: unknown) => e);
    t.failAll('node closing', 1);
    expect(code(await appended)).toBe('RUNNEL_ERR_LEADERSHIP_LOST/indefinite');
    expect(code(await queued)).toBe('RUNNEL_ERR_PROPOSAL_DROPPED/definite');
    expect(t.size()).toBe(0);
  });
});
