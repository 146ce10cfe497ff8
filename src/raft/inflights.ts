import { assert, type Index } from '../core/index.js';

/**
 * Append messages sent to one follower and not yet acknowledged, as the last index each carried.
 * Bounded by `maxInflightMsgs` (etcd's MaxInflightMsgs): when full, the leader stops sending.
 */
export class Inflights {
  private readonly buffer: Index[] = [];

  constructor(readonly maxInflightMsgs: number) {
    assert(maxInflightMsgs > 0, 'maxInflightMsgs must be > 0');
  }

  add(lastIndex: Index): void {
    assert(!this.full(), 'inflights: add when full');
    const prev = this.buffer[this.buffer.length - 1];
    assert(prev === undefined || lastIndex > prev, () => `inflights: ${lastIndex} not after ${prev}`);
    this.buffer.push(lastIndex);
  }

  /** Everything up to `index` was acknowledged. */
  freeLE(index: Index): void {
    let n = 0;
    while (n < this.buffer.length && this.buffer[n]! <= index) n++;
    if (n > 0) this.buffer.splice(0, n);
  }

  freeFirstOne(): void {
    this.buffer.shift();
  }

  full(): boolean {
    return this.buffer.length >= this.maxInflightMsgs;
  }

  count(): number {
    return this.buffer.length;
  }

  reset(): void {
    this.buffer.length = 0;
  }
}
