/**
 * Cheap, deterministic fingerprints. The checker compares entries across nodes by a 32-bit
 * fingerprint instead of by bytes (the data is unique per proposal, so a collision would need two
 * distinct payloads at the same index with the same hash), and the state machines chain those
 * fingerprints into a 53-bit running hash that fits a JS number exactly.
 */
import type { Entry } from '../../src/raft/index.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over an entry's type and payload. */
export function entryFingerprint(e: Pick<Entry, 'type' | 'data'>): number {
  let h = Math.imul(FNV_OFFSET ^ e.type, FNV_PRIME);
  const data = e.data;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, FNV_PRIME);
  return h >>> 0;
}

/** The running hash of a state machine that starts empty. */
export const INITIAL_STATE_HASH = 0;

/** cyrb53-style mix of the previous running hash with the entry applied at `index`. */
export function chainHash(prev: number, index: number, fingerprint: number): number {
  let h1 = (prev >>> 0) ^ 0xdeadbeef;
  let h2 = Math.floor(prev / 4294967296) ^ 0x41c6ce57;
  h1 = Math.imul(h1 ^ index, 2654435761);
  h2 = Math.imul(h2 ^ index, 1597334677);
  h1 = Math.imul(h1 ^ fingerprint, 2654435761);
  h2 = Math.imul(h2 ^ fingerprint, 1597334677);
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Fold a few integers into a 32-bit running fingerprint (the trace's determinism check). */
export function mix32(h: number, v: number): number {
  return Math.imul(h ^ (v | 0), FNV_PRIME) >>> 0;
}
