/** `runnel console-producer`: kafka-console-producer.sh — one record per stdin line, flush and exit at EOF. */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Producer, type AcksSetting, type RecordMetadata } from '../../client/index.js';
import { TLS_FLAG_HELP, cliClientOptions, CliError, bootstrapList, collect, isTrue, parseProperties, reaching, type TlsFlags } from './common.js';

interface ProducerCliOptions extends TlsFlags {
  bootstrapServer?: string;
  brokerList?: string;
  topic: string;
  property: string[];
  producerProperty: string[];
}

function acksOf(v: string | undefined): AcksSetting {
  if (v === undefined) return 'all';
  if (v === 'all' || v === '-1') return 'all';
  if (v === '1' || v === '0') return v;
  throw new CliError(`--producer-property acks=${v}: expected all, -1, 1 or 0`);
}

/** The --producer-property keys this tool understands (Kafka's names). */
const producerPropertyKeys = ['acks', 'linger.ms', 'enable.idempotence'] as const;
/** Lines sent and not yet acknowledged at most; reading stdin waits beyond this. */
const outstandingLinesMax = 10_000;

function checkProducerProperties(props: ReadonlyMap<string, string>): void {
  for (const k of props.keys()) {
    if (!(producerPropertyKeys as readonly string[]).includes(k)) {
      throw new CliError(`--producer-property ${k}: unknown; supported: ${producerPropertyKeys.join(', ')}`);
    }
  }
  const linger = props.get('linger.ms');
  if (linger !== undefined && !/^\d+$/.test(linger)) throw new CliError(`--producer-property linger.ms=${linger}: expected a whole number of ms`);
  const idem = props.get('enable.idempotence');
  if (idem !== undefined && idem !== 'true' && idem !== 'false') throw new CliError(`--producer-property enable.idempotence=${idem}: expected true or false`);
}

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
  checkProducerProperties(producerProps);
  const lingerMs = producerProps.has('linger.ms') ? Number(producerProps.get('linger.ms')) : 5;
  const acks = acksOf(producerProps.get('acks'));
  const idem = producerProps.get('enable.idempotence');
  if (idem === 'true' && acks !== 'all') throw new CliError(`--producer-property enable.idempotence=true needs acks=all (got acks=${acks})`);
  // Kafka's default: idempotent with acks=all, so a retried batch is never written twice.
  const enableIdempotence = idem === undefined ? acks === 'all' : idem === 'true';
  const producer = new Producer({ bootstrapServers: servers, ...cliClientOptions(opts), acks, enableIdempotence, lingerMs, deliveryTimeoutMs: 30_000 });
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
  program
    .command('console-producer')
    .description('write stdin lines to a topic, one record per line (kafka-console-producer.sh)')
    .option('--bootstrap-server <host:port>', 'node(s) to connect to, comma-separated')
    .option('--ssl-ca <file>', TLS_FLAG_HELP.ca)
    .option('--ssl-cert <file>', TLS_FLAG_HELP.cert)
    .option('--ssl-key <file>', TLS_FLAG_HELP.key)
    .option('--broker-list <host:port>', 'the same as --bootstrap-server (older Kafka name)')
    .requiredOption('--topic <name>', 'the topic to write to')
    .option('--property <key=value>', 'parse.key=true, key.separator=<sep> (default tab); repeatable', collect, [])
    .option('--producer-property <key=value>', 'acks=all|1|0 (default all), linger.ms=<ms> (default 5), enable.idempotence=true|false (default: true with acks=all); repeatable', collect, [])
    .action(consoleProducer);
}
