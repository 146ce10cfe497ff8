import { describe, expect, it } from 'vitest';
import { RunnelError } from '../../src/core/index.js';
import { decodeBatch, decodePartitionSnapshot, encodeBatch, PartitionLog, type StoredBatch } from '../../src/log/index.js';
import { simpleBatch } from './arbitraries.js';
import { LogHarness } from './log-harness.js';
import { MemoryPartitionStore } from './memory-partition-store.js';

const t0 = 1_700_000_000_000;

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(RunnelError);
    expect((err as RunnelError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** The offsets of every record in the fetched batches. */
function offsetsOf(batches: readonly Uint8Array[]): number[] {
  return batches.flatMap((b) => {
    const d = decodeBatch(b);
    return Array.from({ length: d.recordCount }, (_, i) => d.offset(i));
  });
}

async function leaderWith(...counts: number[]): Promise<LogHarness> {
  const h = await LogHarness.create();
  h.becomeLeader();
  counts.forEach((n, i) => h.produce(simpleBatch(n, `b${i}`), t0 + i * 1000));
  return h;
}

describe('offsets and the high watermark', () => {
  it('assigns dense offsets from the log end offset, committed or not', async () => {
    const h = await leaderWith(2, 3, 1);
    expect(h.log.logEndOffset).toBe(6);
    expect(h.log.highWatermark).toBe(0);
    const stored = h.store.all().filter((e) => e.data).map((e) => decodeBatch(e.data!).header.baseOffset);
    expect(stored).toEqual([0, 2, 5]);
  });

  it('serves nothing above the high watermark', async () => {
    const h = await leaderWith(2, 3, 1);
    expect((await h.log.fetch(0, 1 << 20)).batches).toEqual([]);
    await expectCode(h.log.fetch(1, 1 << 20), 'RUNNEL_ERR_OFFSET_OUT_OF_RANGE');
    h.commitTo(3); // the no-op and the first two batches
    expect(h.log.highWatermark).toBe(5);
    const r = await h.log.fetch(0, 1 << 20);
    expect(offsetsOf(r.batches)).toEqual([0, 1, 2, 3, 4]);
    expect(r).toMatchObject({ nextOffset: 5, highWatermark: 5, logStartOffset: 0 });
    await expectCode(h.log.fetch(6, 1 << 20), 'RUNNEL_ERR_OFFSET_OUT_OF_RANGE');
  });

  it('fetches from the batch holding the offset, within the byte budget but at least one batch', async () => {
    const h = await leaderWith(2, 3, 1);
    h.commitAll();
    const one = await h.log.fetch(3, 1);
    expect(offsetsOf(one.batches)).toEqual([2, 3, 4]);
    expect(one.nextOffset).toBe(5);
    const budget = one.batches[0]!.length + 1; // room for the first only
    expect((await h.log.fetch(2, budget)).batches).toHaveLength(1);
    expect((await h.log.fetch(0, 1 << 20)).batches).toHaveLength(3);
  });

  it('keeps to the byte budget even if the store returns more', async () => {
    const h = await leaderWith(2, 3, 1);
    h.commitAll();
    const read = h.store.readFromOffset.bind(h.store);
    h.store.readFromOffset = (offset, _maxBytes, maxIndex) => read(offset, 1 << 30, maxIndex);
    expect((await h.log.fetch(0, 1)).batches).toHaveLength(1);
    const sizes = h.store.all().filter((e) => e.data).map((e) => e.bytes);
    expect((await h.log.fetch(0, sizes[0]! + sizes[1]!)).batches).toHaveLength(2);
  });

  it('rejects bad fetch arguments', async () => {
    const h = await leaderWith(1);
    await expectCode(h.log.fetch(0, 0), 'RUNNEL_ERR_INVALID_REQUEST');
    await expectCode(h.log.fetch(0.5, 10), 'RUNNEL_ERR_INVALID_REQUEST');
    await expectCode(h.log.fetch(-1, 10), 'RUNNEL_ERR_OFFSET_OUT_OF_RANGE');
  });

  it('continues at the high watermark after a new leader drops uncommitted entries', async () => {
    const h = await leaderWith(2);
    h.commitAll();
    h.produce(simpleBatch(4, 'lost'), t0);
    h.loseLeadership(0);
    h.becomeLeader();
    expect(h.log.logEndOffset).toBe(2);
    expect(h.produce(simpleBatch(1, 'next'), t0).baseOffset).toBe(2);
    h.commitAll();
    expect(offsetsOf((await h.log.fetch(0, 1 << 20)).batches)).toEqual([0, 1, 2]);
  });

  it('keeps uncommitted entries a new leader kept', async () => {
    const h = await leaderWith(2, 2);
    h.loseLeadership(2);
    h.becomeLeader();
    expect(h.log.highWatermark).toBe(4);
    expect(h.produce(simpleBatch(1, 'x'), t0).baseOffset).toBe(4);
  });

  it('changes nothing when the proposal is dropped', async () => {
    const h = await leaderWith(2);
    const data = encodeBatch(simpleBatch(3, 'dropped'));
    expect(() =>
      h.log.append(data, t0, () => {
        throw new Error('dropped');
      }),
    ).toThrow('dropped');
    expect(h.log.logEndOffset).toBe(2);
    expect(h.produce(simpleBatch(1, 'ok'), t0).baseOffset).toBe(2);
  });

  it('refuses appends when not leading, and damaged or invalid batches', async () => {
    const h = await LogHarness.create();
    await expectCode(() => h.produce(simpleBatch(1, 'a'), t0), 'RUNNEL_ERR_NOT_LEADER');
    h.becomeLeader();
    const data = encodeBatch(simpleBatch(2, 'a'));
    data[data.length - 1]! ^= 1;
    await expectCode(() => h.log.append(data, t0, () => undefined), 'RUNNEL_ERR_CORRUPT');
    expect(h.log.logEndOffset).toBe(0);
  });

  it('stamps append times that never decrease, across leaders', async () => {
    const h = await LogHarness.create();
    h.becomeLeader();
    expect(h.produce(simpleBatch(1, 'a'), t0 + 500).appendTimeMs).toBe(t0 + 500);
    expect(h.produce(simpleBatch(1, 'b'), t0 + 100).appendTimeMs).toBe(t0 + 500);
    h.commitAll();
    h.loseLeadership(0);
    h.becomeLeader();
    expect(h.produce(simpleBatch(1, 'c'), t0).appendTimeMs).toBe(t0 + 500);
    expect(h.produce(simpleBatch(1, 'd'), t0 + 900).appendTimeMs).toBe(t0 + 900);
  });
});

describe('list offsets', () => {
  it('earliest, latest and by append time', async () => {
    const h = await leaderWith(2, 3, 1); // appended at t0, t0+1000, t0+2000
    h.commitTo(3);
    expect(await h.log.listOffsets({ kind: 'earliest' })).toBe(0);
    expect(await h.log.listOffsets({ kind: 'latest' })).toBe(5);
    const at = (timestampMs: number): Promise<number> => h.log.listOffsets({ kind: 'timestamp', timestampMs });
    expect(await at(0)).toBe(0);
    expect(await at(t0)).toBe(0);
    expect(await at(t0 + 1)).toBe(2);
    expect(await at(t0 + 1000)).toBe(2);
    expect(await at(t0 + 1001)).toBe(5); // only the uncommitted batch is that recent: latest
  });
});

describe('retention', () => {
  it('deletes whole expired batches by append time', async () => {
    const h = await leaderWith(2, 3, 1);
    h.commitAll();
    const plan = await h.retain(t0 + 1500, { retentionMs: 1000, retentionBytes: -1 });
    // Only the batch appended at t0 is older than 1000 ms; the no-op before it goes too.
    expect(plan).toMatchObject({ compactIndex: 2, logStartOffset: 2 });
    expect(h.log.logStartOffset).toBe(2);
    expect(decodePartitionSnapshot(plan!.snapshot)).toEqual({ logStartOffset: 2, endOffset: 2, producers: [] });
    await expectCode(h.log.fetch(1, 100), 'RUNNEL_ERR_OFFSET_OUT_OF_RANGE');
    expect(offsetsOf((await h.log.fetch(2, 1 << 20)).batches)).toEqual([2, 3, 4, 5]);
    expect(await h.log.listOffsets({ kind: 'earliest' })).toBe(2);
    expect(await h.log.listOffsets({ kind: 'timestamp', timestampMs: 0 })).toBe(2);
    expect(await h.retain(t0 + 1500, { retentionMs: 1000, retentionBytes: -1 })).toBeUndefined();
  });

  it('never deletes past the high watermark', async () => {
    const h = await leaderWith(2, 3, 1);
    h.commitTo(3);
    const plan = await h.retain(t0 + 10_000_000, { retentionMs: 0, retentionBytes: -1 });
    expect(plan).toMatchObject({ compactIndex: 3, logStartOffset: 5 });
    expect(h.log.highWatermark).toBe(5);
    expect((await h.log.fetch(5, 100)).batches).toEqual([]);
    h.commitAll();
    expect(offsetsOf((await h.log.fetch(5, 100)).batches)).toEqual([5]);
  });

  it('trims by size while what remains is at least retention.bytes (Kafka)', async () => {
    const h = await leaderWith(1, 1, 1, 1);
    h.commitAll();
    const sizes = h.store.all().map((e) => e.bytes); // [0 (no-op), b, b, b, b]
    const b = sizes[1]!;
    await h.retain(t0, { retentionMs: -1, retentionBytes: 4 * b }); // may drop the empty no-op only
    expect(h.log.logStartOffset).toBe(0);
    expect(await h.retain(t0, { retentionMs: -1, retentionBytes: 4 * b })).toBeUndefined();
    expect(await h.retain(t0, { retentionMs: -1, retentionBytes: 3 * b })).toMatchObject({ logStartOffset: 1 });
    expect(await h.retain(t0, { retentionMs: -1, retentionBytes: 2 * b - 1 })).toMatchObject({ logStartOffset: 2 });
    expect(await h.retain(t0, { retentionMs: -1, retentionBytes: 0 })).toMatchObject({ logStartOffset: 4 });
  });

  it('a follower restores from the retention snapshot and continues the log', async () => {
    const h = await leaderWith(2, 3);
    h.commitAll();
    const plan = (await h.retain(t0 + 500, { retentionMs: 100, retentionBytes: -1 }))!;
    expect(plan.logStartOffset).toBe(2);
    const store = new MemoryPartitionStore();
    store.restore(plan.compactIndex, 2);
    const follower = await PartitionLog.open({ store, nodeId: 2, groupId: 7, commitIndex: plan.compactIndex, snapshot: { index: plan.compactIndex, data: plan.snapshot } });
    expect([follower.logStartOffset, follower.highWatermark]).toEqual([2, 2]);
    for (const e of h.store.all().filter((x) => x.index > plan.compactIndex)) {
      store.append(e.index, e.term, e.data);
      follower.apply(e.index, e.data && decodeBatch(e.data).header);
    }
    expect(offsetsOf((await follower.fetch(2, 1 << 20)).batches)).toEqual([2, 3, 4]);
  });

  it('restoreSnapshot moves a running follower past everything it had', async () => {
    const h = await leaderWith(2, 3);
    h.commitAll();
    const plan = (await h.retain(t0 + 5000, { retentionMs: 0, retentionBytes: -1 }))!;
    const f = await LogHarness.create();
    f.store.restore(plan.compactIndex, plan.logStartOffset);
    f.log.restoreSnapshot(plan.compactIndex, plan.snapshot);
    expect([f.log.logStartOffset, f.log.highWatermark, f.log.appliedIndex]).toEqual([5, 5, plan.compactIndex]);
    await expectCode(f.log.fetch(4, 10), 'RUNNEL_ERR_OFFSET_OUT_OF_RANGE');
  });
});

describe('restart', () => {
  it('reopens with the same offsets and append time floor', async () => {
    const h = await leaderWith(2, 3);
    h.produce(simpleBatch(1, 'late'), t0 + 9000);
    h.commitAll();
    const plan = (await h.retain(t0 + 1500, { retentionMs: 1000, retentionBytes: -1 }))!;
    const before = [h.log.logStartOffset, h.log.highWatermark, h.log.appliedIndex];
    await h.reopen({ index: plan.compactIndex, data: plan.snapshot });
    expect([h.log.logStartOffset, h.log.highWatermark, h.log.appliedIndex]).toEqual(before);
    expect(h.log.isLeading).toBe(false);
    h.becomeLeader();
    expect(h.produce(simpleBatch(1, 'after'), t0).appendTimeMs).toBe(t0 + 9000);
  });

  it('opens a group that never compacted', async () => {
    const h = await leaderWith(2);
    h.commitAll();
    await h.reopen(undefined);
    expect([h.log.logStartOffset, h.log.highWatermark]).toEqual([0, 2]);
  });
});

describe('corruption on the read path', () => {
  it('reports a damaged stored batch instead of serving it', async () => {
    const h = await leaderWith(2, 3);
    h.commitAll();
    h.store.onRead = (b: StoredBatch) => {
      const data = b.data.slice();
      data[data.length - 2]! ^= 0x10;
      return { ...b, data };
    };
    await expectCode(h.log.fetch(0, 1 << 20), 'RUNNEL_ERR_CORRUPT');
  });

  it('reports a store whose index disagrees with the batch header', async () => {
    const h = await leaderWith(2, 3);
    h.commitAll();
    h.store.onRead = (b: StoredBatch) => ({ ...b, endOffset: b.endOffset + 1 });
    await expectCode(h.log.fetch(0, 1 << 20), 'RUNNEL_ERR_CORRUPT');
  });
});
