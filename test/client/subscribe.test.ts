/**
 * Consumer.subscribe against one real node (real LevelDB, real gRPC): with autoOffsetReset 'latest'
 * it starts the partitions there at subscribe at their end, reads partitions added afterwards by
 * CreatePartitions from their start (records produced to them before the consumer noticed them
 * included), reads a topic created after subscribe from its start, and refuses to mix with assign().
 */
import { describe, expect, it } from 'vitest';
import { AdminClient, Consumer, Producer, type ConsumerRecord } from '../../src/client/index.js';
import { useSingleNode } from '../support/single-node.js';

const node = useSingleNode('runnel-subscribe-');

/** Polls until `done(records)` or the deadline; returns everything polled. */
async function pollUntil(consumer: Consumer, done: (got: readonly ConsumerRecord[]) => boolean, timeoutMs: number): Promise<ConsumerRecord[]> {
  const got: ConsumerRecord[] = [];
  const until = Date.now() + timeoutMs;
  while (!done(got) && Date.now() < until) got.push(...(await consumer.poll(200)));
  return got;
}

const values = (rs: readonly ConsumerRecord[]): string[] => rs.map((r) => `${r.partition}:${r.value.toString()}`);

async function send(topic: string, records: readonly { value: string; partition: number }[]): Promise<void> {
  // A new producer each time, so its metadata knows partitions created just before.
  const producer = new Producer({ bootstrapServers: [node.bootstrap], acks: 'all', lingerMs: 0 });
  try {
    await Promise.all(records.map((r) => producer.send(topic, r)));
  } finally {
    await producer.close();
  }
}

describe('Consumer.subscribe', () => {
  it('follows partitions added after subscribe, reading them from their start', async () => {
    const admin = new AdminClient({ bootstrapServers: [node.bootstrap] });
    const consumer = new Consumer({ bootstrapServers: [node.bootstrap], autoOffsetReset: 'latest', metadataMaxAgeMs: 200 });
    try {
      expect((await admin.createTopics([{ name: 'sub', numPartitions: 1, replicationFactor: 1 }]))[0]!.error).toBeNull();
      await send('sub', [{ value: 'before', partition: 0 }]);

      expect(await consumer.subscribe(['sub'])).toEqual([{ topic: 'sub', partition: 0 }]);
      expect(await consumer.poll(100)).toEqual([]); // resolves partition 0's position: its end
      await send('sub', [{ value: 'after', partition: 0 }]);

      const [grown] = await admin.createPartitions([{ name: 'sub', totalCount: 3 }]);
      expect(grown!.error).toBeNull();
      // Written before the consumer can have refreshed its metadata: must still be read.
      await send('sub', [
        { value: 'new-1', partition: 1 },
        { value: 'new-2', partition: 2 },
      ]);

      const got = await pollUntil(consumer, (g) => g.length >= 3, 20_000);
      expect(values(got).sort()).toEqual(['0:after', '1:new-1', '2:new-2']);
      expect(consumer.assignment().map((tp) => tp.partition).sort()).toEqual([0, 1, 2]);
      expect(await consumer.poll(300)).toEqual([]);

      const [again] = await admin.createPartitions([{ name: 'sub', totalCount: 3 }]);
      expect(again!.error?.code).toBe('RUNNEL_ERR_INVALID_PARTITIONS');
      const [unknown] = await admin.createPartitions([{ name: 'no-such-topic', totalCount: 3 }]);
      expect(unknown!.error?.code).toBe('RUNNEL_ERR_UNKNOWN_TOPIC');
    } finally {
      consumer.close();
      admin.close();
    }
  }, 60_000);

  it('reads a topic created after subscribe from its start', async () => {
    const admin = new AdminClient({ bootstrapServers: [node.bootstrap] });
    const consumer = new Consumer({ bootstrapServers: [node.bootstrap], autoOffsetReset: 'latest', metadataMaxAgeMs: 200 });
    try {
      expect(await consumer.subscribe(['later'])).toEqual([]);
      expect(await consumer.poll(100)).toEqual([]);
      expect((await admin.createTopics([{ name: 'later', numPartitions: 2, replicationFactor: 1 }]))[0]!.error).toBeNull();
      await send('later', [
        { value: 'x', partition: 0 },
        { value: 'y', partition: 1 },
      ]);
      const got = await pollUntil(consumer, (g) => g.length >= 2, 20_000);
      expect(values(got).sort()).toEqual(['0:x', '1:y']);
    } finally {
      consumer.close();
      admin.close();
    }
  }, 60_000);

  it('refuses to mix assign() and subscribe() until unsubscribe()', async () => {
    const admin = new AdminClient({ bootstrapServers: [node.bootstrap] });
    const consumer = new Consumer({ bootstrapServers: [node.bootstrap] });
    try {
      expect((await admin.createTopics([{ name: 'mix', numPartitions: 2, replicationFactor: 1 }]))[0]!.error).toBeNull();
      await consumer.subscribe(['mix']);
      expect(() => consumer.assign([{ topic: 'mix', partition: 0 }])).toThrow(/mutually exclusive/);
      await expect(consumer.assignTopic('mix')).rejects.toThrow(/mutually exclusive/);
      consumer.unsubscribe();
      expect(consumer.assignment()).toEqual([]);
      consumer.assign([{ topic: 'mix', partition: 0 }]);
      await expect(consumer.subscribe(['mix'])).rejects.toMatchObject({ code: 'RUNNEL_ERR_INVALID_REQUEST' });
      await expect(consumer.subscribe(['mix'])).rejects.toThrow(/unsubscribe\(\) first/);
    } finally {
      consumer.close();
      admin.close();
    }
  }, 30_000);
});
