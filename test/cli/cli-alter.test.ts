/**
 * `runnel topics --alter` as child processes against one real node started in this process: growing
 * a topic 1 -> 3 (describe shows 3 partitions; a record keyed onto the new partition 2 is produced
 * and consumed there), refusing a smaller or equal count, setting and removing a topic config, and
 * one-line errors for an unknown topic and an --alter without a change.
 */
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/client/index.js';
import { eventually } from '../broker/client.js';
import { runnel, useSingleNode, type Run } from './cli-harness.js';

const node = useSingleNode('runnel-cli-alter-');

function topics(...args: string[]): Promise<Run> {
  return runnel(['topics', '--bootstrap-server', node.bootstrap, ...args]);
}

function expectOneLineError(r: Run): void {
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBeNull();
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^runnel: [^\n]+\n$/);
}

/** A key murmur2 puts on `partition` of `count`. */
function keyFor(partition: number, count: number): string {
  for (let i = 0; ; i++) if (partitionForKey(Buffer.from(`k${i}`), count) === partition) return `k${i}`;
}

describe('runnel topics --alter', () => {
  it('grows a topic from 1 to 3 partitions that serve produce and fetch; never shrinks it', async () => {
    expect((await topics('--create', '--topic', 'grow', '--partitions', '1', '--replication-factor', '1')).code).toBe(0);
    const grown = await topics('--alter', '--topic', 'grow', '--partitions', '3');
    expect(grown.stderr).toBe('');
    expect(grown.code).toBe(0);
    expect(grown.stdout).toBe('Altered topic grow: 3 partitions.\n');

    const described = await topics('--describe', '--topic', 'grow');
    expect(described.code).toBe(0);
    const lines = described.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Topic: grow\tTopicId: \S+\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: $/);
    expect(lines.slice(1).map((l) => /\tPartition: (\d+)\t/.exec(l)?.[1])).toEqual(['0', '1', '2']);

    const key = keyFor(2, 3);
    const produced = await runnel(['console-producer', '--bootstrap-server', node.bootstrap, '--topic', 'grow', '--property', 'parse.key=true', '--property', 'key.separator=:'], `${key}:on-new-partition\n`);
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    const consumed = await runnel([
      'console-consumer', '--bootstrap-server', node.bootstrap, '--topic', 'grow', '--partition', '2', '--offset', 'earliest',
      '--max-messages', '1', '--timeout-ms', '10000', '--property', 'print.key=true,print.partition=true',
    ]);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout).toBe(`Partition:2\t${key}\ton-new-partition\n`);

    const [smaller, equal] = await Promise.all([topics('--alter', '--topic', 'grow', '--partitions', '2'), topics('--alter', '--topic', 'grow', '--partitions', '3')]);
    for (const r of [smaller, equal]) {
      expectOneLineError(r);
      expect(r.stderr).toContain('grow has 3 partitions');
      expect(r.stderr).toContain('partitions can only be added');
    }
    const after = await topics('--describe', '--topic', 'grow');
    expect(after.stdout).toContain('PartitionCount: 3\t');
  }, 60_000);

  it('sets a topic config with --config and removes it with --delete-config', async () => {
    expect((await topics('--create', '--topic', 'conf', '--partitions', '1', '--replication-factor', '1')).code).toBe(0);
    const set = await topics('--alter', '--topic', 'conf', '--config', 'retention.ms=1000', '--config', 'retention.bytes=4096');
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('Completed updating config for topic conf.\n');
    const withConfig = await eventually(async () => {
      const d = await topics('--describe', '--topic', 'conf');
      return d.stdout.includes('Configs: retention.bytes=4096,retention.ms=1000\n') ? d : undefined;
    }, 10_000, 'the config in --describe');
    expect(withConfig.code).toBe(0);

    const removed = await topics('--alter', '--topic', 'conf', '--delete-config', 'retention.ms');
    expect(removed.code).toBe(0);
    const d = await topics('--describe', '--topic', 'conf');
    expect(d.stdout.split('\n')[0]).toMatch(/\tConfigs: retention.bytes=4096$/);

    const bad = await topics('--alter', '--topic', 'conf', '--config', 'no.such.key=1');
    expectOneLineError(bad);
    expect(bad.stderr).toContain('no.such.key');
  }, 60_000);

  it('fails with one line for an unknown topic, a missing change, or misplaced flags', async () => {
    const [unknownGrow, unknownConfig, nothing, noTopic, deleteWithoutAlter] = await Promise.all([
      topics('--alter', '--topic', 'no-such-topic', '--partitions', '2'),
      topics('--alter', '--topic', 'no-such-topic', '--config', 'retention.ms=1000'),
      topics('--alter', '--topic', 'grow'),
      topics('--alter', '--partitions', '2'),
      topics('--describe', '--delete-config', 'retention.ms'),
    ]);
    for (const r of [unknownGrow, unknownConfig, nothing, noTopic, deleteWithoutAlter]) expectOneLineError(r);
    expect(unknownGrow.stderr).toContain('no-such-topic');
    expect(unknownConfig.stderr).toContain('no-such-topic');
    expect(nothing.stderr).toBe('runnel: --alter requires --partitions, --config or --delete-config\n');
    expect(noTopic.stderr).toBe('runnel: --alter requires --topic\n');
    expect(deleteWithoutAlter.stderr).toBe('runnel: --delete-config requires --alter\n');
  }, 60_000);
});
