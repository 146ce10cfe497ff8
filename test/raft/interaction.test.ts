/**
 * Golden interaction scripts for the Raft core (etcd-io/raft's testdata/*.txt + rafttest).
 *
 * Each file under testdata/ is a sequence of commands and their expected output. To regenerate the
 * outputs after a deliberate behaviour change:
 *
 *     REWRITE=1 npx vitest run test/raft/interaction.test.ts
 *
 * then read the diff line by line (`git diff test/raft/testdata`) before keeping it: an output that
 * shows a bug is a bug to fix, not a golden to bless.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runScript } from './interaction/runner.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const files = readdirSync(testdata).filter((f) => f.endsWith('.txt')).sort();
const rewrite = process.env.REWRITE === '1';

describe('raft interaction scripts', () => {
  it('finds the scripts', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(file, () => {
      const path = join(testdata, file);
      const text = readFileSync(path, 'utf8');
      const result = runScript(text);
      expect(result.cases.length, `${file} has no commands`).toBeGreaterThan(0);
      expect(text.startsWith('#'), `${file} must open with a comment explaining the scenario`).toBe(true);
      if (rewrite) {
        if (result.rewritten !== text) writeFileSync(path, result.rewritten);
        return;
      }
      for (const { tc, actual } of result.cases) {
        expect(actual, `${file}:${tc.line}: ${tc.source}`).toBe(tc.expected);
      }
    });
  }
});
