/**
 * AdminClient.createPartitions and incrementalAlterConfigs against one real node: concurrent growth
 * to the same count adds the partitions once, validate-only changes nothing, a topic named twice is
 * refused, configs are set and deleted (and bad keys refused) all or nothing per topic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/client/index.js';
import { useSingleNode } from '../support/single-node.js';

const node = useSingleNode('runnel-admin-changes-');
let admin: AdminClient;

beforeAll(() => {
  admin = new AdminClient({ bootstrapServers: [node.bootstrap], operationTimeoutMs: 10_000 });
});

afterAll(() => admin?.close());

async function partitionCount(name: string): Promise<number> {
  const [t] = await admin.describeTopics([name]);
  expect(t!.error).toBeNull();
  return t!.partitions.length;
}

describe('AdminClient topic changes', () => {
  it('grows a topic once when two requests race to the same count; validate-only and duplicates change nothing', async () => {
    expect((await admin.createTopics([{ name: 'race', numPartitions: 1, replicationFactor: 1 }]))[0]!.error).toBeNull();
    const [dry] = await admin.createPartitions([{ name: 'race', totalCount: 4 }], { validateOnly: true });
    expect(dry!.error).toBeNull();
    expect(await partitionCount('race')).toBe(1);

    const results = (await Promise.all([admin.createPartitions([{ name: 'race', totalCount: 3 }]), admin.createPartitions([{ name: 'race', totalCount: 3 }])])).flat();
    const codes = results.map((r) => r.error?.code ?? 'ok').sort();
    expect(codes).toEqual(['RUNNEL_ERR_INVALID_PARTITIONS', 'ok']);
    expect(await partitionCount('race')).toBe(3);

    const dup = await admin.createPartitions([
      { name: 'race', totalCount: 5 },
      { name: 'race', totalCount: 5 },
    ]);
    expect(dup.map((r) => r.error?.code)).toEqual(['RUNNEL_ERR_INVALID_REQUEST', 'RUNNEL_ERR_INVALID_REQUEST']);
    const [zero] = await admin.createPartitions([{ name: 'race', totalCount: 0 }]);
    expect(zero!.error?.code).toBe('RUNNEL_ERR_INVALID_PARTITIONS');
    expect(await partitionCount('race')).toBe(3);
  }, 30_000);

  it('sets and deletes topic configs, refusing a bad change as a whole', async () => {
    expect((await admin.createTopics([{ name: 'cfg', numPartitions: 1, replicationFactor: 1, configs: { 'retention.bytes': '1024' } }]))[0]!.error).toBeNull();
    const [set] = await admin.incrementalAlterConfigs([{ topic: 'cfg', set: { 'retention.ms': '1000' }, delete: ['retention.bytes'] }]);
    expect(set).toEqual({ topic: 'cfg', error: null });
    expect((await admin.describeTopics(['cfg']))[0]!.configs).toEqual({ 'retention.ms': '1000' });

    const [bad] = await admin.incrementalAlterConfigs([{ topic: 'cfg', set: { 'retention.ms': '5', 'no.such.key': '1' } }]);
    expect(bad!.error?.code).toBe('RUNNEL_ERR_INVALID_CONFIG');
    const [dry] = await admin.incrementalAlterConfigs([{ topic: 'cfg', delete: ['retention.ms'] }], { validateOnly: true });
    expect(dry!.error).toBeNull();
    expect((await admin.describeTopics(['cfg']))[0]!.configs).toEqual({ 'retention.ms': '1000' });

    const [unknown] = await admin.incrementalAlterConfigs([{ topic: 'no-such-topic', set: { 'retention.ms': '1000' } }]);
    expect(unknown!.error?.code).toBe('RUNNEL_ERR_UNKNOWN_TOPIC');
  }, 30_000);
});
