/**
 * Shared by the CLI tests: the real `runnel` CLI as a child process (`node --import tsx
 * src/cli/main.ts ...`) and one real node started in this process for it to talk to. `run` (any
 * child process, bounded in time) also serves the e2e tests that drive the built CLI and the scripts.
 */
import { expect } from 'vitest';
import { startProcess, type Run, type Running } from '../support/child-process.js';

export { useSingleNode } from '../support/single-node.js';
export { run, startProcess, type Run, type RunOptions, type Running } from '../support/child-process.js';

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
