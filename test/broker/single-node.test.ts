/**
 * One real node through the server-start wiring (startNode): real LevelDB in a temp dir, real gRPC
 * on 127.0.0.1. Produce with every acks, fetch back exactly, long-poll, list offsets, metadata,
 * errors, and a restart from the data directory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/cli/node.js';
import { decodeBatch, encodeBatch } from '../../src/log/index.js';
import { call, connect, eventually, type ApiClient } from './client.js';
import { nodeSpecs, removeDir, start, tempDir, type NodeSpec } from './harness.js';

const root = tempDir('runnel-broker-');
let spec: NodeSpec;
let node: RunningNode;
let c: ApiClient;
/** Set by the idempotence test for the restart test. */
let idempotentRetry: { resend: () => Promise<{ error: unknown; baseOffset: number }>; baseOffset: number } | undefined;

const rec = (value: string, key: string | null = 'k') => ({ ...(key === null ? {} : { key: Buffer.from(key) }), value: Buffer.from(value) });

async function produce(topic: string, partition: number, values: string[], acks: 'ACKS_ALL' | 'ACKS_LEADER' | 'ACKS_NONE') {
  const r = await c.send({ acks, topics: [{ topic, partitions: [{ partition, records: values.map((v) => rec(v)) }] }] });
  return r.topics[0]!.partitions[0]!;
}

async function fetchAll(topic: string, partition: number, from: number, count: number) {
  return eventually(async () => {
    const r = await c.read({ maxWaitMs: 200, topics: [{ topic, partitions: [{ partition, fetchOffset: from }] }] });
    const p = r.topics[0]!.partitions[0]!;
    return p.records.length >= count ? p : undefined;
  }, 10_000, `${count} records from ${topic}-${partition}`);
}

beforeAll(async () => {
  spec = (await nodeSpecs(['127.0.0.1'], root))[0]!;
  node = await start(spec!, [spec!]);
  c = connect(`127.0.0.1:${spec!.clientPort}`);
  await eventually(async () => ((await c.check()).status === 'SERVING' ? true : undefined), 10_000, 'the node to serve');
  const created = await c.createTopics({ topics: [{ name: 'orders', numPartitions: 2 }] });
  expect(created.topics[0]!.error).toBeNull();
  expect(created.topics[0]!.numPartitions).toBe(2);
  await eventually(async () => ((await produce('orders', 0, ['warmup'], 'ACKS_ALL')).error ? undefined : true), 10_000, 'a leader for orders-0');
}, 30_000);

afterAll(async () => {
  c?.close();
  await node?.stop();
  removeDir(root);
});

describe('single node', () => {
  it('produces with acks all, 1 and 0 and fetches exactly what was written', async () => {
    // The first write waits for orders-1's leader (elected after the topic was created).
    const all = await eventually(async () => {
      const p = await produce('orders', 1, ['a1', 'a2'], 'ACKS_ALL');
      if (p.error && !p.error.definite) throw new Error(`indefinite error ${p.error.code}`);
      return p.error ? undefined : p;
    }, 10_000, 'a leader for orders-1');
    const one = await produce('orders', 1, ['b1'], 'ACKS_LEADER');
    expect(one.error).toBeNull();
    expect(one.baseOffset).toBe(all.baseOffset + 2);
    const none = await produce('orders', 1, ['c1'], 'ACKS_NONE');
    expect(none.error).toBeNull();
    expect(none.baseOffset).toBe(-1);
    const nullKey = await c.send({ topics: [{ topic: 'orders', partitions: [{ partition: 1, records: [{ value: Buffer.from('d1'), headers: [{ key: 'h', value: Buffer.from('v') }], timestampMs: 1234 }] }] }] });
    expect(nullKey.topics[0]!.partitions[0]!.error).toBeNull();

    const p = await fetchAll('orders', 1, all.baseOffset, 5);
    expect(p.records.map((r) => r.value.toString())).toEqual(['a1', 'a2', 'b1', 'c1', 'd1']);
    expect(p.records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4].map((i) => all.baseOffset + i));
    expect(p.records[0]!.key?.toString()).toBe('k');
    expect(p.records[4]!.key).toBeUndefined();
    expect(p.records[4]!.timestampMs).toBe(1234);
    expect(p.records[4]!.headers.map((h) => [h.key, h.value.toString()])).toEqual([['h', 'v']]);
    expect(p.highWatermark).toBe(all.baseOffset + 5);
    expect(p.nextOffset).toBe(all.baseOffset + 5);
  });

  it('the record-batch fast path: an encoded batch goes in as sent and comes back as stored; a damaged one writes nothing', async () => {
    const end = async () => (await c.listOffsets({ topics: [{ topic: 'orders', partitions: [{ partition: 0, spec: 'OFFSET_SPEC_LATEST' }] }] })).topics[0]!.partitions[0]!.offset;
    const batch = Buffer.from(encodeBatch({ records: [{ key: Buffer.from('bk'), value: Buffer.from('fast-1'), timestampMs: 1_700_000_000_001 }, { key: null, value: Buffer.from('fast-2'), headers: [{ key: 'h', value: Buffer.from('v') }], timestampMs: 1_700_000_000_002 }] }));
    const sendBatch = async (partitionData: object) => (await c.send({ acks: 'ACKS_ALL', topics: [{ topic: 'orders', partitions: [{ partition: 0, ...partitionData }] }] })).topics[0]!.partitions[0]!;

    const before = await end();
    const damaged = Buffer.from(batch);
    damaged[damaged.length - 3]! ^= 0xff;
    const refused = await sendBatch({ recordBatch: damaged });
    expect(refused.error?.code).toBe('ERROR_CODE_CORRUPT');
    expect(refused.error?.definite).toBe(true);
    const both = await sendBatch({ recordBatch: batch, records: [rec('x')] });
    expect(both.error?.code).toBe('ERROR_CODE_INVALID_REQUEST');
    expect(both.error?.message).toContain('either records or record_batch');
    expect(await end()).toBe(before);

    const ok = await sendBatch({ recordBatch: batch });
    expect(ok.error).toBeNull();
    expect(ok.baseOffset).toBe(before);
    const r = await c.read({ maxWaitMs: 0, recordBatches: true, topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: before }] }] });
    const p = r.topics[0]!.partitions[0]!;
    expect(p.records).toEqual([]);
    expect(p.recordBatches).toHaveLength(1);
    const stored = decodeBatch(p.recordBatches[0]!);
    expect(stored.header.baseOffset).toBe(before);
    expect(stored.records().map((x) => [x.offset, x.key?.toString() ?? null, Buffer.from(x.value).toString(), x.timestampMs])).toEqual([
      [before, 'bk', 'fast-1', 1_700_000_000_001],
      [before + 1, null, 'fast-2', 1_700_000_000_002],
    ]);
    // The same records as FetchedRecord messages, for clients that do not read batches.
    const asRecords = (await c.read({ maxWaitMs: 0, topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: before }] }] })).topics[0]!.partitions[0]!;
    expect(asRecords.recordBatches).toEqual([]);
    expect(asRecords.records.map((x) => x.value.toString())).toEqual(['fast-1', 'fast-2']);
    expect(asRecords.records[1]!.headers.map((h) => [h.key, h.value.toString()])).toEqual([['h', 'v']]);
  });

  it('a long-poll fetch wakes when a record is produced', async () => {
    const end = (await c.listOffsets({ topics: [{ topic: 'orders', partitions: [{ partition: 0, spec: 'OFFSET_SPEC_LATEST' }] }] })).topics[0]!.partitions[0]!.offset;
    const t0 = Date.now();
    const pending = c.read({ maxWaitMs: 10_000, topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: end }] }] }, 15_000);
    await new Promise((r) => setTimeout(r, 200));
    await produce('orders', 0, ['late'], 'ACKS_ALL');
    const r = await pending;
    expect(r.topics[0]!.partitions[0]!.records.map((x) => x.value.toString())).toEqual(['late']);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('FetchStream tails a partition and ProduceStream answers by correlation id', async () => {
    const end = (await c.listOffsets({ topics: [{ topic: 'orders', partitions: [{ partition: 0, spec: 'OFFSET_SPEC_LATEST' }] }] })).topics[0]!.partitions[0]!.offset;
    const tail = c.fetch.FetchStream({ topic: 'orders', partition: 0, offset: end }, { deadline: Date.now() + 15_000 });
    const seen: string[] = [];
    const gotThree = new Promise<void>((resolve, reject) => {
      tail.on('data', (m: { records: { value: Buffer }[] }) => {
        for (const r of m.records) seen.push(r.value.toString());
        if (seen.length >= 3) resolve();
      });
      tail.on('error', (e: { code?: number }) => (e.code === 1 ? undefined : reject(e)));
    });
    const stream = c.produce.ProduceStream({ deadline: Date.now() + 15_000 });
    const answers = new Map<number, string | null>();
    const allAnswered = new Promise<void>((resolve) => {
      stream.on('data', (m: { correlationId: number; response: { topics: { partitions: { error: { code: string } | null }[] }[] } | null }) => {
        answers.set(m.correlationId, m.response?.topics[0]?.partitions[0]?.error?.code ?? null);
        if (answers.size === 3) resolve();
      });
    });
    for (const id of [7, 8, 9]) {
      stream.write({ correlationId: id, request: { acks: 'ACKS_ALL', topics: [{ topic: 'orders', partitions: [{ partition: 0, records: [rec(`s${id}`)] }] }] } });
    }
    await allAnswered;
    stream.end();
    expect([...answers.entries()].sort()).toEqual([[7, null], [8, null], [9, null]]);
    await gotThree;
    tail.cancel();
    expect(seen).toEqual(['s7', 's8', 's9']);
  });

  it('lists offsets', async () => {
    const r = await c.listOffsets({
      topics: [{ topic: 'orders', partitions: [{ partition: 1, spec: 'OFFSET_SPEC_EARLIEST' }, { partition: 1, spec: 'OFFSET_SPEC_LATEST' }, { partition: 1, spec: 'OFFSET_SPEC_TIMESTAMP', timestampMs: 0 }] }],
    });
    expect(r.topics[0]!.partitions.map((p) => [p.error, p.offset])).toEqual([[null, 0], [null, 5], [null, 0]]);
  });

  it('metadata names the node, the topic, its partitions and leaders', async () => {
    const md = await eventually(async () => {
      const m = await c.describe();
      return m.topics[0]?.partitions.every((p) => p.leaderId === 1) ? m : undefined;
    }, 10_000, 'leaders in metadata');
    expect(md.controllerId).toBe(1);
    expect(md.nodes).toEqual([{ nodeId: 1, host: '127.0.0.1', port: spec.clientPort }]);
    expect(md.topics.map((t) => [t.name, t.partitions.length])).toEqual([['orders', 2]]);
    expect(md.topics[0]!.partitions[0]!.replicas).toEqual([1]);
  });

  it('an unknown topic is a clear NOT_FOUND-class error; an invalid name and an oversized record are refused', async () => {
    const unknown = await produce('nope', 0, ['x'], 'ACKS_ALL');
    expect(unknown.error?.code).toBe('ERROR_CODE_UNKNOWN_TOPIC');
    expect(unknown.error?.message).toContain('nope');
    expect(unknown.error?.definite).toBe(true);
    const fetched = await c.read({ topics: [{ topic: 'nope', partitions: [{ partition: 0, fetchOffset: 0 }] }] });
    expect(fetched.topics[0]!.partitions[0]!.error?.code).toBe('ERROR_CODE_UNKNOWN_TOPIC');
    const bad = await produce('bad name!', 0, ['x'], 'ACKS_ALL');
    expect(bad.error?.code).toBe('ERROR_CODE_INVALID_TOPIC');
    const big = await c.send({ topics: [{ topic: 'orders', partitions: [{ partition: 0, records: [{ value: Buffer.alloc(1_000_001) }] }] }] });
    expect(big.topics[0]!.partitions[0]!.error?.code).toBe('ERROR_CODE_RECORD_TOO_LARGE');
    const noPartition = await produce('orders', 7, ['x'], 'ACKS_ALL');
    expect(noPartition.error?.code).toBe('ERROR_CODE_UNKNOWN_PARTITION');
    // Over runnel.request.max.bytes (8 MiB): refused by gRPC itself.
    const records = Array.from({ length: 9 }, () => ({ value: Buffer.alloc(1_000_000) }));
    const tooBig = await c.send({ topics: [{ topic: 'orders', partitions: [{ partition: 0, records }] }] }).then(
      () => undefined,
      (err: { grpcCode?: number }) => err.grpcCode,
    );
    expect(tooBig).toBe(8); // RESOURCE_EXHAUSTED
  });

  it('deletes a topic and drops its partition groups', async () => {
    const created = await c.createTopics({ topics: [{ name: 'doomed', numPartitions: 1 }] });
    expect(created.topics[0]!.error).toBeNull();
    await eventually(() => (node.broker.hostedGroupIds().length === 3 ? true : undefined), 10_000, 'the new group');
    const deleted = await call<{ names: string[] }, { topics: { error: unknown }[] }>(c.admin.DeleteTopics.bind(c.admin), { names: ['doomed'] });
    expect(deleted.topics[0]!.error).toBeNull();
    expect((await produce('doomed', 0, ['x'], 'ACKS_ALL')).error?.code).toBe('ERROR_CODE_UNKNOWN_TOPIC');
    await eventually(() => (node.broker.hostedGroupIds().length === 2 ? true : undefined), 10_000, 'the group to be removed');
  });

  it('retention deletes expired batches at the head (topic retention.ms)', async () => {
    const created = await c.createTopics({ topics: [{ name: 'short', numPartitions: 1, configs: [{ name: 'retention.ms', value: '1' }] }] });
    expect(created.topics[0]!.error).toBeNull();
    const first = await eventually(async () => {
      const p = await produce('short', 0, ['old-1', 'old-2'], 'ACKS_ALL');
      return p.error ? undefined : p;
    }, 10_000, 'a leader for short-0');
    expect(first.baseOffset).toBe(0);
    const start = await eventually(async () => {
      const r = await c.listOffsets({ topics: [{ topic: 'short', partitions: [{ partition: 0, spec: 'OFFSET_SPEC_EARLIEST' }] }] });
      const o = r.topics[0]!.partitions[0]!.offset;
      return o === 2 ? o : undefined;
    }, 10_000, 'retention to move the log start offset past the expired batch');
    const gone = await c.read({ topics: [{ topic: 'short', partitions: [{ partition: 0, fetchOffset: 0 }] }] });
    expect(gone.topics[0]!.partitions[0]!.error?.code).toBe('ERROR_CODE_OFFSET_OUT_OF_RANGE');
    const next = await produce('short', 0, ['new'], 'ACKS_ALL');
    expect(next.baseOffset).toBe(start);
    const read = await c.read({ topics: [{ topic: 'short', partitions: [{ partition: 0, fetchOffset: start }] }] });
    expect(read.topics[0]!.partitions[0]!.records.map((r) => r.value.toString())).toEqual(['new']);
  });

  it('idempotent producers: unique ids, a retry answered with the original offsets, gaps refused', async () => {
    const initId = () => call<object, { producerId: number; producerEpoch: number }>(c.produce.InitProducerId.bind(c.produce), {});
    const ids = await Promise.all(Array.from({ length: 20 }, initId));
    expect(new Set(ids.map((r) => r.producerId)).size).toBe(20);
    expect(ids.every((r) => r.producerEpoch === 0 && Number.isSafeInteger(r.producerId) && r.producerId > 2 ** 20)).toBe(true);
    const producerId = ids[0]!.producerId;
    const send = (baseSequence: number, values: string[]) =>
      c.send({ acks: 'ACKS_ALL', topics: [{ topic: 'orders', partitions: [{ partition: 0, records: values.map((v) => rec(v)), producer: { producerId, producerEpoch: 0, baseSequence } }] }] }).then((r) => r.topics[0]!.partitions[0]!);
    const first = await send(0, ['i0', 'i1']);
    expect(first.error).toBeNull();
    const retry = await send(0, ['i0', 'i1']);
    expect(retry.error).toBeNull();
    expect(retry.baseOffset).toBe(first.baseOffset);
    const gap = await send(5, ['gap']);
    expect(gap.error?.code).toBe('ERROR_CODE_OUT_OF_ORDER_SEQUENCE');
    expect(gap.error?.definite).toBe(true);
    const next = await send(2, ['i2']);
    expect(next.baseOffset).toBe(first.baseOffset + 2);
    expect((await send(0, ['i0'])).error?.code).toBe('ERROR_CODE_OUT_OF_ORDER_SEQUENCE'); // same start, other length: not a retry
    idempotentRetry = { resend: () => send(2, ['i2']), baseOffset: next.baseOffset };
  });

  it('restarts from its data directory with everything it had', async () => {
    const before = await fetchAll('orders', 1, 0, 5);
    await node.stop();
    c.close();
    node = await start(spec, [spec]);
    c = connect(`127.0.0.1:${spec.clientPort}`);
    await eventually(async () => ((await c.check()).status === 'SERVING' ? true : undefined), 20_000, 'the restarted node to serve');
    const after = await fetchAll('orders', 1, 0, 5);
    expect(after.records.map((r) => [r.offset, r.value.toString()])).toEqual(before.records.map((r) => [r.offset, r.value.toString()]));
    const next = await eventually(async () => {
      const p = await produce('orders', 1, ['after-restart'], 'ACKS_ALL');
      return p.error ? undefined : p;
    }, 10_000, 'produce after restart');
    expect(next.baseOffset).toBe(before.highWatermark);
    // The producer state is rebuilt from the log: a retry from before the restart is still a duplicate.
    const again = await eventually(async () => {
      const r = await idempotentRetry!.resend();
      const e = r.error as { code: string } | null;
      // Until orders-0 has elected its leader again.
      return e !== null && ['ERROR_CODE_NOT_LEADER', 'ERROR_CODE_PROPOSAL_DROPPED'].includes(e.code) ? undefined : r;
    }, 10_000, 'the resend after the restart');
    expect(again.error).toBeNull();
    expect(again.baseOffset).toBe(idempotentRetry!.baseOffset);
  });
});
