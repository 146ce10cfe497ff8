import { corrupt } from './log-errors.js';

const two32 = 4_294_967_296;

/**
 * int64 fields hold JavaScript numbers: exact up to 2^53, which covers every offset, timestamp and
 * producer id Runnel assigns. Written as two 32-bit halves, so no BigInt on the hot path.
 */
export function writeInt64(view: DataView, at: number, value: number): void {
  view.setInt32(at, Math.floor(value / two32));
  view.setUint32(at + 4, value >>> 0); // ToUint32 keeps the low 32 bits, two's complement for negatives
}

/** Throws RUNNEL_ERR_CORRUPT for a value outside the exact range rather than rounding it. */
export function readInt64(view: DataView, at: number, field: string): number {
  const value = view.getInt32(at) * two32 + view.getUint32(at + 4);
  if (!Number.isSafeInteger(value)) throw corrupt(`${field} does not fit in 53 bits`);
  return value;
}
