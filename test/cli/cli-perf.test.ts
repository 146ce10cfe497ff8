/**
 * `runnel producer-perf-test` and `consumer-perf-test` as child processes against one real node:
 * Kafka's output formats (the summary line with percentiles; the consumer's CSV header and result),
 * the record counts they report, and one-line errors for bad flags. Speed is measured by
 * `npm run bench`, not here.
 */
import { describe, expect, it } from 'vitest';
import { expectOneLineError, runnel, useSingleNode } from './cli-harness.js';

const node = useSingleNode('runnel-cli-perf-');
const records = 3_000;
const summary = new RegExp(
  `^${records} records sent, [\\d.]+ records/sec \\([\\d.]+ MB/sec\\), [\\d.]+ ms avg latency, [\\d.]+ ms max latency, [\\d.]+ ms 50th, [\\d.]+ ms 95th, [\\d.]+ ms 99th, [\\d.]+ ms 99.9th\\.$`,
  'm',
);

describe('runnel perf tools', () => {
  it('producer-perf-test sends and reports like Kafka; consumer-perf-test reads them back', async () => {
    expect((await runnel(['topics', '--bootstrap-server', node.bootstrap, '--create', '--topic', 'perf', '--partitions', '3', '--replication-factor', '1'])).code).toBe(0);
    const produced = await runnel(
      ['producer-perf-test', '--bootstrap-server', node.bootstrap, '--topic', 'perf', '--num-records', String(records), '--record-size', '100', '--throughput', '-1', '--producer-props', 'acks=all', 'linger.ms=5', 'batch.size=16384'],
      '',
      60_000,
    );
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    expect(produced.stdout).toMatch(summary);

    const consumed = await runnel(['consumer-perf-test', '--bootstrap-server', node.bootstrap, '--topic', 'perf', '--messages', String(records)], '', 60_000);
    expect(consumed.stderr).toBe('');
    expect(consumed.code).toBe(0);
    const [head, line] = consumed.stdout.trim().split('\n');
    expect(head).toBe('start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
    const fields = line!.split(', ');
    expect(fields).toHaveLength(10);
    expect(Number(fields[2])).toBeCloseTo((records * 100) / (1024 * 1024), 3);
    expect(fields[4]).toBe(String(records));
  }, 90_000);

  it('a throttled run keeps to its rate, and bad flags fail with one line', async () => {
    const throttled = await runnel(['producer-perf-test', '--bootstrap-server', node.bootstrap, '--topic', 'perf', '--num-records', '200', '--record-size', '10', '--throughput', '400'], '', 30_000);
    expect(throttled.code).toBe(0);
    // 200 records at 400/s take at least half a second: the rate reported cannot exceed the limit by much.
    expect(Number(/records sent, ([\d.]+) records\/sec/.exec(throttled.stdout)![1])).toBeLessThan(440);
    const bad = await Promise.all([
      runnel(['producer-perf-test', '--bootstrap-server', node.bootstrap, '--topic', 'perf', '--num-records', '10', '--record-size', '10', '--throughput', '0']),
      runnel(['producer-perf-test', '--bootstrap-server', node.bootstrap, '--topic', 'perf', '--num-records', '10', '--record-size', '10', '--throughput', '-1', '--producer-props', 'compression.type=lz4']),
      runnel(['producer-perf-test', '--bootstrap-server', node.bootstrap, '--topic', 'absent', '--num-records', '10', '--record-size', '10', '--throughput', '-1']),
      runnel(['consumer-perf-test', '--bootstrap-server', node.bootstrap, '--topic', 'perf', '--messages', String(records + 1_000), '--timeout', '1500']),
    ]);
    for (const r of bad) expectOneLineError(r);
    expect(bad[0]!.stderr).toContain('--throughput');
    expect(bad[1]!.stderr).toContain('compression.type: unknown');
    expect(bad[2]!.stderr).toMatch(/absent/);
    expect(bad[3]!.stderr).toContain(`consumed ${records + 200} of ${records + 1_000} records`);
  }, 90_000);
});
