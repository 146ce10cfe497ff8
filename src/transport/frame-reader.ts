import { FrameDecodeError } from './frame-error.js';

const TWO_POW_32 = 0x1_0000_0000;
/** The high word of a u64 that is still a safe JavaScript integer (< 2^53). */
const SAFE_HIGH_MAX = 0x1f_ffff;

/** Bounds-checked big-endian reads over one received frame; every overrun is a FrameDecodeError. */
export class FrameReader {
  private off = 0;

  constructor(private readonly buf: Buffer) {}

  get offset(): number {
    return this.off;
  }

  remaining(): number {
    return this.buf.length - this.off;
  }

  u8(): number {
    this.need(1, 'u8');
    return this.buf[this.off++]!;
  }

  u32(): number {
    this.need(4, 'u32');
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }

  /** A u64 that must be a safe integer (terms, indexes, commits). */
  u64(): number {
    this.need(8, 'u64');
    const hi = this.buf.readUInt32BE(this.off);
    const lo = this.buf.readUInt32BE(this.off + 4);
    if (hi > SAFE_HIGH_MAX) this.fail('u64 beyond 2^53');
    this.off += 8;
    return hi * TWO_POW_32 + lo;
  }

  /** A u32 length, then that many bytes as a view into the frame (no copy). */
  bytes(): Buffer {
    const n = this.u32();
    this.need(n, 'byte string');
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }

  /** A u32 element count, refused if even minimal elements could not fit in what is left. */
  count(minElementBytes: number, what: string): number {
    const n = this.u32();
    if (n * minElementBytes > this.remaining()) this.fail(`${what} count ${n} exceeds the frame`);
    return n;
  }

  end(): void {
    if (this.off !== this.buf.length) this.fail(`${this.buf.length - this.off} trailing bytes`);
  }

  fail(message: string): never {
    throw new FrameDecodeError(message, this.off);
  }

  private need(n: number, what: string): void {
    if (this.off + n > this.buf.length) this.fail(`truncated ${what}`);
  }
}
