/**
 * The group tools as real child processes against one real node: `console-consumer --group` reads
 * from the group's committed offsets and commits what it printed (so a second run continues where
 * the first stopped), and `consumer-groups` --list, --describe (Kafka's columns), --reset-offsets
 * (a plan without --execute; refused while the group has members) and --delete, with one-line errors.
 */
import { describe, expect, it } from 'vitest';
import { AdminClient, Producer } from '../../src/client/index.js';
import { expectOneLineError, runnel, startRunnel, useSingleNode } from './cli-harness.js';

const node = useSingleNode('runnel-cli-groups-');
const topic = 'cg';

async function setUp(): Promise<void> {
  const admin = new AdminClient({ bootstrapServers: [node.bootstrap] });
  expect((await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 1 }]))[0]!.error).toBeNull();
  admin.close();
  const producer = new Producer({ bootstrapServers: [node.bootstrap], lingerMs: 1 });
  await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send(topic, { value: `r${i}`, partition: i % 2 })));
  await producer.close();
}

const consume = (group: string, max: number, extra: string[] = []) =>
  runnel(['console-consumer', '--bootstrap-server', node.bootstrap, '--topic', topic, '--group', group, '--from-beginning', '--max-messages', String(max), '--timeout-ms', '10000', ...extra], '', 30_000);

const groups = (args: string[]) => runnel(['consumer-groups', '--bootstrap-server', node.bootstrap, ...args], '', 30_000);

/** --describe's rows as { PARTITION: ..., CURRENT-OFFSET: ..., ... }. */
function rows(stdout: string): Record<string, string>[] {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Consumer group'));
  const header = lines[0]!.split(/\s+/);
  return lines.slice(1).map((l) => Object.fromEntries(l.split(/\s+/).map((v, i) => [header[i]!, v])));
}

describe('runnel console-consumer --group and consumer-groups', () => {
  it('consumes from committed offsets, describes, resets and deletes the group', async () => {
    await setUp();
    const first = await consume('cli-g', 6);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.split('\n').filter((l) => l !== '')).toHaveLength(6);
    const second = await consume('cli-g', 4);
    expect(second.code, second.stderr).toBe(0);
    // Together exactly the 10 records: the second run continued where the first committed.
    expect([...first.stdout.split('\n'), ...second.stdout.split('\n')].filter((l) => l !== '').sort()).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`).sort());

    expect((await groups(['--list'])).stdout.split('\n')).toContain('cli-g');
    const described = await groups(['--describe', '--group', 'cli-g']);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/GROUP +TOPIC +PARTITION +CURRENT-OFFSET +LOG-END-OFFSET +LAG +CONSUMER-ID +CLIENT-ID/);
    expect(described.stdout).toContain("Consumer group 'cli-g' has no active members.");
    expect(rows(described.stdout).map((r) => [r['PARTITION'], r['CURRENT-OFFSET'], r['LOG-END-OFFSET'], r['LAG'], r['CONSUMER-ID']])).toEqual([
      ['0', '5', '5', '0', '-'],
      ['1', '5', '5', '0', '-'],
    ]);

    const plan = await groups(['--reset-offsets', '--group', 'cli-g', '--topic', topic, '--to-offset', '2', '--dry-run']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(rows(plan.stdout).map((r) => r['NEW-OFFSET'])).toEqual(['2', '2']);
    expect(rows((await groups(['--describe', '--group', 'cli-g'])).stdout).map((r) => r['CURRENT-OFFSET'])).toEqual(['5', '5']); // not written
    const done = await groups(['--reset-offsets', '--group', 'cli-g', '--topic', topic, '--to-earliest', '--execute']);
    expect(done.code, done.stderr).toBe(0);
    expect(rows((await groups(['--describe', '--group', 'cli-g'])).stdout).map((r) => r['LAG'])).toEqual(['5', '5']);

    // With a member running: describe shows it; reset and delete are refused with one line.
    // (It exits by itself after 8 s without a record, leaving the group.)
    const running = startRunnel(['console-consumer', '--bootstrap-server', node.bootstrap, '--topic', topic, '--group', 'cli-g', '--consumer-property', 'client.id=tool-1', '--timeout-ms', '8000'], '', 30_000);
    await running.waitForStdout('r', 20_000);
    const [live, reset, deleteLive] = await Promise.all([
      groups(['--describe', '--group', 'cli-g']),
      groups(['--reset-offsets', '--group', 'cli-g', '--topic', topic, '--to-latest', '--execute']),
      groups(['--delete', '--group', 'cli-g']),
    ]);
    expect(rows(live.stdout).map((r) => [r['CLIENT-ID'], r['CONSUMER-ID'] !== '-'])).toEqual([
      ['tool-1', true],
      ['tool-1', true],
    ]);
    expectOneLineError(reset);
    expectOneLineError(deleteLive);
    const ended = await running.done;
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout.split('\n').filter((l) => l !== '')).toHaveLength(10); // from the reset: earliest

    const deleted = await groups(['--delete', '--group', 'cli-g']);
    expect(deleted.stdout).toBe("Deletion of requested consumer groups ('cli-g') was successful.\n");
    expectOneLineError(await groups(['--describe', '--group', 'cli-g']));
  }, 120_000);

  it('fails with one line on misuse', async () => {
    expectOneLineError(await groups(['--describe']));
    expectOneLineError(await groups(['--list', '--describe', '--group', 'x']));
    expectOneLineError(await groups(['--reset-offsets', '--group', 'x', '--topic', topic]));
    expectOneLineError(await groups(['--delete', '--group', 'no-such-group']));
    expectOneLineError(await runnel(['console-consumer', '--bootstrap-server', node.bootstrap, '--topic', topic, '--group', 'g', '--partition', '0'], '', 15_000));
    expectOneLineError(await runnel(['console-consumer', '--bootstrap-server', node.bootstrap, '--topic', topic, '--consumer-property', 'fetch.bogus=1'], '', 15_000));
    const help = await runnel(['consumer-groups', '--help'], '', 15_000);
    expect(help.stdout).toContain('--reset-offsets');
  }, 60_000);
});
