/**
 * A child process bounded in time, with its output collected: `run` to its end, or `startProcess`
 * to watch its stdout meanwhile. Free of the test runner, so the benchmark scripts use it too.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
