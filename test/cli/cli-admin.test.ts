/**
 * The admin-side `runnel` subcommands as child processes against one real node started in this
 * process: get-offsets (-1/-2/timestamp, --partitions) after console-producer, and describe-cluster.
 * topics --alter is in cli-alter.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { expectOneLineError, runnel, useSingleNode } from './cli-harness.js';

const node = useSingleNode('runnel-cli-admin-');

describe('runnel admin CLI', () => {
  it('get-offsets prints topic:partition:offset for latest, earliest and a timestamp', async () => {
    const created = await runnel(['topics', '--bootstrap-server', node.bootstrap, '--create', '--topic', 'offs', '--partitions', '2', '--replication-factor', '1']);
    expect(created.code).toBe(0);
    const before = Date.now();
    const input = Array.from({ length: 10 }, (_, i) => `line-${i}`).join('\n') + '\n';
    const produced = await runnel(['console-producer', '--bootstrap-server', node.bootstrap, '--topic', 'offs', '--producer-property', 'acks=all'], input);
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);

    const [latest, earliest, one, atTime, future] = await Promise.all([
      runnel(['get-offsets', '--bootstrap-server', node.bootstrap, '--topic', 'offs']),
      runnel(['get-offsets', '--bootstrap-server', node.bootstrap, '--topic', 'offs', '--time', '-2']),
      runnel(['get-offsets', '--bootstrap-server', node.bootstrap, '--topic', 'offs', '--partitions', '1', '--time', '-1']),
      runnel(['get-offsets', '--bootstrap-server', node.bootstrap, '--topic', 'offs', '--time', String(before - 60_000)]),
      runnel(['get-offsets', '--bootstrap-server', node.bootstrap, '--topic', 'offs', '--time', String(Date.now() + 3_600_000)]),
    ]);
    for (const r of [latest, earliest, one, atTime, future]) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const lines = latest.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const ends = lines.map((l, i) => {
      const m = /^offs:(\d+):(\d+)$/.exec(l);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBe(i);
      return Number(m![2]);
    });
    expect(ends[0]! + ends[1]!).toBe(10);
    expect(earliest.stdout).toBe('offs:0:0\noffs:1:0\n');
    expect(one.stdout).toBe(`offs:1:${ends[1]}\n`);
    expect(atTime.stdout).toBe('offs:0:0\noffs:1:0\n');
    expect(future.stdout).toBe(`offs:0:${ends[0]}\noffs:1:${ends[1]}\n`);
  }, 30_000);

  it('describe-cluster prints the controller and each node; bad get-offsets fail with one line', async () => {
    const [cluster, badTime, noPartition, unknown] = await Promise.all([
      runnel(['describe-cluster', '--bootstrap-server', node.bootstrap]),
      runnel(['get-offsets', '--bootstrap-server', node.bootstrap, '--topic', 'offs', '--time', 'soon']),
      runnel(['get-offsets', '--bootstrap-server', node.bootstrap, '--topic', 'offs', '--partitions', '0,7']),
      runnel(['get-offsets', '--bootstrap-server', node.bootstrap, '--topic', 'no-such-topic']),
    ]);
    expect(cluster.stderr).toBe('');
    expect(cluster.code).toBe(0);
    const lines = cluster.stdout.trimEnd().split('\n');
    expect(lines).toContain('Controller: 1');
    expect(lines).toContain(`1 ${node.bootstrap}`);
    for (const r of [badTime, noPartition, unknown]) expectOneLineError(r);
    expect(badTime.stderr).toContain('--time');
    expect(noPartition.stderr).toContain('no partition 7');
    expect(unknown.stderr).toContain('no-such-topic');
  }, 30_000);
});
