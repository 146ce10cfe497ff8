/**
 * The client library against one real node started in this process (real LevelDB in a temp dir,
 * real gRPC on 127.0.0.1): Admin create/describe/delete, 1,000 keyed records through the Producer
 * (acks=all) landing on their murmur2 partitions, read back with the Consumer from the beginning,
 * exactly once and in per-partition order; an unknown topic fails clearly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnelError } from '../../src/core/index.js';
import { AdminClient, Consumer, Producer, partitionForKey, type ConsumerRecord } from '../../src/client/index.js';
import { connect, eventually } from '../broker/client.js';
import { useSingleNode } from '../support/single-node.js';
import { decodeBatch } from '../../src/log/index.js';

const node = useSingleNode('runnel-client-');
let bootstrap: string;
let admin: AdminClient;

beforeAll(() => {
  bootstrap = node.bootstrap;
  admin = new AdminClient({ bootstrapServers: [bootstrap], operationTimeoutMs: 10_000 });
});

afterAll(() => {
  admin?.close();
});

/** Polls (`pollMs` each) until `done(got)` or `timeoutMs` passed; `each` sees every poll's records first. */
async function pollUntil(
  consumer: Consumer,
  done: (got: readonly ConsumerRecord[]) => boolean,
  timeoutMs: number,
  pollMs: number,
  each: (polled: readonly ConsumerRecord[]) => void = () => {},
): Promise<ConsumerRecord[]> {
  const got: ConsumerRecord[] = [];
  const until = Date.now() + timeoutMs;
  while (!done(got) && Date.now() < until) {
    const polled = await consumer.poll(pollMs);
    each(polled);
    got.push(...polled);
  }
  return got;
}

describe('client library', () => {
  it('admin creates, describes, lists and deletes a topic', async () => {
    const [created] = await admin.createTopics([{ name: 'admin-t', numPartitions: 2, replicationFactor: 1 }]);
    expect(created!.error).toBeNull();
    expect(created!.numPartitions).toBe(2);
    const again = await admin.createTopics([{ name: 'admin-t', numPartitions: 2 }]);
    expect(again[0]!.error?.code).toBe('RUNNEL_ERR_TOPIC_ALREADY_EXISTS');
    expect(again[0]!.error?.definite).toBe(true);
    const [described] = await admin.describeTopics(['admin-t']);
    expect(described!.error).toBeNull();
    expect(described!.partitions.map((p) => p.partition)).toEqual([0, 1]);
    expect(await admin.listTopics()).toContain('admin-t');
    const cluster = await admin.describeCluster();
    expect(cluster.nodes.map((n) => n.nodeId)).toEqual([1]);
    expect(cluster.controllerId).toBe(1);
    const [deleted] = await admin.deleteTopics(['admin-t']);
    expect(deleted!.error).toBeNull();
    await eventually(async () => ((await admin.listTopics()).includes('admin-t') ? undefined : true), 10_000, 'the topic to go');
  }, 30_000);

  it('an unknown topic gives a clear, definite error', async () => {
    const [d] = await admin.describeTopics(['no-such-topic']);
    expect(d!.error?.code).toBe('RUNNEL_ERR_UNKNOWN_TOPIC');
    const producer = new Producer({ bootstrapServers: [bootstrap], operationTimeoutMs: 5_000 });
    const consumer = new Consumer({ bootstrapServers: [bootstrap], operationTimeoutMs: 5_000 });
    try {
      const err = await producer.send('no-such-topic', { value: 'v' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunnelError);
      expect((err as RunnelError).code).toBe('RUNNEL_ERR_UNKNOWN_TOPIC');
      expect((err as RunnelError).definite).toBe(true);
      expect((err as RunnelError).message).toContain('no-such-topic');
      await expect(consumer.assignTopic('no-such-topic')).rejects.toMatchObject({ code: 'RUNNEL_ERR_UNKNOWN_TOPIC' });
    } finally {
      await producer.close();
      consumer.close();
    }
  }, 30_000);

  it('produces 1,000 keyed records (acks=all) to murmur2 partitions and consumes each once, in order', async () => {
    const [created] = await admin.createTopics([{ name: 'orders', numPartitions: 3, replicationFactor: 1 }]);
    expect(created!.error).toBeNull();
    const producer = new Producer({ bootstrapServers: [bootstrap], acks: 'all', lingerMs: 5, batchSizeBytes: 4_096, deliveryTimeoutMs: 20_000 });
    const n = 1_000;
    const sent: { key: string; value: string }[] = [];
    const acks: Promise<{ partition: number; offset: number }>[] = [];
    for (let i = 0; i < n; i++) {
      const key = `key-${i % 37}`;
      const value = `value-${i}`;
      sent.push({ key, value });
      acks.push(producer.send('orders', { key, value, headers: { i: String(i) } }));
    }
    const results = await Promise.all(acks);
    await producer.close();
    for (const [i, r] of results.entries()) {
      expect(r.partition).toBe(partitionForKey(Buffer.from(sent[i]!.key), 3));
      expect(r.offset).toBeGreaterThanOrEqual(0);
    }

    const consumer = new Consumer({ bootstrapServers: [bootstrap], autoOffsetReset: 'earliest' });
    try {
      await consumer.assignTopic('orders');
      const got = await pollUntil(consumer, (g) => g.length >= n, 20_000, 500);
      expect(got.length).toBe(n);
      // Nothing more arrives.
      expect(await consumer.poll(200)).toEqual([]);

      for (const p of [0, 1, 2]) {
        const consumed = got.filter((r) => r.partition === p);
        const produced = sent.map((s, i) => ({ ...s, i, ack: results[i]! })).filter((s) => s.ack.partition === p);
        expect(consumed.map((r) => r.value.toString())).toEqual(produced.map((s) => s.value));
        expect(consumed.map((r) => r.offset)).toEqual(produced.map((s) => s.ack.offset));
        for (const r of consumed) {
          expect(partitionForKey(r.key!, 3)).toBe(p);
          expect(r.headers['i']?.toString()).toBe(r.value.toString().slice('value-'.length));
          expect(r.timestampMs).toBeGreaterThan(0);
        }
      }
      // seek: re-read partition 0 from its second record.
      const p0 = got.filter((r) => r.partition === 0);
      consumer.assign([{ topic: 'orders', partition: 0 }]);
      consumer.seek({ topic: 'orders', partition: 0 }, p0[1]!.offset);
      const again = await consumer.poll(1_000);
      expect(again[0]!.offset).toBe(p0[1]!.offset);
      expect(again[0]!.value.toString()).toBe(p0[1]!.value.toString());
    } finally {
      consumer.close();
    }
  }, 30_000);

  it('maxPollRecords bounds every poll, positions follow the records handed out, and a seek drops what was buffered', async () => {
    const [created] = await admin.createTopics([{ name: 'bounded', numPartitions: 1, replicationFactor: 1 }]);
    expect(created!.error).toBeNull();
    const producer = new Producer({ bootstrapServers: [bootstrap], lingerMs: 5, batchSizeBytes: 1 << 20 });
    await Promise.all(Array.from({ length: 300 }, (_, i) => producer.send('bounded', { value: `v${i}` })));
    await producer.close();
    expect(() => new Consumer({ bootstrapServers: [bootstrap], maxPollRecords: 0 })).toThrow(expect.objectContaining({ code: 'RUNNEL_ERR_INVALID_CONFIG' }));
    const consumer = new Consumer({ bootstrapServers: [bootstrap], autoOffsetReset: 'earliest', maxPollRecords: 50 });
    const tp = { topic: 'bounded', partition: 0 };
    const readAll = (count: number) =>
      pollUntil(consumer, (g) => g.length >= count, 20_000, 500, (polled) => {
        expect(polled.length).toBeLessThanOrEqual(50);
        if (polled.length > 0) expect(consumer.position(tp)).toBe(polled.at(-1)!.offset + 1);
      });
    try {
      consumer.assign([tp]);
      const first = await readAll(100);
      expect(first.map((r) => r.offset)).toEqual(Array.from({ length: first.length }, (_, i) => i));
      expect(first.length).toBeLessThan(300); // the answer had more: the rest is buffered
      consumer.seek(tp, 20); // the rest of the answer (buffered) is for offset 100 on: dropped
      const rest = await readAll(280);
      expect(rest.map((r) => r.value.toString())).toEqual(Array.from({ length: 280 }, (_, i) => `v${20 + i}`));
      expect(consumer.position(tp)).toBe(300);
      expect(await consumer.poll(200)).toEqual([]);
    } finally {
      await consumer.close();
    }
  }, 30_000);

  it('acks 1 and 0, null keys and an explicit partition', async () => {
    expect((await admin.createTopics([{ name: 'acks', numPartitions: 3, replicationFactor: 1 }]))[0]!.error).toBeNull();
    const one = new Producer({ bootstrapServers: [bootstrap], acks: '1', lingerMs: 0 });
    const zero = new Producer({ bootstrapServers: [bootstrap], acks: '0', lingerMs: 0 });
    try {
      const a = await one.send('acks', { value: 'a', partition: 2 });
      expect(a).toEqual({ topic: 'acks', partition: 2, offset: expect.any(Number) });
      expect(a.offset).toBeGreaterThanOrEqual(0);
      const b = await zero.send('acks', { value: 'b', partition: 2 });
      expect(b.offset).toBe(-1);
      const nullKeyed = await Promise.all(Array.from({ length: 20 }, (_, i) => one.send('acks', { value: `n${i}` })));
      for (const r of nullKeyed) expect([0, 1, 2]).toContain(r.partition);
      await expect(one.send('acks', { value: 'x', partition: 3 })).rejects.toMatchObject({ code: 'RUNNEL_ERR_UNKNOWN_PARTITION' });
    } finally {
      await one.close();
      await zero.close();
    }
    const consumer = new Consumer({ bootstrapServers: [bootstrap], autoOffsetReset: 'earliest' });
    try {
      consumer.assign([{ topic: 'acks', partition: 2 }]);
      const got = await pollUntil(consumer, (g) => g.some((r) => r.value.toString() === 'b'), 10_000, 200);
      expect(got.slice(0, 2).map((r) => [r.value.toString(), r.key])).toEqual([['a', null], ['b', null]]);
      consumer.seekToEnd();
      expect(await consumer.poll(100)).toEqual([]);
      expect(consumer.position({ topic: 'acks', partition: 2 })).toBe(got[got.length - 1]!.offset + 1);
    } finally {
      consumer.close();
    }
  }, 30_000);

  it('sendWithCallback calls back once per record, after it returns, with the offset or the error', async () => {
    expect((await admin.createTopics([{ name: 'callbacks', numPartitions: 1, replicationFactor: 1 }]))[0]!.error).toBeNull();
    const producer = new Producer({ bootstrapServers: [bootstrap], lingerMs: 1 });
    try {
      await producer.metadata.requireTopic('callbacks');
      const outcomes: (number | string)[][] = [[], [], []];
      let returned = false;
      const done = Array.from({ length: 3 }, (_, i) => new Promise<void>((resolve) => {
        producer.sendWithCallback('callbacks', { value: `v${i}`, timestampMs: 1_700_000_000_000 + i }, (err, m) => {
          expect(returned).toBe(true);
          outcomes[i]!.push(err === null ? m!.offset : err.code);
          resolve();
        });
      }));
      const bad = new Promise<void>((resolve) => {
        producer.sendWithCallback('callbacks', { value: 'x', partition: 7 }, (err) => {
          expect(returned).toBe(true);
          outcomes.push([err!.code]);
          resolve();
        });
      });
      returned = true;
      await Promise.all([...done, bad]);
      await producer.flush();
      expect(outcomes).toEqual([[0], [1], [2], ['RUNNEL_ERR_UNKNOWN_PARTITION']]);
    } finally {
      await producer.close();
    }
    const consumer = new Consumer({ bootstrapServers: [bootstrap], autoOffsetReset: 'earliest' });
    try {
      consumer.assign([{ topic: 'callbacks', partition: 0 }]);
      const got = await pollUntil(consumer, (g) => g.length >= 3, 10_000, 200);
      expect(got.map((r) => [r.offset, r.value.toString(), r.timestampMs])).toEqual([0, 1, 2].map((i) => [i, `v${i}`, 1_700_000_000_000 + i]));
    } finally {
      consumer.close();
    }
  }, 30_000);

  it('an idempotent producer puts its producer id and sequences into every batch it sends', async () => {
    expect((await admin.createTopics([{ name: 'identity', numPartitions: 1, replicationFactor: 1 }]))[0]!.error).toBeNull();
    const producer = new Producer({ bootstrapServers: [bootstrap], lingerMs: 1, batchSizeBytes: 256 });
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send('identity', { value: `record-${i}` })));
    } finally {
      await producer.close();
    }
    const c = connect(bootstrap);
    try {
      const r = await c.read({ maxWaitMs: 0, recordBatches: true, topics: [{ topic: 'identity', partitions: [{ partition: 0, fetchOffset: 0 }] }] });
      const batches = r.topics[0]!.partitions[0]!.recordBatches.map((b) => decodeBatch(b).header);
      expect(batches.length).toBeGreaterThan(1);
      expect(new Set(batches.map((h) => h.producerId)).size).toBe(1);
      expect(batches[0]!.producerId).toBeGreaterThanOrEqual(0);
      expect(batches.map((h) => h.baseSequence)).toEqual(batches.map((h) => h.baseOffset));
    } finally {
      c.close();
    }
  }, 30_000);
});
