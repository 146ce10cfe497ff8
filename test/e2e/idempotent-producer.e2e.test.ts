/**
 * Issue #5's second acceptance point, with real node processes: the client library's Producer
 * (idempotent by default with acks=all) keeps sending while partition 0's leader is cut off from its
 * followers (both SIGSTOPped: its writes cannot commit, requests time out, the producer resends them
 * and the leader must recognise them), and is then SIGKILLed while resends are in flight, and later
 * restarted. Every record sent must be read back exactly once, and each partition must hold its
 * records in the order they were sent.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { Consumer, Producer, type RecordMetadata } from '../../src/client/index.js';
import { Cluster } from './harness/cluster.js';
import { Deadline, pollUntil } from './harness/deadline.js';
import { addressOf } from './harness/health.js';
import { TestClient } from './harness/test-client.js';

const topic = 'idempotent-e2e';
const partitions = 3;
const records = 6_000;
const keys = 60;
/** Sends outstanding at most: the loop waits for acknowledgements beyond this. */
const outstandingMax = 1_500;
const pauseMs = 3_000;
const keep = process.env['RUNNEL_E2E_KEEP'] === '1';

describe('an idempotent producer across a paused and killed leader', () => {
  let cluster: Cluster | undefined;
  let failed = false;

  beforeAll(async () => {
    const buildError = inject('e2eBuildError');
    if (buildError) throw new Error(buildError);
    cluster = await Cluster.start({ size: 3, hostMode: 'ports', config: { 'runnel.log.level': 'info' } });
    await cluster.waitHealthy(30_000);
  }, 40_000);

  afterAll(async () => {
    if (!cluster) return;
    await cluster.destroy(keep || failed);
    if (keep || failed) console.log(`e2e: cluster files kept in ${cluster.root}`);
  }, 30_000);

  it('writes every record exactly once and in per-partition order', async () => {
    onTestFailed(() => {
      failed = true;
    });
    const c = cluster!;
    const bootstrapServers = c.clientAddresses().map(addressOf);
    const admin = new TestClient(c.clientAddresses());
    await admin.createTopic(topic, partitions, 3, Deadline.in(15_000, `create ${topic}`));
    const leaders = await pollUntil({ timeoutMs: 15_000, intervalMs: 100, what: `leaders of ${topic}` }, async () => {
      const md = await admin.metadata([topic], Deadline.in(2_000, 'metadata'));
      const ps = md.topics[0]?.partitions ?? [];
      return ps.length === partitions && ps.every((p) => p.leaderId !== 0) ? ps : undefined;
    });
    const victim = leaders.find((p) => p.partition === 0)!.leaderId;

    // Short request timeouts so that requests stuck at a stalled leader fail (indefinitely) and are
    // resent quickly; a long delivery timeout so that no record is given up on.
    const producer = new Producer({ bootstrapServers, lingerMs: 2, requestTimeoutMs: 1_500, deliveryTimeoutMs: 90_000, retryBackoffMs: 50 });
    const sent: Promise<RecordMetadata>[] = [];
    let ackedCount = 0;
    const started = performance.now();

    // The nemesis, on its own schedule while the producer keeps sending: pause both followers of
    // partition 0's leader (its writes cannot commit, requests time out, the producer resends them,
    // and the leader finds the resends already in its log), let them go, then SIGKILL the leader
    // while resends are still in flight, and later restart it.
    const followers = [1, 2, 3].filter((n) => n !== victim);
    const timeline: Record<string, number> = {};
    const mark = (what: string) => (timeline[what] = Math.round(performance.now() - started));
    const nemesis = (async () => {
      await pollUntil({ timeoutMs: 60_000, intervalMs: 5, what: 'a third of the records sent' }, () => Promise.resolve(sent.length >= records / 3 ? true : undefined));
      for (const f of followers) c.node(f).pause();
      mark('followersPaused');
      await sleep(pauseMs);
      for (const f of followers) c.node(f).resume();
      mark('followersResumed');
      await sleep(300);
      await c.node(victim).kill();
      mark('leaderKilled');
      await sleep(3_000);
      c.node(victim).start();
      mark('leaderRestarted');
    })();

    for (let i = 0; i < records; i++) {
      const p = producer.send(topic, { key: `k${i % keys}`, value: `v${i}` });
      sent.push(p);
      void p.then(() => ackedCount++, () => undefined);
      // Bounded outstanding sends: wait (bounded) for acknowledgements to catch up.
      if (sent.length - ackedCount >= outstandingMax) {
        await pollUntil({ timeoutMs: 60_000, intervalMs: 10, what: `acks to catch up at record ${i}` }, () => Promise.resolve(sent.length - ackedCount < outstandingMax ? true : undefined));
      }
    }
    await nemesis;
    const results = await Promise.allSettled(sent);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected.map((r) => String((r as PromiseRejectedResult).reason)).slice(0, 5)).toEqual([]);
    const stats = producer.stats();
    await producer.close();

    // Read every partition from the beginning until all records are there (bounded).
    const consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'earliest' });
    await consumer.assignTopic(topic);
    const read: { partition: number; offset: number; value: string }[] = [];
    const readDeadline = Deadline.in(60_000, 'read everything back');
    while (read.length < records && !readDeadline.expired()) {
      for (const r of await consumer.poll(500)) read.push({ partition: r.partition, offset: r.offset, value: r.value.toString() });
    }
    // A last poll: nothing beyond the records sent may be there.
    for (const r of await consumer.poll(300)) read.push({ partition: r.partition, offset: r.offset, value: r.value.toString() });
    consumer.close();
    admin.close();

    const counts = new Map<string, number>();
    for (const r of read) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
    const duplicates = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
    const missing = Array.from({ length: records }, (_, i) => `v${i}`).filter((v) => !counts.has(v));
    expect(duplicates.slice(0, 10), `${duplicates.length} values read more than once`).toEqual([]);
    expect(missing.slice(0, 10), `${missing.length} values never read`).toEqual([]);
    expect(read.length).toBe(records);

    // Per partition, offsets ascend and the send order is kept.
    for (let p = 0; p < partitions; p++) {
      const inPartition = read.filter((r) => r.partition === p).sort((a, b) => a.offset - b.offset);
      const order = inPartition.map((r) => Number(r.value.slice(1)));
      expect(order, `partition ${p} out of send order`).toEqual([...order].sort((a, b) => a - b));
    }
    // Each acknowledged offset holds the value that was acknowledged there.
    const byOffset = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r.value]));
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') expect(byOffset.get(`${r.value.partition}/${r.value.offset}`)).toBe(`v${i}`);
    });

    // How many resends the leaders recognised as already written.
    const duplicatesAnswered = c.nodes.reduce((n, node) => n + (readFileSync(node.stdoutPath, 'utf8').match(/a resent batch was already written/g)?.length ?? 0), 0);
    const summary = { records, victim, retriedBatches: stats.retriedBatches, duplicatesAnswered, timeline, totalMs: Math.round(performance.now() - started) };
    console.log(`e2e idempotent producer: ${JSON.stringify(summary)}`);
    // The faults must actually have made the producer resend batches the leader already had
    // (otherwise this test proved nothing about idempotence).
    expect(stats.retriedBatches).toBeGreaterThan(0);
    expect(duplicatesAnswered).toBeGreaterThan(0);
  }, 180_000);
});
