/**
 * Checkers: pure functions over the recorded history and what was read back (Jepsen's checker part).
 * They return problems as text; an empty list means the check passed.
 */
import type { BatchResult } from './workload.js';

export interface ReadRecord {
  readonly offset: number;
  readonly value: string;
}

export interface PartitionVerdict {
  readonly partition: number;
  readonly acknowledged: number;
  /** Records read whose batch's outcome was unknown (allowed, at most once each). */
  readonly unknownPresent: number;
  readonly read: number;
  readonly problems: readonly string[];
}

const problemsShownMax = 20;

/**
 * One partition: offsets read are dense from `logStartOffset` to the high watermark, no value twice,
 * every acknowledged value exactly at the offset its acknowledgement gave, and nothing read that was
 * never sent or whose batch definitely failed.
 */
export function checkPartition(
  partition: number,
  history: readonly BatchResult[],
  read: readonly ReadRecord[],
  highWatermark: number,
  logStartOffset = 0,
): PartitionVerdict {
  const problems: string[] = [];
  const report = (p: string) => {
    if (problems.length < problemsShownMax) problems.push(p);
  };
  read.forEach((r, i) => {
    if (r.offset !== logStartOffset + i) report(`record #${i} has offset ${r.offset}, expected ${logStartOffset + i} (offsets not dense)`);
  });
  if (logStartOffset + read.length !== highWatermark) report(`read ${read.length} records from ${logStartOffset}, but the high watermark is ${highWatermark}`);

  const atOffset = new Map<string, number[]>();
  for (const r of read) atOffset.set(r.value, [...(atOffset.get(r.value) ?? []), r.offset]);
  for (const [value, offsets] of atOffset) if (offsets.length > 1) report(`value ${value} read ${offsets.length} times, at offsets ${offsets.join(', ')}`);

  const sent = new Map<string, BatchResult>();
  for (const h of history) for (const v of h.batch.values) sent.set(v, h);
  let acknowledged = 0;
  for (const h of history) {
    if (h.outcome !== 'ok') continue;
    h.batch.values.forEach((v, j) => {
      acknowledged++;
      const expected = h.baseOffset! + j;
      const found = atOffset.get(v);
      if (!found) report(`acknowledged value ${v} (offset ${expected}) is missing`);
      else if (!found.includes(expected)) report(`acknowledged value ${v} should be at offset ${expected}, found at ${found.join(', ')}`);
    });
  }
  let unknownPresent = 0;
  for (const r of read) {
    const h = sent.get(r.value);
    if (!h) report(`offset ${r.offset} holds value ${r.value} that was never sent to partition ${partition}`);
    else if (h.outcome === 'fail') report(`offset ${r.offset} holds value ${r.value} whose batch definitely failed`);
    else if (h.outcome === 'unknown') unknownPresent++;
  }
  return { partition, acknowledged, unknownPresent, read: read.length, problems };
}
