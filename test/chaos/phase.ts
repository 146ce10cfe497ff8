/**
 * The fault phase, as the nemesis and the producers see it: whether it is over, and how long a wait
 * inside it may be. A plain Deadline is one; FaultPhase stretches it until enough faults happened.
 */
import type { Deadline } from '../e2e/harness/deadline.js';

export interface Phase {
  expired(): boolean;
  /** The sooner of `ms` and the time the phase has left at most. */
  capMs(ms: number): number;
}

/**
 * Over once `min` has passed and `enough()` says so (at least so many faults were injected), or
 * once `max` has passed whatever `enough()` says: a run whose faults take long (a reassignment that
 * waits for its bound) still gets its faults, within a bound.
 */
export class FaultPhase implements Phase {
  constructor(
    private readonly min: Deadline,
    private readonly max: Deadline,
    private readonly enough: () => boolean,
  ) {}

  expired(): boolean {
    return this.max.expired() || (this.min.expired() && this.enough());
  }

  capMs(ms: number): number {
    return this.max.capMs(ms);
  }
}
