/**
 * Simulated time: a min-heap of callbacks ordered by (time, insertion order). The insertion counter
 * breaks ties, so two events at the same millisecond always run in the same order for a seed.
 */
interface ScheduledEvent {
  readonly time: number;
  readonly seq: number;
  readonly run: () => void;
}

export class Scheduler {
  /** Simulated milliseconds since the start of the run. */
  now = 0;
  private readonly heap: ScheduledEvent[] = [];
  private seq = 0;

  after(delayMs: number, run: () => void): void {
    this.push({ time: this.now + delayMs, seq: this.seq++, run });
  }

  size(): number {
    return this.heap.length;
  }

  /** Run the earliest event; false if none is left. */
  runNext(): boolean {
    const ev = this.pop();
    if (!ev) return false;
    this.now = ev.time;
    ev.run();
    return true;
  }

  private push(ev: ScheduledEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(ev, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = ev;
  }

  private pop(): ScheduledEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const child = r < h.length && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[child]!, last)) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = last;
    return top;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
