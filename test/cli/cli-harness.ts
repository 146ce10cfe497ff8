/**
 * Shared by the CLI tests: the real `runnel` CLI as a child process (`node --import tsx
 * src/cli/main.ts ...`) and one real node started in this process for it to talk to.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export { useSingleNode } from '../support/single-node.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI process left running: `done` settles when it exits. */
export interface Running {
  readonly done: Promise<Run>;
  /** Resolves once stdout contains `text`; rejects after `timeoutMs` or if the process exits first. */
  waitForStdout(text: string, timeoutMs: number): Promise<void>;
}

/** Starts the CLI (the node in this process must keep serving), killed after `timeoutMs`. */
export function startRunnel(args: readonly string[], stdin = '', timeoutMs = 15_000): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const w of [...watchers]) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  child.stdin.end(stdin);
  const waitForStdout = (text: string, waitMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!stdout.includes(text)) return;
        finish();
        resolve();
      };
      const finish = (): void => {
        clearTimeout(giveUp);
        watchers.delete(check);
      };
      const giveUp = setTimeout(() => {
        finish();
        reject(new Error(`no "${text}" on stdout after ${waitMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
      }, waitMs);
      watchers.add(check);
      void done.then(() => {
        if (!stdout.includes(text)) {
          finish();
          reject(new Error(`exited without "${text}" on stdout; stdout: ${stdout}; stderr: ${stderr}`));
        }
      });
      check();
    });
  return { done, waitForStdout };
}

/** Runs the CLI to its end (see startRunnel). */
export function runnel(args: readonly string[], stdin = '', timeoutMs = 15_000): Promise<Run> {
  return startRunnel(args, stdin, timeoutMs).done;
}

/** A failed command: non-zero exit, nothing on stdout, exactly one line `runnel: <reason>` on stderr. */
export function expectOneLineError(r: Run): void {
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBeNull();
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^runnel: [^\n]+\n$/);
}
