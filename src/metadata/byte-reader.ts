import { corrupt } from './metadata-errors.js';
import { isUuid, type Uuid, uuidBytes, uuidFromBytes } from './uuid.js';

const two32 = 4_294_967_296;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The reader matching ByteWriter. It accepts only the bytes the writer produces (canonical booleans
 * and presence bytes, valid UTF-8, exact integers), so decode-then-encode gives back the same bytes.
 * Every failure is RUNNEL_ERR_CORRUPT naming the field (`what`) it was reading.
 */
export class ByteReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(
    private readonly data: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(field: string): number {
    const value = this.u32(field) * two32 + this.u32(field);
    if (!Number.isSafeInteger(value)) throw this.bad(`${field} does not fit in 53 bits`);
    return value;
  }

  /** An integer field that must lie in [min, max]. */
  u32In(field: string, min: number, max: number): number {
    return this.inRange(this.u32(field), field, min, max);
  }

  u64In(field: string, min: number, max: number): number {
    return this.inRange(this.u64(field), field, min, max);
  }

  bool(field: string): boolean {
    const b = this.u8(field);
    if (b > 1) throw this.bad(`${field} flag must be 0 or 1, not ${b}`);
    return b === 1;
  }

  string(field: string, bytesMax: number): string {
    const n = this.u16(field);
    if (n > bytesMax) throw this.bad(`${field} of ${n} bytes exceeds ${bytesMax}`);
    this.need(n, field);
    const start = this.pos;
    this.pos += n;
    try {
      return utf8.decode(this.data.subarray(start, this.pos));
    } catch {
      throw this.bad(`${field} is not valid UTF-8`);
    }
  }

  optionalString(field: string, bytesMax: number): string | undefined {
    return this.bool(field) ? this.string(field, bytesMax) : undefined;
  }

  uuid(field: string): Uuid {
    this.need(uuidBytes, field);
    const id = uuidFromBytes(this.data, this.pos);
    this.pos += uuidBytes;
    if (!isUuid(id)) throw this.bad(`${field} is the reserved zero UUID`);
    return id;
  }

  /** A count field that must be at most `max`; also checks the bytes left could hold that many items. */
  count(field: string, max: number, itemBytesMin: number): number {
    const n = this.u32(field);
    if (n > max) throw this.bad(`${field} ${n} exceeds ${max}`);
    if (n * itemBytesMin > this.data.byteLength - this.pos) throw this.bad(`${field} ${n} overruns the data`);
    return n;
  }

  /** Nothing may follow the last field. */
  end(): void {
    if (this.pos !== this.data.byteLength) throw this.bad(`${this.data.byteLength - this.pos} trailing bytes`);
  }

  bad(detail: string): Error {
    return corrupt(`${this.what}: ${detail}`);
  }

  private inRange(value: number, field: string, min: number, max: number): number {
    if (value < min || value > max) throw this.bad(`${field} ${value} is outside [${min}, ${max}]`);
    return value;
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.data.byteLength) throw this.bad(`truncated at ${field}`);
  }
}
