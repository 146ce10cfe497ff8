import { assert } from '../core/index.js';

const TWO_POW_32 = 0x1_0000_0000;

/** Big-endian writes into a frame buffer sized exactly beforehand (frame-codec.ts computes it). */
export class FrameWriter {
  private off = 0;
  readonly buf: Buffer;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  u8(v: number): void {
    this.buf[this.off++] = v;
  }

  u32(v: number): void {
    this.buf.writeUInt32BE(v, this.off);
    this.off += 4;
  }

  u64(v: number): void {
    assert(Number.isSafeInteger(v) && v >= 0, () => `frame: u64 field ${v} is not a non-negative safe integer`);
    this.buf.writeUInt32BE(Math.floor(v / TWO_POW_32), this.off);
    this.buf.writeUInt32BE(v >>> 0, this.off + 4);
    this.off += 8;
  }

  bytes(b: Uint8Array): void {
    this.u32(b.byteLength);
    this.buf.set(b, this.off);
    this.off += b.byteLength;
  }

  /** The frame, asserting the size computed up front was exact. */
  finish(): Buffer {
    assert(this.off === this.buf.length, () => `frame: wrote ${this.off} bytes into ${this.buf.length}`);
    return this.buf;
  }
}
