/** auto.create.topics.enable=true: producing to an unknown topic creates it (the client retries). */
import { afterAll, expect, it } from 'vitest';
import type { RunningNode } from '../../src/cli/node.js';
import { connect, eventually, type ApiClient } from './client.js';
import { nodeSpecs, removeDir, start, tempDir } from './harness.js';

const root = tempDir('runnel-autocreate-');
let node: RunningNode | undefined;
let c: ApiClient | undefined;

afterAll(async () => {
  c?.close();
  await node?.stop();
  removeDir(root);
});

it('creates an unknown topic on produce, with the broker defaults', async () => {
  const spec = (await nodeSpecs(['127.0.0.1'], root))[0]!;
  node = await start(spec, [spec], { 'auto.create.topics.enable': 'true', 'num.partitions': '2' });
  const client = (c = connect(`127.0.0.1:${spec.clientPort}`));
  await eventually(async () => ((await client.check()).status === 'SERVING' ? true : undefined), 10_000, 'the node to serve');
  const req = { topics: [{ topic: 'fresh', partitions: [{ partition: 1, records: [{ value: Buffer.from('v') }] }] }] };
  const first = (await client.send(req)).topics[0]!.partitions[0]!;
  expect(first.error?.code).toBe('ERROR_CODE_UNKNOWN_TOPIC');
  expect(first.error?.message).toContain('being created');
  const ok = await eventually(async () => {
    const r = (await client.send(req)).topics[0]!.partitions[0]!;
    return r.error ? undefined : r;
  }, 10_000, 'the auto-created topic to take a write');
  expect(ok.baseOffset).toBe(0);
  const md = await client.describe(['fresh']);
  expect(md.topics[0]!.partitions.length).toBe(2);
  // A bad name is never auto-created.
  const bad = (await client.send({ topics: [{ topic: 'no way', partitions: [{ partition: 0, records: [{ value: Buffer.from('v') }] }] }] })).topics[0]!.partitions[0]!;
  expect(bad.error?.code).toBe('ERROR_CODE_INVALID_TOPIC');
});
