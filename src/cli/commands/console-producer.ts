/** `runnel console-producer`: kafka-console-producer.sh — one record per stdin line, flush and exit at EOF. */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Producer, type RecordMetadata } from '../../client/index.js';
import { clientCommand, cliClientOptions, CliError, bootstrapList, collect, isTrue, parseProperties, reaching, type TlsFlags } from './common.js';
import { producerSettings } from './producer-props.js';

interface ProducerCliOptions extends TlsFlags {
  bootstrapServer?: string;
  brokerList?: string;
  topic: string;
  property: string[];
  producerProperty: string[];
}

/** Lines sent and not yet acknowledged at most; reading stdin waits beyond this. */
const outstandingLinesMax = 10_000;

function serversOf(opts: ProducerCliOptions): string[] {
  return opts.bootstrapServer !== undefined ? bootstrapList(opts.bootstrapServer) : bootstrapList(opts.brokerList, '--bootstrap-server or --broker-list');
}

async function consoleProducer(opts: ProducerCliOptions): Promise<void> {
  const servers = serversOf(opts);
  await reaching(servers, () => consoleProducerBody(opts, servers));
}

async function consoleProducerBody(opts: ProducerCliOptions, servers: readonly string[]): Promise<void> {
  const props = parseProperties(opts.property, '--property');
  const producerProps = parseProperties(opts.producerProperty, '--producer-property');
  const parseKey = isTrue(props.get('parse.key'));
  const separator = props.get('key.separator') ?? '\t';
  const settings = producerSettings(producerProps, '--producer-property', { lingerMs: 5, deliveryTimeoutMs: 30_000 });
  const producer = new Producer({ bootstrapServers: servers, ...cliClientOptions(opts), ...settings });
  let firstError: unknown;
  let lineNo = 0;
  let sends: Promise<RecordMetadata | void>[] = [];
  try {
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (firstError !== undefined) break;
      let key: string | null = null;
      let value = line;
      if (parseKey) {
        const at = line.indexOf(separator);
        if (at < 0) throw new CliError(`no key separator "${separator}" in line ${lineNo + 1}`);
        key = line.slice(0, at);
        value = line.slice(at + separator.length);
      }
      lineNo++;
      sends.push(
        producer.send(opts.topic, { key, value }).catch((err: unknown) => {
          firstError ??= err;
        }),
      );
      if (sends.length >= outstandingLinesMax) {
        await Promise.all(sends);
        sends = [];
      }
    }
    await Promise.all(sends);
    if (firstError !== undefined) throw firstError;
    await producer.flush();
  } finally {
    await producer.close().catch(() => undefined);
  }
}

export function registerConsoleProducer(program: Command): void {
  clientCommand(program, 'console-producer', 'write stdin lines to a topic, one record per line (kafka-console-producer.sh)')
    .option('--broker-list <host:port>', 'the same as --bootstrap-server (older Kafka name)')
    .requiredOption('--topic <name>', 'the topic to write to')
    .option('--property <key=value>', 'parse.key=true, key.separator=<sep> (default tab); repeatable', collect, [])
    .option('--producer-property <key=value>', 'acks=all|1|0 (default all), linger.ms=<ms> (default 5), batch.size, buffer.memory, delivery.timeout.ms, enable.idempotence=true|false (default: true with acks=all); repeatable', collect, [])
    .action(consoleProducer);
}
