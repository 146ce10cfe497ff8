/**
 * A grpcurl-free check of a running node: `npx tsx test/broker/smoke.ts [127.0.0.1:9092]` creates a
 * topic (if missing), produces three records with acks=all, fetches them back and prints metadata.
 */
import { connect, eventually } from './client.js';

const address = process.argv[2] ?? '127.0.0.1:9092';
let c = connect(address);
const topic = 'smoke';
let created = await c.createTopics({ topics: [{ name: topic, numPartitions: 1 }] });
const hint = created.topics[0]?.error?.leaderHint;
if (hint) {
  // Admin changes go to the metadata leader: follow the hint, and stay there.
  c.close();
  c = connect(`${hint.host}:${hint.port}`);
  created = await c.createTopics({ topics: [{ name: topic, numPartitions: 1 }] });
}
console.log('create:', created.topics[0]?.error?.code ?? 'ok');
const produced = await eventually(async () => {
  const r = await c.send({
    acks: 'ACKS_ALL',
    topics: [{ topic, partitions: [{ partition: 0, records: ['a', 'b', 'c'].map((v) => ({ key: Buffer.from('k'), value: Buffer.from(`${v}-${Date.now()}`) })) }] }],
  });
  const p = r.topics[0]!.partitions[0]!;
  return p.error ? undefined : p;
}, 10_000, 'a leader for smoke-0');
console.log('produced at base offset', produced.baseOffset);
const fetched = await c.read({ maxWaitMs: 500, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: produced.baseOffset }] }] });
const part = fetched.topics[0]!.partitions[0]!;
console.log('fetched', part.records.map((r) => `${r.offset}:${r.value.toString()}`).join(' '), 'hw', part.highWatermark);
const md = await c.describe();
console.log('metadata: controller', md.controllerId, 'nodes', md.nodes.map((n) => `${n.nodeId}@${n.host}:${n.port}`).join(','), 'topics', md.topics.map((t) => `${t.name}(${t.partitions.length}, leader ${t.partitions[0]?.leaderId})`).join(','));
const health = await c.check();
console.log('health:', health.status);
c.close();
