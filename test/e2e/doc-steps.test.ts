/**
 * The runnable-page parser and output matcher behind test/e2e/quickstart.e2e.test.ts: a step or an
 * expectation they lost, or a matcher that accepts anything, would let docs/QUICKSTART.md drift.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './harness/dist.js';
import { outputMismatch, parseDocSteps } from './harness/doc-steps.js';

const page = [
  '# Title',
  '```sh setup',
  'npm ci',
  '```',
  'prose',
  '```sh retry=5s',
  'echo one',
  'echo two',
  '```',
  '',
  '```text any-order',
  'two',
  '```',
  '```sh',
  'echo three',
  '```',
  'prose between: not an expectation',
  '```text',
  'three',
  '```',
  '```json',
  '{}',
  '```',
].join('\n');

describe('parseDocSteps', () => {
  it('takes every sh block in order, with its info words and the text block right after it', () => {
    expect(parseDocSteps(page)).toEqual([
      { line: 2, script: 'npm ci', setup: true, retryMs: 0, expected: undefined },
      { line: 6, script: 'echo one\necho two', setup: false, retryMs: 5_000, expected: { lines: ['two'], anyOrder: true } },
      { line: 14, script: 'echo three', setup: false, retryMs: 0, expected: undefined },
    ]);
  });

  it('rejects an unknown info word, a bad retry and an unclosed block', () => {
    expect(() => parseDocSteps('```sh retyr=5s\nx\n```')).toThrow(/unknown info-string word/);
    expect(() => parseDocSteps('```sh\nx\n```\n```text in-order\ny\n```')).toThrow(/unknown info-string word/);
    expect(() => parseDocSteps('```sh retry=5\nx\n```')).toThrow(/retry=<seconds>s/);
    expect(() => parseDocSteps('```sh\nx\n')).toThrow(/never closed/);
  });

  it('parses docs/QUICKSTART.md: one setup step, the rest run, the issue\'s commands all there', () => {
    const steps = parseDocSteps(readFileSync(join(repoRoot, 'docs', 'QUICKSTART.md'), 'utf8'));
    expect(steps.filter((s) => s.setup).map((s) => s.script)).toEqual(['npm ci && npm run build']);
    const scripts = steps.map((s) => s.script).join('\n');
    for (const command of ['scripts/cluster-up.sh', 'topics --create', 'topics --list', 'topics --describe', 'console-producer', 'parse.key=true', 'console-consumer', '--from-beginning', 'get-offsets', 'describe-cluster', 'server-stop', 'scripts/cluster-down.sh']) {
      expect(scripts).toContain(command);
    }
    // Only the producer, which prints nothing, goes without an expected output.
    expect(steps.filter((s) => !s.setup && s.expected === undefined).map((s) => s.script)).toEqual([expect.stringMatching(/^printf .*\| npx runnel console-producer .*\n.*\| npx runnel console-producer /)]);
  });
});

describe('outputMismatch', () => {
  const out = 'npm warn noise\nTopic: kafka1\tPartition: 0\tLeader: 1\nProcessed a total of 6 messages\n';

  it('folds white space, lets … stand for anything and skips lines between', () => {
    expect(outputMismatch({ lines: ['Topic: kafka1 Partition: 0 Leader: …', 'Processed a total of 6 messages'], anyOrder: false }, out)).toBeUndefined();
  });

  it('wants the order unless any-order, and each output line used once', () => {
    const reversed = { lines: ['Processed a total of 6 messages', 'Topic: kafka1 …'], anyOrder: false };
    expect(outputMismatch(reversed, out)).toMatch(/Topic: kafka1/);
    expect(outputMismatch({ ...reversed, anyOrder: true }, out)).toBeUndefined();
    expect(outputMismatch({ lines: ['Topic: …', 'Topic: …'], anyOrder: true }, out)).toMatch(/not in the output/);
  });

  it('matches whole lines only, and … only where written', () => {
    expect(outputMismatch({ lines: ['Leader: 1'], anyOrder: false }, out)).toBeDefined();
    expect(outputMismatch({ lines: ['Topic: kafka1 Partition: 0 Leader: 2'], anyOrder: false }, out)).toBeDefined();
    expect(outputMismatch({ lines: ['Processed a total of 6 message.'], anyOrder: false }, out)).toBeDefined();
  });
});
