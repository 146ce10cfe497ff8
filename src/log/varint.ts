import { corrupt } from './log-errors.js';

/**
 * Kafka's varints: a zigzag-encoded signed integer (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...) written 7 bits
 * per byte, least significant group first, high bit set on every byte but the last. Values here are
 * exact JavaScript integers, so at most 8 bytes (56 bits) are ever read.
 */
const varintBytesMax = 8;

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Bytes the varint of `value` takes. */
export function varintBytes(value: number): number {
  let z = zigzag(value);
  if (z < 0x80) return 1;
  if (z < 0x4000) return 2;
  if (z < 0x200000) return 3;
  let n = 4;
  z = Math.floor(z / 0x200000); // the 21 bits three bytes hold
  while (z >= 0x80) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

/** Write the varint of `value` at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  let z = zigzag(value);
  if (z < 0x80) {
    buf[pos] = z; // the common case: small lengths and deltas
    return pos + 1;
  }
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80; // & keeps the low 32 bits, enough for the low 7
    z = z < 0x80000000 ? z >>> 7 : Math.floor(z / 128);
  }
  buf[pos++] = z;
  return pos;
}

/** A cursor over bytes that already passed their checksum; any overrun is still reported as corrupt. */
export class ByteReader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  byte(): number {
    if (this.pos >= this.end) throw corrupt('record runs past the end of the batch');
    return this.buf[this.pos++]!;
  }

  varint(): number {
    const first = this.byte();
    if (first < 0x80) return (first >>> 1) ^ -(first & 1); // the common one-byte case
    let unsigned = first & 0x7f;
    let scale = 128;
    for (let i = 1; i < varintBytesMax; i++) {
      const b = this.byte();
      unsigned += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (unsigned > Number.MAX_SAFE_INTEGER) throw corrupt('varint does not fit in 53 bits');
        return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
      }
      scale *= 128;
    }
    throw corrupt(`varint longer than ${varintBytesMax} bytes`);
  }

  /** A length-prefixed region: -1 means null (when `nullable`), else a length that must fit. */
  length(nullable: boolean, field: string): number {
    const n = this.varint();
    if (n < (nullable ? -1 : 0) || n > this.end - this.pos) throw corrupt(`bad ${field} length ${n}`);
    return n;
  }
}
