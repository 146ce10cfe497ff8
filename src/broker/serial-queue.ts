import { RunnelError } from '../core/index.js';

/**
 * Runs async jobs one at a time, in arrival order, with at most `queuedMax` waiting (a full queue
 * refuses at once with PROPOSAL_DROPPED, definite). A job's failure is its caller's alone: the
 * queue goes on with the next one.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  // 0 <= queued <= queuedMax (the job running counts until it settles).
  private queued = 0;

  constructor(
    private readonly what: string,
    private readonly queuedMax: number,
  ) {}

  run<T>(job: () => Promise<T>): Promise<T> {
    if (this.queued >= this.queuedMax) {
      return Promise.reject(new RunnelError('RUNNEL_ERR_PROPOSAL_DROPPED', [`${this.queuedMax} ${this.what} already queued`]));
    }
    this.queued++;
    const result = this.tail.then(job).finally(() => this.queued--);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
