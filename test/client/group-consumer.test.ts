/**
 * Consumer groups through the client library against one real node (real LevelDB, real gRPC, the
 * real group coordinator): a member gets every partition and commits; committed offsets are where
 * the next member of the group resumes; auto-commit; two members split the partitions; a commit
 * never moves an offset backward; admin reset / delete refused while the group has members.
 */
import { describe, expect, it } from 'vitest';
import { AdminClient, Consumer, Producer, type ConsumerOptions, type ConsumerRecord } from '../../src/client/index.js';
import { useSingleNode } from '../support/single-node.js';

const node = useSingleNode('runnel-group-consumer-');

function groupConsumer(groupId: string, extra: Partial<ConsumerOptions> = {}): Consumer {
  return new Consumer({ bootstrapServers: [node.bootstrap], groupId, autoOffsetReset: 'earliest', sessionTimeoutMs: 6_000, ...extra });
}

/** Polls until `done(records)` or the deadline; returns everything polled. */
async function pollUntil(consumers: readonly Consumer[], done: (got: readonly ConsumerRecord[]) => boolean, timeoutMs: number): Promise<ConsumerRecord[]> {
  const got: ConsumerRecord[] = [];
  const until = Date.now() + timeoutMs;
  while (!done(got) && Date.now() < until) for (const c of consumers) got.push(...(await c.poll(100)));
  return got;
}

/** Waits (polling, bounded) until `probe` returns a value. */
async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function createTopic(admin: AdminClient, name: string, partitions: number, records: number): Promise<void> {
  expect((await admin.createTopics([{ name, numPartitions: partitions, replicationFactor: 1 }]))[0]!.error).toBeNull();
  const producer = new Producer({ bootstrapServers: [node.bootstrap], lingerMs: 1 });
  try {
    await Promise.all(Array.from({ length: records }, (_, i) => producer.send(name, { value: `v${i}`, partition: i % partitions })));
  } finally {
    await producer.close();
  }
}

/**
 * `b` joins the group that `a` (which read everything) consumes alone; once each has `each`
 * partitions, returns what `b` read, polling both (a revocation completes on `a`'s timer regardless).
 */
async function handOver(a: Consumer, b: Consumer, topic: string, each: number): Promise<ConsumerRecord[]> {
  await b.subscribe([topic]);
  const fromB: ConsumerRecord[] = [];
  await eventually(async () => {
    fromB.push(...(await b.poll(50)));
    await a.poll(50);
    return a.assignment().length === each && b.assignment().length === each ? true : undefined;
  }, 30_000, `${each} partitions each`);
  fromB.push(...(await pollUntil([b], () => false, 500)));
  return fromB;
}

const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + Math.max(0, b), 0);

describe('Consumer with groupId', () => {
  it('consumes every partition as the only member, commits, and the next member resumes there', async () => {
    const admin = new AdminClient({ bootstrapServers: [node.bootstrap] });
    await createTopic(admin, 'g-resume', 3, 30);
    const first = groupConsumer('resume', { enableAutoCommit: false, clientId: 'first' });
    try {
      await first.subscribe(['g-resume']);
      const got = await pollUntil([first], (g) => g.length >= 30, 30_000);
      expect(got).toHaveLength(30);
      expect(first.assignment().map((tp) => tp.partition).sort()).toEqual([0, 1, 2]);
      const [described] = await admin.groups.describeConsumerGroups(['resume']);
      expect(described!.members).toHaveLength(1);
      expect(described!.members[0]!.clientId).toBe('first');
      // Commit only up to offset 5 of each partition: the next member must resume there.
      await first.commit([0, 1, 2].map((partition) => ({ topic: 'g-resume', partition, offset: 5 })));
      expect(await admin.groups.listConsumerGroupOffsets('resume')).toEqual(new Map([0, 1, 2].map((p) => [`g-resume/${p}`, 5])));
      // Moving backward is left out; a failed whole commit would throw.
      await first.commit([{ topic: 'g-resume', partition: 0, offset: 2 }]);
      expect((await admin.groups.listConsumerGroupOffsets('resume')).get('g-resume/0')).toBe(5);
    } finally {
      await first.close(); // no auto-commit: leaves without committing
    }
    const [after] = await admin.groups.describeConsumerGroups(['resume']);
    expect(after!.members).toHaveLength(0);

    const second = groupConsumer('resume');
    try {
      await second.subscribe(['g-resume']);
      const got = await pollUntil([second], (g) => g.length >= 15, 30_000);
      expect(got.map((r) => r.offset).sort((a, b) => a - b)).toEqual([5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9]);
    } finally {
      await second.close(); // auto-commit: commits its positions, then leaves
    }
    expect(await admin.groups.listConsumerGroupOffsets('resume')).toEqual(new Map([0, 1, 2].map((p) => [`g-resume/${p}`, 10])));
    expect((await admin.groups.listConsumerGroups()).map((g) => g.groupId)).toContain('resume');
    admin.close();
  }, 90_000);

  it('auto-commits consumed positions while it runs', async () => {
    const admin = new AdminClient({ bootstrapServers: [node.bootstrap] });
    await createTopic(admin, 'g-auto', 2, 20);
    const consumer = groupConsumer('auto', { autoCommitIntervalMs: 200 });
    try {
      await consumer.subscribe(['g-auto']);
      expect(await pollUntil([consumer], (g) => g.length >= 20, 30_000)).toHaveLength(20);
      // Committed as consumed: once the next poll has started (the records were processed).
      await eventually(async () => {
        await consumer.poll(50);
        return sum(await admin.groups.listConsumerGroupOffsets('auto')) === 20 ? true : undefined;
      }, 15_000, 'auto-commit of all 20 records');
    } finally {
      await consumer.close();
      admin.close();
    }
  }, 60_000);

  it('splits the partitions between two members, each consuming only its own', async () => {
    const admin = new AdminClient({ bootstrapServers: [node.bootstrap] });
    await createTopic(admin, 'g-split', 4, 40);
    const a = groupConsumer('split', { clientId: 'a' });
    const b = groupConsumer('split', { clientId: 'b' });
    try {
      await a.subscribe(['g-split']);
      await b.subscribe(['g-split']);
      const got = await pollUntil([a, b], () => a.assignment().length === 2 && b.assignment().length === 2, 30_000);
      const pa = a.assignment().map((tp) => tp.partition);
      const pb = b.assignment().map((tp) => tp.partition);
      expect([...pa, ...pb].sort()).toEqual([0, 1, 2, 3]);
      got.push(...(await pollUntil([a, b], (g) => new Set(g.map((r) => `${r.partition}/${r.offset}`)).size >= 40 - got.length, 20_000)));
      expect(new Set(got.map((r) => `${r.partition}/${r.offset}`)).size).toBe(40); // at least once each
      // Now stable: what each polls comes from its own partitions only.
      const more = new Producer({ bootstrapServers: [node.bootstrap], lingerMs: 1 });
      await Promise.all([0, 1, 2, 3].map((partition) => more.send('g-split', { value: 'late', partition })));
      await more.close();
      for (const [c, own] of [[a, pa], [b, pb]] as const) {
        const late = await pollUntil([c], (g) => g.length >= 2, 10_000);
        expect(late.map((r) => r.partition).sort()).toEqual([...own].sort());
      }
      const [described] = await admin.groups.describeConsumerGroups(['split']);
      expect(described!.members.map((m) => m.clientId).sort()).toEqual(['a', 'b']);
      // Admin writes are refused while the group has members.
      const refused: unknown = await admin.groups.alterConsumerGroupOffsets('split', [{ topic: 'g-split', partition: 0, offset: 0 }]).catch((e: unknown) => e);
      expect(refused instanceof Map ? refused.get('g-split/0')?.code : (refused as { code?: string }).code).toBe('RUNNEL_ERR_GROUP_NOT_EMPTY');
      expect((await admin.groups.deleteConsumerGroups(['split']))[0]!.error?.code).toBe('RUNNEL_ERR_GROUP_NOT_EMPTY');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect((await admin.groups.deleteConsumerGroups(['split']))[0]!.error).toBeNull();
    expect((await admin.groups.describeConsumerGroups(['split']))[0]!.error?.code).toBe('RUNNEL_ERR_GROUP_ID_NOT_FOUND');
    admin.close();
  }, 90_000);

  it('commits a revoked partition before handing it over: the new owner re-reads nothing', async () => {
    const admin = new AdminClient({ bootstrapServers: [node.bootstrap] });
    await createTopic(admin, 'g-handover', 4, 40);
    const a = groupConsumer('handover', { autoCommitIntervalMs: 60_000 }); // only revocation and close commit
    const b = groupConsumer('handover');
    try {
      await a.subscribe(['g-handover']);
      expect(await pollUntil([a], (g) => g.length >= 40, 30_000)).toHaveLength(40);
      expect(await a.poll(50)).toEqual([]); // the next poll: everything handed out counts as consumed
      expect(await handOver(a, b, 'g-handover', 2)).toEqual([]);
      const offsets = await admin.groups.listConsumerGroupOffsets('handover');
      for (const tp of b.assignment()) expect(offsets.get(`g-handover/${tp.partition}`)).toBe(10);
    } finally {
      await Promise.all([a.close(), b.close()]);
      admin.close();
    }
  }, 60_000);

  it('without auto-commit, onPartitionsRevoked commits what the app processed before the hand-over', async () => {
    const admin = new AdminClient({ bootstrapServers: [node.bootstrap] });
    await createTopic(admin, 'g-listener', 2, 20);
    const revoked: string[] = [];
    const a: Consumer = groupConsumer('listener', {
      enableAutoCommit: false,
      onPartitionsRevoked: async (tps) => {
        revoked.push(...tps.map((tp) => `${tp.partition}@${tp.offset}`));
        await a.commit(tps);
      },
    });
    const b = groupConsumer('listener', { enableAutoCommit: false });
    try {
      await a.subscribe(['g-listener']);
      expect(await pollUntil([a], (g) => g.length >= 20, 30_000)).toHaveLength(20);
      expect(await handOver(a, b, 'g-listener', 1)).toEqual([]);
      expect(revoked).toEqual([`${b.assignment()[0]!.partition}@10`]);
    } finally {
      await Promise.all([a.close(), b.close()]);
      admin.close();
    }
  }, 60_000);

  it('refuses commit() without a group, and assign() in a group', async () => {
    const plain = new Consumer({ bootstrapServers: [node.bootstrap] });
    await expect(plain.commit()).rejects.toMatchObject({ code: 'RUNNEL_ERR_INVALID_REQUEST' });
    await plain.close();
    const grouped = groupConsumer('refuse');
    await grouped.subscribe(['nothing-yet']);
    expect(() => grouped.assign([{ topic: 'x', partition: 0 }])).toThrow(/mutually exclusive/);
    await grouped.close();
  }, 30_000);
});
