/**
 * Shared by the CLI tests: the real `runnel` CLI as a child process (`node --import tsx
 * src/cli/main.ts ...`) and one real node started in this process for it to talk to.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import type { RunningNode } from '../../src/cli/node.js';
import { connect, eventually } from '../broker/client.js';
import { nodeSpecs, removeDir, start, tempDir } from '../broker/harness.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI asynchronously (the node in this process must keep serving), killed after `timeoutMs`. */
export function runnel(args: readonly string[], stdin = '', timeoutMs = 15_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

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
