/**
 * `runnel console-consumer`: kafka-console-consumer.sh — print a topic's records to stdout. Without
 * --partition it subscribes to the topic, so partitions added while it runs are read too (from their
 * start). With --group it is a member of that consumer group: it reads the partitions the group
 * assigns it, from the group's committed offsets, commits as it goes and on exit.
 */
import type { Command } from 'commander';
import { Consumer, type ConsumerOptions, type ConsumerRecord } from '../../client/index.js';
import { clientCommand, cliClientOptions, CliError, bootstrapList, collect, isTrue, nonNegativeInt, parseProperties, positiveInt, reaching, type TlsFlags } from './common.js';

interface ConsumerCliOptions extends TlsFlags {
  bootstrapServer?: string;
  topic: string;
  fromBeginning?: boolean;
  partition?: number;
  offset?: string;
  maxMessages?: number;
  timeoutMs?: number;
  property: string[];
  group?: string;
  consumerProperty: string[];
}

export interface PrintOptions {
  readonly timestamp: boolean;
  readonly partition: boolean;
  readonly offset: boolean;
  readonly key: boolean;
  readonly keySeparator: string;
  readonly lineSeparator: string;
}

/** One record as Kafka's DefaultMessageFormatter prints it (timestamp, partition, offset, key, value). */
export function formatRecord(r: ConsumerRecord, p: PrintOptions): string {
  const fields: string[] = [];
  if (p.timestamp) fields.push(`CreateTime:${r.timestampMs}`);
  if (p.partition) fields.push(`Partition:${r.partition}`);
  if (p.offset) fields.push(`Offset:${r.offset}`);
  if (p.key) fields.push(r.key === null ? 'null' : r.key.toString('utf8'));
  fields.push(r.value.toString('utf8'));
  return fields.join(p.keySeparator) + p.lineSeparator;
}

function serversOf(opts: ConsumerCliOptions): string[] {
  return bootstrapList(opts.bootstrapServer);
}

async function consoleConsumer(opts: ConsumerCliOptions): Promise<void> {
  const servers = serversOf(opts);
  await reaching(servers, () => consoleConsumerBody(opts, servers));
}

async function consoleConsumerBody(opts: ConsumerCliOptions, servers: readonly string[]): Promise<void> {
  const props = parseProperties(opts.property, '--property');
  const print: PrintOptions = {
    timestamp: isTrue(props.get('print.timestamp')),
    partition: isTrue(props.get('print.partition')),
    offset: isTrue(props.get('print.offset')),
    key: isTrue(props.get('print.key')),
    keySeparator: props.get('key.separator') ?? '\t',
    lineSeparator: props.get('line.separator') ?? '\n',
  };
  if (opts.offset !== undefined && opts.partition === undefined) throw new CliError('--offset requires --partition');
  if (opts.offset !== undefined && !/^(\d+|earliest|latest)$/.test(opts.offset)) throw new CliError(`--offset "${opts.offset}": expected a number, earliest or latest`);
  const consumer = new Consumer({ bootstrapServers: servers, ...cliClientOptions(opts), ...consumerOptions(opts) });
  let stopped = false;
  const onSigint = (): void => {
    stopped = true;
  };
  process.once('SIGINT', onSigint);
  let count = 0;
  const max = opts.maxMessages ?? Infinity;
  // Per partition, the offset after the last record printed: where a group consumer stopping early commits.
  const printed = new Map<string, { topic: string; partition: number; offset: number }>();
  try {
    if (opts.partition !== undefined && consumer.groupId !== undefined) throw new CliError('--partition cannot be used with a consumer group (--group)');
    if (opts.partition !== undefined) {
      const info = await consumer.metadata.requireTopic(opts.topic);
      if (!info.partitions.some((p) => p.partition === opts.partition)) throw new CliError(`topic ${opts.topic} has no partition ${opts.partition}`);
      const tp = { topic: opts.topic, partition: opts.partition };
      consumer.assign([tp]);
      if (opts.offset === 'earliest') consumer.seekToBeginning([tp]);
      else if (opts.offset === 'latest') consumer.seekToEnd([tp]);
      else if (opts.offset !== undefined) consumer.seek(tp, Number(opts.offset));
    } else {
      await consumer.metadata.requireTopic(opts.topic); // an unknown topic is an error here, not a wait
      await consumer.subscribe([opts.topic]); // follows partitions added while it runs
    }
    let idleSince = Date.now();
    while (!stopped && count < max) {
      const waitMs = opts.timeoutMs === undefined ? 500 : Math.max(0, Math.min(500, idleSince + opts.timeoutMs - Date.now()));
      const records = await consumer.poll(waitMs);
      for (const r of records) {
        if (count >= max) break;
        process.stdout.write(formatRecord(r, print));
        printed.set(`${r.topic}/${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
        count++;
      }
      if (records.length > 0) idleSince = Date.now();
      else if (opts.timeoutMs !== undefined && Date.now() - idleSince >= opts.timeoutMs) break;
    }
    // Stopped at --max-messages: what the last poll returned beyond it was not printed, so is not committed.
    if (count >= max) for (const p of printed.values()) if (consumer.assignment().some((tp) => tp.topic === p.topic && tp.partition === p.partition)) consumer.seek(p, p.offset);
  } finally {
    process.off('SIGINT', onSigint);
    await consumer.close(); // in a group: commits and leaves
  }
  process.stderr.write(`Processed a total of ${count} messages\n`);
}

/** Kafka's consumer properties this tool takes (--consumer-property, --group). */
const consumerPropertyNames = ['group.id', 'client.id', 'auto.offset.reset', 'enable.auto.commit', 'auto.commit.interval.ms', 'session.timeout.ms'];

/** The Consumer's options from --from-beginning, --group and --consumer-property. */
export function consumerOptions(opts: Pick<ConsumerCliOptions, 'fromBeginning' | 'group' | 'consumerProperty'>): Partial<ConsumerOptions> {
  const props = parseProperties(opts.consumerProperty, '--consumer-property');
  const unknown = [...props.keys()].filter((k) => !consumerPropertyNames.includes(k));
  if (unknown.length > 0) throw new CliError(`unknown consumer property ${unknown.join(', ')} (known: ${consumerPropertyNames.join(', ')})`);
  const reset = props.get('auto.offset.reset');
  if (reset !== undefined && reset !== 'earliest' && reset !== 'latest') throw new CliError(`auto.offset.reset "${reset}": expected earliest or latest`);
  if (opts.fromBeginning === true && reset === 'latest') throw new CliError("can't specify both --from-beginning and auto.offset.reset=latest");
  const groupId = opts.group ?? props.get('group.id');
  if (opts.group !== undefined && props.has('group.id') && props.get('group.id') !== opts.group) throw new CliError('--group and group.id differ');
  const autoCommit = props.get('enable.auto.commit');
  if (autoCommit !== undefined && autoCommit !== 'true' && autoCommit !== 'false') throw new CliError(`enable.auto.commit "${autoCommit}": expected true or false`);
  return {
    autoOffsetReset: opts.fromBeginning === true ? 'earliest' : (reset ?? 'latest'),
    ...(groupId !== undefined ? { groupId } : {}),
    ...(props.has('client.id') ? { clientId: props.get('client.id')! } : {}),
    ...(autoCommit !== undefined ? { enableAutoCommit: autoCommit === 'true' } : {}),
    ...msProperty(props, 'auto.commit.interval.ms', 'autoCommitIntervalMs'),
    ...msProperty(props, 'session.timeout.ms', 'sessionTimeoutMs'),
  };
}

function msProperty<K extends string>(props: Map<string, string>, name: string, key: K): Partial<Record<K, number>> {
  const v = props.get(name);
  if (v === undefined) return {};
  if (!/^\d+$/.test(v) || Number(v) === 0) throw new CliError(`${name} "${v}": expected a positive number of ms`);
  return { [key]: Number(v) } as Partial<Record<K, number>>;
}

export function registerConsoleConsumer(program: Command): void {
  clientCommand(program, 'console-consumer', "print a topic's records to stdout (kafka-console-consumer.sh)")
    .requiredOption('--topic <name>', 'the topic to read')
    .option('--from-beginning', 'start at the earliest offset instead of the end (in a group: where the group has no committed offset)')
    .option('--partition <n>', 'read only this partition', nonNegativeInt)
    .option('--offset <n|earliest|latest>', 'start offset in --partition')
    .option('--max-messages <n>', 'exit after this many records', positiveInt)
    .option('--timeout-ms <ms>', 'exit when no record arrives for this long', nonNegativeInt)
    .option('--property <key=value>', 'print.key, print.offset, print.partition, print.timestamp (=true), key.separator; repeatable', collect, [])
    .option('--group <id>', 'read as a member of this consumer group, from its committed offsets (committing as it goes and on exit)')
    .option('--consumer-property <key=value>', `consumer config: ${consumerPropertyNames.join(', ')}; repeatable`, collect, [])
    .action(consoleConsumer);
}
