import type { Rng } from '../core/index.js';

declare const brand: unique symbol;
/**
 * Topic ids and node incarnation ids: 128-bit UUIDs (Kafka's topic id and incarnation id) in their
 * canonical text form, lowercase with dashes, as `crypto.randomUUID()` returns them. 16 bytes on the
 * wire. The all-zero UUID is reserved (Kafka's ZERO_UUID) and never names anything.
 */
export type Uuid = string & { readonly [brand]?: 'Uuid' };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const zeroUuid: Uuid = '00000000-0000-0000-0000-000000000000';
export const uuidBytes = 16;

/** Canonical form only: lowercase, dashed, not the reserved zero UUID. */
export function isUuid(value: string): value is Uuid {
  return uuidPattern.test(value) && value !== zeroUuid;
}

export function uuidToBytes(id: Uuid, out: Uint8Array, at: number): void {
  const hex = id.replace(/-/g, '');
  for (let i = 0; i < uuidBytes; i++) out[at + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
}

export function uuidFromBytes(bytes: Uint8Array, at: number): Uuid {
  let hex = '';
  for (let i = 0; i < uuidBytes; i++) hex += bytes[at + i]!.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A version-4 UUID from an injected Rng, for the simulator and tests (the broker may use crypto). */
export function randomUuid(rng: Rng): Uuid {
  const bytes = new Uint8Array(uuidBytes);
  for (let i = 0; i < uuidBytes; i++) bytes[i] = rng.int(0, 256);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  return uuidFromBytes(bytes, 0);
}
