import { assert, type Index } from '../core/index.js';
import { entryBytes, type Entry } from '../raft/index.js';
import type { StoredLocation } from './entry-codec.js';

/**
 * A contiguous run of entries [lo, hi) with their locations, held in memory: a group's tail cache
 * and the window filled by a background load. Removing from the front is O(1) amortised.
 *
 * Invariant: entries[k].index === lo + k (checked on push).
 */
export class EntryRun {
  private entries: Entry[] = [];
  private locs: StoredLocation[] = [];
  private head = 0;
  private bytesHeld = 0;
  private loIndex: Index;

  constructor(lo: Index) {
    this.loIndex = lo;
  }

  get lo(): Index {
    return this.loIndex;
  }

  /** One past the last entry held. */
  get hi(): Index {
    return this.loIndex + this.length;
  }

  get length(): number {
    return this.entries.length - this.head;
  }

  /** Sum of entryBytes() of the entries held. */
  get bytes(): number {
    return this.bytesHeld;
  }

  has(i: Index): boolean {
    return i >= this.loIndex && i < this.hi;
  }

  entry(i: Index): Entry | undefined {
    return this.has(i) ? this.entries[this.head + i - this.loIndex] : undefined;
  }

  loc(i: Index): StoredLocation | undefined {
    return this.has(i) ? this.locs[this.head + i - this.loIndex] : undefined;
  }

  firstLoc(): StoredLocation | undefined {
    return this.length > 0 ? this.locs[this.head] : undefined;
  }

  lastLoc(): StoredLocation | undefined {
    return this.length > 0 ? this.locs[this.locs.length - 1] : undefined;
  }

  /** The first entry held whose endOffset is above `offset` (it holds that offset), if any. */
  firstEndingAfter(offset: number): Index | undefined {
    let lo = this.head;
    let hi = this.locs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.locs[mid]!.endOffset > offset) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.locs.length ? this.loIndex + lo - this.head : undefined;
  }

  push(e: Entry, loc: StoredLocation): void {
    assert(e.index === this.hi && loc.index === e.index, () => `run [${this.lo}, ${this.hi}): pushing entry ${e.index}`);
    this.entries.push(e);
    this.locs.push(loc);
    this.bytesHeld += entryBytes(e);
  }

  /** Entries [lo, hi) clipped to what is held. */
  slice(lo: Index, hi: Index): Entry[] {
    const a = Math.max(lo, this.loIndex) - this.loIndex + this.head;
    const b = Math.min(hi, this.hi) - this.loIndex + this.head;
    return a < b ? this.entries.slice(a, b) : [];
  }

  /** Locations [lo, hi) clipped to what is held. */
  sliceLocs(lo: Index, hi: Index): StoredLocation[] {
    const a = Math.max(lo, this.loIndex) - this.loIndex + this.head;
    const b = Math.min(hi, this.hi) - this.loIndex + this.head;
    return a < b ? this.locs.slice(a, b) : [];
  }

  /** Drop entries at and after `index`. */
  truncateFrom(index: Index): void {
    if (index >= this.hi) return;
    if (index <= this.loIndex) {
      this.reset(index);
      return;
    }
    const keep = this.head + index - this.loIndex;
    for (let k = keep; k < this.entries.length; k++) this.bytesHeld -= entryBytes(this.entries[k]!);
    this.entries.length = keep;
    this.locs.length = keep;
  }

  /** Drop entries at and before `index`. */
  dropThrough(index: Index): void {
    if (index < this.loIndex) return;
    if (index >= this.hi - 1) {
      this.reset(index + 1);
      return;
    }
    while (this.loIndex <= index) this.shift();
  }

  /** Remove the first entry. */
  shift(): void {
    assert(this.length > 0, 'shift from an empty run');
    this.bytesHeld -= entryBytes(this.entries[this.head]!);
    this.head++;
    this.loIndex++;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.locs = this.locs.slice(this.head);
      this.head = 0;
    }
  }

  /** Empty the run; the next push must be entry `lo`. */
  reset(lo: Index): void {
    this.entries = [];
    this.locs = [];
    this.head = 0;
    this.bytesHeld = 0;
    this.loIndex = lo;
  }
}
