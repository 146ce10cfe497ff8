import { assert, type Index } from '../core/index.js';
import type { PartitionStore } from './partition-store.js';

/** Kafka's `log.retention.ms` and `log.retention.bytes`; -1 means unlimited. */
export interface RetentionPolicy {
  readonly retentionMs: number;
  readonly retentionBytes: number;
}

/**
 * The last Raft index retention may delete: whole entries at the head, never past `hwIndex` (consumers
 * are promised everything below the high watermark until retention deletes it, and nothing above it
 * is committed). `from` is the index already compacted; returning it means "nothing to delete".
 */
export async function retentionCut(
  store: PartitionStore,
  from: Index,
  hwIndex: Index,
  nowMs: number,
  policy: RetentionPolicy,
): Promise<Index> {
  if (hwIndex <= from) return from;
  const byTime = await timeCut(store, from, hwIndex, nowMs, policy.retentionMs);
  const bySize = await sizeCut(store, from, hwIndex, policy.retentionBytes);
  return Math.max(from, Math.min(hwIndex, Math.max(byTime, bySize)));
}

/**
 * Kafka deletes data once `now - appendTime > retention.ms`. Append times never decrease along the
 * log, so the expired entries are a prefix and the first entry to keep is one seek away.
 */
async function timeCut(store: PartitionStore, from: Index, hwIndex: Index, nowMs: number, retentionMs: number): Promise<Index> {
  if (retentionMs < 0) return from;
  const keep = await store.findByTime(nowMs - retentionMs, hwIndex);
  return keep === undefined ? hwIndex : keep.index - 1;
}

/**
 * Kafka's rule for `retention.bytes`: delete from the head while what remains is still at least
 * retention.bytes (so the log never drops below it, and exceeds it by less than one batch). The size
 * is everything stored after `from`, uncommitted entries included, as Kafka counts its active segment.
 * Bytes-before grows with the index, so the cut is found by binary search over point lookups.
 */
async function sizeCut(store: PartitionStore, from: Index, hwIndex: Index, retentionBytes: number): Promise<Index> {
  if (retentionBytes < 0) return from;
  const last = store.last();
  const first = await store.locate(from + 1);
  if (last === undefined || first === undefined) return from;
  const deletableBytes = last.bytesBefore + last.bytes - first.bytesBefore - retentionBytes;
  if (deletableBytes < 0) return from;
  const limit = first.bytesBefore + deletableBytes; // delete entries whose end stays within it
  let lo = from;
  let hi = hwIndex;
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    const loc = await store.locate(mid);
    assert(loc !== undefined, () => `entry ${mid} between the compaction point and the high watermark is missing`);
    if (loc.bytesBefore + loc.bytes <= limit) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
