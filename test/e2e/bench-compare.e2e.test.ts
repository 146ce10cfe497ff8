/**
 * Issue #9's comparison harness keeps working: `npm run bench -- compare` with small counts starts a
 * real 3-node NATS JetStream cluster (Debian's nats-server, which .ci/run installs) and a real
 * 3-node Runnel cluster one after the other, runs every step against both and prints the table.
 * Numbers are not judged here (speed is measured with the benchmark itself, docs/BENCHMARKS.md);
 * what is checked is that each step of each system ran and reported what it measured.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../cli/cli-harness.js';
import { repoRoot } from './harness/dist.js';
import type { SystemResult } from '../../scripts/bench/compare.js';

const runTimeoutMs = 300_000;

describe('npm run bench -- compare', () => {
  it('runs produce, consume and both latency runs against JetStream and Runnel and prints the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-bench-test-'));
    try {
      const json = join(dir, 'compare.json');
      const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
      const r = await run(tsx, [join(repoRoot, 'scripts', 'bench', 'main.ts'), 'compare', '--records', '20000', '--latency-seconds', '1', '--json', json], { timeoutMs: runTimeoutMs });
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/\| produce, records\/s \(acknowledged by a majority\) \| [\d,]+ \| [\d,]+ \| [\d.]+x \|/);
      const out = JSON.parse(readFileSync(json, 'utf8')) as { runnel: SystemResult; jetstream: SystemResult };
      for (const s of [out.runnel, out.jetstream]) {
        expect(s.produce.recordsPerSec, s.system).toBeGreaterThan(0);
        expect(s.consume.recordsPerSec, s.system).toBeGreaterThan(0);
        expect(s.latency.achieved, s.system).toBeGreaterThan(0);
        expect(s.latency.p99, s.system).toBeGreaterThanOrEqual(s.latency.p50);
        expect(s.commonLatency?.rate, s.system).toBe(out.jetstream.latency.rate);
        for (const cpu of [s.produce.boxCpuPercent, s.consume.boxCpuPercent, s.latency.boxCpuPercent]) {
          expect(cpu, s.system).toBeGreaterThan(0);
          expect(cpu, s.system).toBeLessThanOrEqual(100);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, runTimeoutMs + 30_000);
});
