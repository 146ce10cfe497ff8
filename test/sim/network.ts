/**
 * The simulated network: every message gets its own random delivery time, and is lost if its link
 * is cut, either when it is sent or when it would arrive (links are directed, so a cut can be
 * one-way). While faults are on, messages may also be dropped or duplicated, and they reorder
 * freely (as datagrams would). Once faults are off they keep their delays but arrive in order per
 * link, as over the one long-lived stream per node pair that Runnel's transport uses.
 */
import { assert, type NodeId, type Rng } from '../../src/core/index.js';
import type { Message } from '../../src/raft/index.js';
import type { NetworkParams } from './params.js';
import type { Scheduler } from './scheduler.js';
import type { SimStats } from './stats.js';
import { TraceKind, type Trace } from './trace.js';

/** Why a message did not arrive; a real transport notices a cut link, not a lost packet. */
export type LossCause = 'dropped' | 'link cut';

export interface NetworkHandlers {
  deliver(m: Message): void;
  lost(m: Message, cause: LossCause): void;
}

const LINK_SPAN = 1 << 16;

export class Network {
  /** Drops, duplicates and reordering are on (the fault phase); delays never stop. */
  faulty = true;
  private readonly cut = new Set<number>();
  /** Per directed link, the latest arrival time scheduled (for in-order delivery once healed). */
  private readonly lastArrivalMs = new Map<number, number>();

  constructor(
    private readonly rng: Rng,
    private readonly scheduler: Scheduler,
    private readonly params: NetworkParams,
    private readonly stats: SimStats,
    private readonly trace: Trace,
    private readonly handlers: NetworkHandlers,
  ) {}

  send(m: Message): void {
    assert(m.from !== m.to, () => `n${m.from} sent ${m.type} to itself`);
    this.stats.messagesSent++;
    if (this.isCut(m.from, m.to)) return this.lose(m, 'link cut');
    if (this.faulty && this.rng.chance(this.params.dropRate)) return this.lose(m, 'dropped');
    this.schedule(m);
    if (this.faulty && this.rng.chance(this.params.duplicateRate)) {
      this.stats.messagesDuplicated++;
      this.trace.message(TraceKind.Duplicate, m.to, m);
      this.schedule(m);
    }
  }

  cutLink(from: NodeId, to: NodeId): void {
    if (from !== to) this.cut.add(from * LINK_SPAN + to);
  }

  /** Reconnect every link. */
  healLinks(): void {
    this.cut.clear();
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.size > 0 && this.cut.has(from * LINK_SPAN + to);
  }

  private schedule(m: Message): void {
    let delay = this.delayMs();
    if (!this.faulty) {
      const link = m.from * LINK_SPAN + m.to;
      const arrival = Math.max(this.scheduler.now + delay, this.lastArrivalMs.get(link) ?? 0);
      this.lastArrivalMs.set(link, arrival);
      delay = arrival - this.scheduler.now;
    }
    this.scheduler.after(delay, () => {
      if (this.isCut(m.from, m.to)) this.lose(m, 'link cut');
      else this.handlers.deliver(m);
    });
  }

  private delayMs(): number {
    const p = this.params;
    if (this.rng.chance(p.longDelayRate)) return this.rng.int(p.minDelayMs, p.longDelayMaxMs + 1);
    return this.rng.int(p.minDelayMs, p.maxDelayMs + 1);
  }

  private lose(m: Message, cause: LossCause): void {
    this.stats.messagesDropped++;
    this.trace.message(TraceKind.Drop, m.to, m);
    this.handlers.lost(m, cause);
  }
}
