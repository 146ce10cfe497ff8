/**
 * `runnel console-consumer`: kafka-console-consumer.sh — print a topic's records to stdout. Without
 * --partition it subscribes to the topic, so partitions added while it runs are read too (from their start).
 */
import type { Command } from 'commander';
import { Consumer, type ConsumerRecord } from '../../client/index.js';
import { CLI_CLIENT_OPTIONS, CliError, bootstrapList, collect, isTrue, nonNegativeInt, parseProperties, positiveInt, reaching } from './common.js';

interface ConsumerCliOptions {
  bootstrapServer?: string;
  topic: string;
  fromBeginning?: boolean;
  partition?: number;
  offset?: string;
  maxMessages?: number;
  timeoutMs?: number;
  property: string[];
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
  const consumer = new Consumer({ bootstrapServers: servers, ...CLI_CLIENT_OPTIONS, autoOffsetReset: opts.fromBeginning === true ? 'earliest' : 'latest' });
  let stopped = false;
  const onSigint = (): void => {
    stopped = true;
  };
  process.once('SIGINT', onSigint);
  let count = 0;
  try {
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
    const max = opts.maxMessages ?? Infinity;
    let idleSince = Date.now();
    while (!stopped && count < max) {
      const waitMs = opts.timeoutMs === undefined ? 500 : Math.max(0, Math.min(500, idleSince + opts.timeoutMs - Date.now()));
      const records = await consumer.poll(waitMs);
      for (const r of records) {
        if (count >= max) break;
        process.stdout.write(formatRecord(r, print));
        count++;
      }
      if (records.length > 0) idleSince = Date.now();
      else if (opts.timeoutMs !== undefined && Date.now() - idleSince >= opts.timeoutMs) break;
    }
  } finally {
    process.off('SIGINT', onSigint);
    consumer.close();
  }
  process.stderr.write(`Processed a total of ${count} messages\n`);
}

export function registerConsoleConsumer(program: Command): void {
  program
    .command('console-consumer')
    .description("print a topic's records to stdout (kafka-console-consumer.sh)")
    .option('--bootstrap-server <host:port>', 'node(s) to connect to, comma-separated')
    .requiredOption('--topic <name>', 'the topic to read')
    .option('--from-beginning', 'start at the earliest offset instead of the end')
    .option('--partition <n>', 'read only this partition', nonNegativeInt)
    .option('--offset <n|earliest|latest>', 'start offset in --partition')
    .option('--max-messages <n>', 'exit after this many records', positiveInt)
    .option('--timeout-ms <ms>', 'exit when no record arrives for this long', nonNegativeInt)
    .option('--property <key=value>', 'print.key, print.offset, print.partition, print.timestamp (=true), key.separator; repeatable', collect, [])
    .action(consoleConsumer);
}
