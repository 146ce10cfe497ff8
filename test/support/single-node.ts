/** One real serving node, started in the test process for a test file (real LevelDB in a temp dir, real gRPC). */
import { afterAll, beforeAll } from 'vitest';
import type { RunningNode } from '../../src/cli/node.js';
import { connect, eventually } from '../broker/client.js';
import { nodeSpecs, removeDir, start, tempDir } from '../broker/harness.js';

/**
 * Registers beforeAll/afterAll that start one serving node in a temp dir and stop it; its
 * `bootstrap` address is valid once beforeAll ran.
 */
export function useSingleNode(tempPrefix: string): { readonly bootstrap: string } {
  const root = tempDir(tempPrefix);
  let node: RunningNode | undefined;
  let bootstrap = '';
  beforeAll(async () => {
    const spec = (await nodeSpecs(['127.0.0.1'], root))[0]!;
    node = await start(spec, [spec]);
    bootstrap = `127.0.0.1:${spec.clientPort}`;
    const c = connect(bootstrap);
    try {
      await eventually(async () => ((await c.check()).status === 'SERVING' ? true : undefined), 10_000, 'the node to serve');
    } finally {
      c.close();
    }
  }, 30_000);
  afterAll(async () => {
    await node?.stop();
    removeDir(root);
  });
  return {
    get bootstrap(): string {
      return bootstrap;
    },
  };
}
