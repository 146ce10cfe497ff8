/**
 * The real `runnel` CLI as child processes (`node --import tsx src/cli/main.ts ...`) against one
 * real node started in this process: topics --create/--list/--describe, 100 stdin lines through
 * console-producer read back once each, in per-partition order, by console-consumer
 * --from-beginning --max-messages 100; one-line errors and non-zero exits for an unknown topic and a
 * bad flag; --help exits 0.
 */
import { describe, expect, it } from 'vitest';
import { expectOneLineError, runnel, useSingleNode } from './cli-harness.js';

const node = useSingleNode('runnel-cli-');

describe('runnel CLI', () => {
  it('creates, lists and describes a topic; produces 100 lines and consumes each once, in order', async () => {
    const created = await runnel(['topics', '--bootstrap-server', node.bootstrap, '--create', '--topic', 'kafka1', '--partitions', '3', '--replication-factor', '1']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toBe('Created topic kafka1.\n');

    const [listed, described] = await Promise.all([
      runnel(['topics', '--bootstrap-server', node.bootstrap, '--list']),
      runnel(['topics', '--bootstrap-server', node.bootstrap, '--describe', '--topic', 'kafka1']),
    ]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')).toContain('kafka1');
    expect(described.code).toBe(0);
    const lines = described.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Topic: kafka1\tTopicId: \S+\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: /);
    expect(lines.slice(1)).toHaveLength(3);
    for (const [i, l] of lines.slice(1).entries()) expect(l).toBe(`\tTopic: kafka1\tPartition: ${i}\tLeader: 1\tReplicas: 1\tIsr: 1`);

    const n = 100;
    const input = Array.from({ length: n }, (_, i) => `k${i % 7}:line-${i}`).join('\n') + '\n';
    const produced = await runnel(
      ['console-producer', '--broker-list', node.bootstrap, '--topic', 'kafka1', '--property', 'parse.key=true', '--property', 'key.separator=:', '--producer-property', 'acks=all'],
      input,
    );
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);

    const consumed = await runnel([
      'console-consumer', '--bootstrap-server', node.bootstrap, '--topic', 'kafka1', '--from-beginning', '--max-messages', String(n),
      '--timeout-ms', '10000', '--property', 'print.key=true,print.partition=true,print.offset=true',
    ]);
    expect(consumed.code).toBe(0);
    expect(consumed.stderr).toBe(`Processed a total of ${n} messages\n`);
    const out = consumed.stdout.trimEnd().split('\n').map((l) => {
      const [p, o, key, value] = l.split('\t');
      return { partition: Number(p!.replace('Partition:', '')), offset: Number(o!.replace('Offset:', '')), key: key!, value: value! };
    });
    expect(out).toHaveLength(n);
    expect(new Set(out.map((r) => r.value)).size).toBe(n);
    for (let i = 0; i < n; i++) expect(out.some((r) => r.value === `line-${i}` && r.key === `k${i % 7}`)).toBe(true);
    // Per partition: offsets 0.. contiguous, values in the order they were piped in; one key, one partition.
    for (const p of new Set(out.map((r) => r.partition))) {
      const recs = out.filter((r) => r.partition === p);
      expect(recs.map((r) => r.offset)).toEqual(recs.map((_, i) => i));
      const idx = recs.map((r) => Number(r.value.replace('line-', '')));
      expect(idx).toEqual([...idx].sort((a, b) => a - b));
    }
    for (const key of new Set(out.map((r) => r.key))) expect(new Set(out.filter((r) => r.key === key).map((r) => r.partition)).size).toBe(1);

    // --partition/--offset: partition of line-0 from offset 1 prints the rest of that partition.
    const p0 = out.find((r) => r.value === 'line-0')!.partition;
    const rest = out.filter((r) => r.partition === p0 && r.offset >= 1).map((r) => r.value);
    const one = await runnel(['console-consumer', '--bootstrap-server', node.bootstrap, '--topic', 'kafka1', '--partition', String(p0), '--offset', '1', '--max-messages', String(rest.length), '--timeout-ms', '5000']);
    expect(one.code).toBe(0);
    expect(one.stdout.trimEnd().split('\n')).toEqual(rest);
  }, 40_000);

  it('fails with one line and a non-zero exit on an unknown topic, a bad flag and a dead server; --help exits 0', async () => {
    const [unknownConsume, unknownDescribe, badFlag, badNumber, noAction, dead, ...helps] = await Promise.all([
      runnel(['console-consumer', '--bootstrap-server', node.bootstrap, '--topic', 'no-such-topic', '--max-messages', '1', '--timeout-ms', '2000']),
      runnel(['topics', '--bootstrap-server', node.bootstrap, '--describe', '--topic', 'no-such-topic']),
      runnel(['topics', '--bootstrap-server', node.bootstrap, '--list', '--no-such-flag']),
      runnel(['topics', '--bootstrap-server', node.bootstrap, '--create', '--topic', 't', '--partitions', 'three']),
      runnel(['topics', '--bootstrap-server', node.bootstrap]),
      runnel(['console-producer', '--bootstrap-server', '127.0.0.1:1', '--topic', 't'], 'x\n', 25_000),
      runnel(['--help']),
      runnel(['topics', '--help']),
      runnel(['console-producer', '--help']),
      runnel(['console-consumer', '--help']),
    ]);
    for (const r of [unknownConsume, unknownDescribe, badFlag, badNumber, noAction, dead]) expectOneLineError(r);
    expect(unknownConsume.stderr).toContain('no-such-topic');
    expect(unknownDescribe.stderr).toContain('no-such-topic');
    expect(badFlag.stderr).toContain('--no-such-flag');
    expect(badNumber.stderr).toContain('--partitions');
    expect(noAction.stderr).toContain('exactly one of --create');
    expect(dead.stderr).toBe('runnel: cannot reach 127.0.0.1:1 (ECONNREFUSED)\n');
    for (const h of helps) {
      expect(h.code).toBe(0);
      expect(h.stdout).toContain('Usage: runnel');
    }
    expect(helps[1]!.stdout).toContain('--bootstrap-server');
    expect(helps[2]!.stdout).toContain('--broker-list');
    expect(helps[3]!.stdout).toContain('--from-beginning');
  }, 40_000);

  it('refuses unknown or contradictory producer properties before sending anything', async () => {
    const produce = (...props: string[]) => runnel(['console-producer', '--bootstrap-server', node.bootstrap, '--topic', 'kafka1', ...props.flatMap((p) => ['--producer-property', p])], 'never-sent\n');
    const [unknown, idempotentAcks1, badLinger] = await Promise.all([
      produce('compression.type=gzip'),
      produce('acks=1', 'enable.idempotence=true'),
      produce('linger.ms=soon'),
    ]);
    for (const r of [unknown, idempotentAcks1, badLinger]) expectOneLineError(r);
    expect(unknown.stderr).toContain('compression.type: unknown; supported: acks, enable.idempotence, linger.ms, batch.size, buffer.memory, delivery.timeout.ms');
    expect(idempotentAcks1.stderr).toContain('enable.idempotence=true needs acks=all');
    expect(badLinger.stderr).toContain('linger.ms=soon');
    const read = await runnel(['console-consumer', '--bootstrap-server', node.bootstrap, '--topic', 'kafka1', '--from-beginning', '--timeout-ms', '1500']);
    expect(read.stdout).not.toContain('never-sent');
  }, 40_000);
});
