import type { Index, Offset } from '../core/index.js';
import { describeBatch, verifyBatch } from './batch-header.js';
import { corrupt } from './log-errors.js';
import { baseOffsetOf, type StoredBatch } from './partition-store.js';

/**
 * Check what the store returned for a fetch and keep what fits: the first batch holds `offset`,
 * batches are contiguous and committed (index <= maxIndex), each CRC matches and its header agrees with
 * the store's index of it; then whole batches while the byte budget lasts (always at least one).
 * Assert after the read: a disagreement is reported as corrupt data, never served.
 */
export function checkFetched(stored: readonly StoredBatch[], offset: Offset, maxBytes: number, maxIndex: Index): Uint8Array[] {
  const out: Uint8Array[] = [];
  let bytes = 0;
  let expectedBase = -1;
  for (const b of stored) {
    if (out.length > 0 && bytes + b.bytes > maxBytes) break;
    checkOne(b, maxIndex);
    const base = baseOffsetOf(b);
    if (out.length === 0 && !(base <= offset && offset < b.endOffset)) {
      throw corrupt(`store returned offsets [${base}, ${b.endOffset}) for offset ${offset}`, { index: b.index });
    }
    if (out.length > 0 && base !== expectedBase) {
      throw corrupt(`store returned a gap: offset ${base} after ${expectedBase}`, { index: b.index });
    }
    out.push(b.data);
    bytes += b.bytes;
    expectedBase = b.endOffset;
  }
  return out;
}

function checkOne(b: StoredBatch, maxIndex: Index): void {
  if (b.index > maxIndex) throw corrupt(`store returned entry ${b.index} above the high watermark entry ${maxIndex}`);
  verifyBatch(b.data);
  const d = describeBatch(b.data);
  if (d.recordCount !== b.recordCount || d.baseOffset + d.recordCount !== b.endOffset) {
    throw corrupt(`entry ${b.index} holds offsets [${d.baseOffset}, ${d.baseOffset + d.recordCount}) but is stored as [${baseOffsetOf(b)}, ${b.endOffset})`, {
      index: b.index,
    });
  }
}
