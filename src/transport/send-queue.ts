/**
 * The frames waiting for one peer's stream to accept them, bounded in frames and in bytes (STYLE
 * rule 5). When either bound would be exceeded the frame is refused: the caller drops it and Raft
 * retransmits, so a slow or dead peer never makes this node grow without limit.
 * Invariant: length() <= framesMax and bytes() <= bytesMax.
 */
export class SendQueue {
  private items: Buffer[] = [];
  private head = 0;
  private size = 0;

  constructor(
    private readonly framesMax: number,
    private readonly bytesMax: number,
  ) {}

  length(): number {
    return this.items.length - this.head;
  }

  bytes(): number {
    return this.size;
  }

  push(frame: Buffer): boolean {
    if (this.length() >= this.framesMax || this.size + frame.length > this.bytesMax) return false;
    this.items.push(frame);
    this.size += frame.length;
    return true;
  }

  shift(): Buffer | undefined {
    if (this.head >= this.items.length) return undefined;
    const frame = this.items[this.head]!;
    this.items[this.head++] = EMPTY;
    this.size -= frame.length;
    // Compact once the consumed prefix dominates, keeping shift() O(1) amortised.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return frame;
  }

  /** Drop everything; returns how many frames were dropped. */
  clear(): number {
    const n = this.length();
    this.items = [];
    this.head = 0;
    this.size = 0;
    return n;
  }
}

const EMPTY = Buffer.alloc(0);
