/** Wall and monotonic time, injected so tests and the simulator control it. */
export interface Clock {
  /** Milliseconds since the epoch, for record timestamps. */
  nowMs(): number;
  /** Monotonic milliseconds, for timeouts. */
  monotonicMs(): number;
}
