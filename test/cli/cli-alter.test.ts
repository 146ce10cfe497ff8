/**
 * `runnel topics --alter` as child processes against one real node started in this process: growing
 * a topic 1 -> 3 (describe shows 3 partitions; a record keyed onto the new partition 2 is produced
 * and consumed there), refusing a smaller or equal count, a running console-consumer picking up a
 * partition added while it runs, setting and removing a topic config, and one-line errors for an
 * unknown topic and an --alter without a change.
 */
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/client/index.js';
import { expectOneLineError, runnel, startRunnel, useSingleNode, type Run } from './cli-harness.js';

const node = useSingleNode('runnel-cli-alter-');

function topics(...args: string[]): Promise<Run> {
  return runnel(['topics', '--bootstrap-server', node.bootstrap, ...args]);
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

  it('a running console-consumer (subscribed) reads a partition added while it runs', async () => {
    expect((await topics('--create', '--topic', 'follow', '--partitions', '1', '--replication-factor', '1')).code).toBe(0);
    const produce = (line: string): Promise<Run> =>
      runnel(['console-producer', '--bootstrap-server', node.bootstrap, '--topic', 'follow', '--property', 'parse.key=true', '--property', 'key.separator=:'], `${line}\n`);
    expect((await produce(`${keyFor(0, 1)}:first`)).code).toBe(0);
    const consumer = startRunnel(
      ['console-consumer', '--bootstrap-server', node.bootstrap, '--topic', 'follow', '--from-beginning', '--max-messages', '2', '--property', 'print.partition=true'],
      '',
      40_000,
    );
    // Once it printed the first record it has subscribed: partition 1 does not exist yet.
    await consumer.waitForStdout('Partition:0\tfirst\n', 20_000);
    expect((await topics('--alter', '--topic', 'follow', '--partitions', '2')).code).toBe(0);
    expect((await produce(`${keyFor(1, 2)}:second`)).code).toBe(0);
    const run = await consumer.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Partition:0\tfirst\nPartition:1\tsecond\n');
    expect(run.stderr).toBe('Processed a total of 2 messages\n');
  }, 60_000);

  it('sets a topic config with --config and removes it with --delete-config', async () => {
    expect((await topics('--create', '--topic', 'conf', '--partitions', '1', '--replication-factor', '1')).code).toBe(0);
    const set = await topics('--alter', '--topic', 'conf', '--config', 'retention.ms=1000', '--config', 'retention.bytes=4096');
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('Completed updating config for topic conf.\n');
    // The change is answered once applied on the metadata leader, which (one node) answers --describe too.
    const withConfig = await topics('--describe', '--topic', 'conf');
    expect(withConfig.code).toBe(0);
    expect(withConfig.stdout.split('\n')[0]).toMatch(/\tConfigs: retention.bytes=4096,retention.ms=1000$/);

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
    const help = await runnel(['topics', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--alter');
    expect(help.stdout).toContain('--delete-config <key>');
    expect(unknownGrow.stderr).toContain('no-such-topic');
    expect(unknownConfig.stderr).toContain('no-such-topic');
    expect(nothing.stderr).toBe('runnel: --alter requires --partitions, --config or --delete-config\n');
    expect(noTopic.stderr).toBe('runnel: --alter requires --topic\n');
    expect(deleteWithoutAlter.stderr).toBe('runnel: --delete-config requires --alter\n');
  }, 60_000);
});
