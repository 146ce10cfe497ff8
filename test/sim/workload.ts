/**
 * The fault-phase client: every so often it proposes a small batch of unique payloads
 * (`p<seed>-<n>`) to a node that believes it leads (now and then to any node, to exercise the
 * not-leader path). Whether a fault-phase proposal commits is not checked: under faults an accepted
 * proposal may legitimately be lost before it commits. What is checked is that whatever commits is
 * the same everywhere (checker.ts), and, after the heal, liveness (liveness.ts).
 */
import type { Rng } from '../../src/core/index.js';
import { StateType } from '../../src/raft/index.js';
import type { Cluster } from './cluster.js';
import type { SimParams } from './params.js';

/** Probability of proposing to a random node instead of one that thinks it is leader. */
const ANY_NODE_RATE = 0.1;

const encoder = new TextEncoder();

function isAcceptingLeader(r: { state: string; leadTransferee: number }): boolean {
  return r.state === StateType.Leader && r.leadTransferee === 0;
}

export class Workload {
  private active = false;
  private next = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly rng: Rng,
    private readonly params: SimParams,
    private readonly seed: number,
  ) {}

  start(): void {
    this.active = true;
    this.scheduleNext();
  }

  stop(): void {
    this.active = false;
  }

  private scheduleNext(): void {
    this.cluster.deps.scheduler.after(this.rng.int(1, 2 * this.params.proposalIntervalMs), () => {
      if (!this.active) return;
      this.proposeBatch();
      this.scheduleNext();
    });
  }

  private proposeBatch(): void {
    const up = this.cluster.upNodes().filter((n) => this.cluster.isAwake(n));
    if (up.length === 0) return;
    // Refusals ("not leader", "transfer in progress") are exercised now and then, not by the thousand.
    const pool = this.rng.chance(ANY_NODE_RATE) ? up : up.filter((n) => isAcceptingLeader(n.node.raft));
    if (pool.length === 0) return;
    const target = pool[this.rng.int(0, pool.length)]!;
    const count = this.rng.int(1, this.params.maxProposalBatch + 1);
    const data: Uint8Array[] = [];
    for (let i = 0; i < count; i++) data.push(encoder.encode(`p${this.seed}-${this.next++}`));
    this.cluster.propose(target, data, `propose ${count}`);
  }
}
