/**
 * Every stored value starts with a CRC32C (u32 big-endian) computed over the key and then the rest
 * of the value: a value copied under the wrong key fails as surely as a flipped bit.
 */
import { crc32c } from '@node-rs/crc32';

export const CRC_BYTES = 4;

function compute(key: Buffer, value: Buffer): number {
  return crc32c(value.subarray(CRC_BYTES), crc32c(key)) >>> 0;
}

/** Fill in the CRC of a value whose first CRC_BYTES bytes are reserved for it; returns the CRC. */
export function sealValue(key: Buffer, value: Buffer): number {
  const crc = compute(key, value);
  value.writeUInt32BE(crc, 0);
  return crc;
}

/** The stored CRC if it matches the contents, else undefined. */
export function verifiedCrc(key: Buffer, value: Buffer): number | undefined {
  if (value.byteLength < CRC_BYTES) return undefined;
  const stored = value.readUInt32BE(0);
  return stored === compute(key, value) ? stored : undefined;
}
