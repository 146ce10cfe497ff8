/**
 * vitest globalSetup: builds dist/ once per test run, before any worker starts, when an e2e test
 * is present and dist/ is stale. A failed build does not fail the unit tests: the error is handed to
 * the e2e tests (inject('e2eBuildError')), which fail with the compiler's output.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDistBuilt, repoRoot } from './harness/dist.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set when dist/ could not be built for the e2e tests. */
    e2eBuildError: string | undefined;
  }
}

function e2eTestsPresent(): boolean {
  return readdirSync(join(repoRoot, 'test', 'e2e')).some((f) => f.endsWith('.e2e.test.ts'));
}

export default function setup(project: TestProject): void {
  project.provide('e2eBuildError', e2eTestsPresent() ? ensureDistBuilt() : undefined);
}
