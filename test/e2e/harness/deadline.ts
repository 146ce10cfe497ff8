/**
 * Waiting without assuming timing: every wait in the e2e harness is a poll against a deadline, and
 * every retry loop has a bounded number of attempts and a backoff that grows to a cap.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** A point in time (performance.now() ms) after which a wait gives up. */
export class Deadline {
  private constructor(
    readonly atMs: number,
    readonly what: string,
  ) {}

  static in(timeoutMs: number, what: string): Deadline {
    return new Deadline(performance.now() + timeoutMs, what);
  }

  remainingMs(): number {
    return Math.max(0, this.atMs - performance.now());
  }

  expired(): boolean {
    return this.remainingMs() === 0;
  }

  /** The sooner of this deadline and `ms` from now: for one call inside a longer wait. */
  capMs(ms: number): number {
    return Math.max(1, Math.min(ms, this.remainingMs()));
  }

  /** A grpc-js call deadline (a Date), at most `ms` from now and never past this deadline. */
  callDeadline(ms: number): Date {
    return new Date(Date.now() + this.capMs(ms));
  }

  fail(detail: string): Error {
    return new Error(`timed out: ${this.what}: ${detail}`);
  }
}

/** Exponential backoff between retries, with jitter so parallel clients do not retry in step. */
export class Backoff {
  private nextMs: number;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {
    this.nextMs = minMs;
  }

  /** Waits the current backoff (never past the deadline) and doubles it up to the cap. */
  async wait(deadline: Deadline): Promise<void> {
    const ms = this.nextMs / 2 + Math.random() * (this.nextMs / 2);
    this.nextMs = Math.min(this.maxMs, this.nextMs * 2);
    await sleep(deadline.capMs(ms));
  }

  reset(): void {
    this.nextMs = this.minMs;
  }
}

export interface PollOptions {
  readonly timeoutMs: number;
  /** Between polls; the poll itself may take longer. */
  readonly intervalMs: number;
  readonly what: string;
}

/**
 * Calls `probe` until it returns a value other than undefined, or the deadline passes: then throws
 * with the last reason `probe` gave (its thrown error, or `lastReason()` when it returned undefined).
 */
export async function pollUntil<T>(
  options: PollOptions,
  probe: () => Promise<T | undefined>,
  lastReason: () => string = () => 'condition not met',
): Promise<T> {
  const deadline = Deadline.in(options.timeoutMs, options.what);
  let reason = 'never polled';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      reason = lastReason();
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
    if (deadline.expired()) throw deadline.fail(reason);
    await sleep(deadline.capMs(options.intervalMs));
  }
}
