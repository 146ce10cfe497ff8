/**
 * Shared by the CLI tests: the real `runnel` CLI as a child process (`node --import tsx
 * src/cli/main.ts ...`) and one real node started in this process for it to talk to. `run` (any
 * child process, bounded in time) also serves the e2e tests that drive the built CLI and the scripts.
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

/** A child process left running: `done` settles when it exits. */
export interface Running {
  readonly done: Promise<Run>;
  /** Resolves once stdout contains `text`; rejects after `timeoutMs` or if the process exits first. */
  waitForStdout(text: string, timeoutMs: number): Promise<void>;
}

/**
 * Starts a child process asynchronously (a node in this process must keep serving). It leads a
 * process group of its own, so a timeout SIGKILLs what it started too (a shell's commands).
 */
export function startProcess(command: string, args: readonly string[], options: RunOptions): Running {
  const child = spawn(command, args, { cwd: options.cwd ?? repo, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  const watchers = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const w of [...watchers]) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL'); // the group is gone already; the child may not be
    }
  }, options.timeoutMs);
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
  child.stdin.on('error', () => undefined); // a child that exits without reading its stdin
  child.stdin.end(options.stdin ?? '');
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

/** Runs a child process to its end (see startProcess). */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<Run> {
  return startProcess(command, args, options).done;
}

/** Starts the CLI from source (`node --import tsx src/cli/main.ts`), killed after `timeoutMs`. */
export function startRunnel(args: readonly string[], stdin = '', timeoutMs = 15_000): Running {
  return startProcess(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdin, timeoutMs });
}

/** Runs the CLI from source to its end. */
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
