/**
 * Shared by the CLI tests: the real `runnel` CLI as a child process (`node --import tsx
 * src/cli/main.ts ...`) and one real node started in this process for it to talk to. `run` (any
 * child process, bounded in time) also serves the e2e tests that drive the built CLI and the scripts.
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
  /** Killed (with its whole process group) because it ran past its time. */
  readonly timedOut: boolean;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed. */
  readonly stdin?: string;
  readonly timeoutMs: number;
}

/**
 * Runs a child process asynchronously (a node in this process must keep serving) to its end. It
 * leads a process group of its own, so a timeout SIGKILLs what it started too (a shell's commands).
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? repo, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is gone already; the child may not be
      }
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
    child.stdin.on('error', () => undefined); // a child that exits without reading its stdin
    child.stdin.end(options.stdin ?? '');
  });
}

/** Runs the CLI from source (`node --import tsx src/cli/main.ts`), killed after `timeoutMs`. */
export function runnel(args: readonly string[], stdin = '', timeoutMs = 15_000): Promise<Run> {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdin, timeoutMs });
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
