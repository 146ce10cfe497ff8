import { assert } from '../core/index.js';

/**
 * Reconnect delays: exponential from baseMs, capped at maxMs, with "equal jitter" (half the step
 * fixed, half random) so that nodes restarted together do not redial in lockstep, yet never retry
 * sooner than half the step.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {
    assert(baseMs > 0 && maxMs >= baseMs, () => `backoff: need 0 < base (${baseMs}) <= max (${maxMs})`);
  }

  /** The delay before the next attempt; each call doubles the step up to maxMs. */
  next(): number {
    const step = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return step / 2 + this.random() * (step / 2);
  }

  /** A connection succeeded: start again from baseMs. */
  reset(): void {
    this.attempt = 0;
  }
}
