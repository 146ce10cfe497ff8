import { assert } from '../core/index.js';
import { type Uuid, uuidBytes, uuidToBytes } from './uuid.js';

const two32 = 4_294_967_296;
const utf8 = new TextEncoder();

/**
 * Big-endian writer for metadata records and image snapshots. Every field has one encoding, so equal
 * values give equal bytes; the caller writes collections in a canonical order.
 */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  u8(value: number): this {
    this.room(1);
    this.view.setUint8(this.pos, checked(value, 0xff, 'u8'));
    this.pos += 1;
    return this;
  }

  u16(value: number): this {
    this.room(2);
    this.view.setUint16(this.pos, checked(value, 0xffff, 'u16'));
    this.pos += 2;
    return this;
  }

  u32(value: number): this {
    this.room(4);
    this.view.setUint32(this.pos, checked(value, 0xffffffff, 'u32'));
    this.pos += 4;
    return this;
  }

  /** A non-negative exact JavaScript integer as 8 bytes (two 32-bit halves, no BigInt). */
  u64(value: number): this {
    checked(value, Number.MAX_SAFE_INTEGER, 'u64');
    return this.u32(Math.floor(value / two32)).u32(value % two32);
  }

  bool(value: boolean): this {
    return this.u8(value ? 1 : 0);
  }

  /** UTF-8 bytes behind a u16 length. */
  string(value: string, bytesMax: number): this {
    const bytes = utf8.encode(value);
    assert(bytes.length <= bytesMax, () => `string of ${bytes.length} bytes exceeds ${bytesMax}`);
    this.u16(bytes.length);
    this.room(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** A presence byte (0 absent, 1 present), then the string when present. */
  optionalString(value: string | undefined, bytesMax: number): this {
    this.bool(value !== undefined);
    return value === undefined ? this : this.string(value, bytesMax);
  }

  uuid(value: Uuid): this {
    this.room(uuidBytes);
    uuidToBytes(value, this.buf, this.pos);
    this.pos += uuidBytes;
    return this;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }
}

function checked(value: number, max: number, what: string): number {
  assert(Number.isInteger(value) && value >= 0 && value <= max, () => `${what} out of range: ${value}`);
  return value;
}
