/**
 * The whole cluster crashes at once (every node SIGKILLed: a power cut of the rack) and starts
 * again: every node must serve again within the session timeout plus a bound, and every record
 * acknowledged before the crash must be there exactly once. The chaos harness found this case
 * deadlocked: a restarted metadata leader could not register its own new incarnation before its
 * old one was fenced, and it fenced only after a successful registration of its own.
 */
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { Cluster } from './harness/cluster.js';
import { Deadline, pollUntil } from './harness/deadline.js';
import { TestClient } from './harness/test-client.js';

const partitions = 3;
const recordsPerPartition = 30;
const batchRecords = 10;
const startTimeoutMs = 30_000;
/** The broker's session timeout (6 s) before old incarnations are fenced, plus elections and catch-up. */
const servingAgainMsMax = 20_000;
const topic = 'e2e-full-restart';

let cluster: Cluster | undefined;
let failed = false;

afterAll(async () => {
  await cluster?.destroy(failed);
  if (failed && cluster) console.log(`e2e: cluster files kept in ${cluster.root}`);
});

async function waitLeaders(client: TestClient): Promise<void> {
  await pollUntil({ timeoutMs: startTimeoutMs, intervalMs: 100, what: `${topic}: a leader for every partition` }, async () => {
    const md = await client.metadata([topic], Deadline.in(2_000, 'metadata'));
    const t = md.topics.find((x) => x.name === topic);
    return t && !t.error && t.partitions.length === partitions && t.partitions.every((p) => p.leaderId > 0) ? true : undefined;
  });
}

describe('a crash of every node at once', () => {
  it('serves again within the session timeout plus a bound, with every acknowledged record once', async () => {
    onTestFailed(() => {
      failed = true;
    });
    const c = (cluster = await Cluster.start({ size: 3, hostMode: 'ports' }));
    await c.waitHealthy(startTimeoutMs);
    const client = new TestClient(c.clientAddresses());
    try {
      await client.createTopic(topic, partitions, 3, Deadline.in(startTimeoutMs, `create ${topic}`));
      await waitLeaders(client);
      const acked = new Map<number, string[]>();
      for (let p = 0; p < partitions; p++) {
        acked.set(p, []);
        for (let b = 0; b < recordsPerPartition / batchRecords; b++) {
          const values = Array.from({ length: batchRecords }, (_, i) => `p${p}-b${b}-r${i}`);
          await client.produce(topic, p, values.map((v) => ({ value: Buffer.from(v) })), { acks: 'ACKS_ALL', deadline: Deadline.in(15_000, 'produce') });
          acked.get(p)!.push(...values);
        }
      }

      await Promise.all(c.nodes.map((n) => n.kill()));
      const restartedAt = performance.now();
      for (const n of c.nodes) n.start();
      await c.waitHealthy(servingAgainMsMax);
      const servingAfterMs = Math.round(performance.now() - restartedAt);
      await waitLeaders(client);

      for (let p = 0; p < partitions; p++) {
        const { records } = await client.fetchAll(topic, p, Deadline.in(15_000, `fetch ${topic}-${p}`));
        expect(records.map((r) => Buffer.from(r.value).toString())).toEqual(acked.get(p));
      }
      const after = await client.produce(topic, 0, [{ value: Buffer.from('after the restart') }], { acks: 'ACKS_ALL', deadline: Deadline.in(15_000, 'produce after') });
      expect(after.baseOffset).toBeGreaterThanOrEqual(recordsPerPartition);
      console.log(`e2e full restart: every node SERVING ${servingAfterMs} ms after all were started again`);
    } finally {
      client.close();
    }
  }, 120_000);
});
