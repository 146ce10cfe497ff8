/**
 * `runnel consumer-perf-test`: kafka-consumer-perf-test.sh. Reads --messages records of a topic from
 * the beginning of every partition (no group: nothing is committed) and prints Kafka's result line:
 * start and end time, MB and records consumed and their rates; fetch.* counts from the first record
 * on (Kafka's "fetch time"), rebalance time is 0 without a group. Gives up after --timeout ms
 * without a record.
 */
import type { Command } from 'commander';
import { Consumer } from '../../client/index.js';
import { clientCommand, cliClientOptions, CliError, bootstrapList, positiveInt, reaching, type TlsFlags } from './common.js';

interface PerfOptions extends TlsFlags {
  bootstrapServer?: string;
  topic: string;
  messages: number;
  timeout: number;
  fetchSize: number;
  showDetailedStats?: boolean;
  reportingInterval: number;
}

const mb = 1024 * 1024;
const header = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
const pollWaitMs = 100;

/** Kafka's date format: 2026-12-02 03:04:05:678 */
function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}:${p(d.getMilliseconds(), 3)}`;
}

function resultLine(startMs: number, firstMs: number, endMs: number, bytes: number, records: number): string {
  const seconds = Math.max(1e-3, (endMs - startMs) / 1000);
  const fetchMs = Math.max(1, endMs - firstMs);
  const mbRead = bytes / mb;
  const f = (n: number) => n.toFixed(4);
  return `${stamp(startMs)}, ${stamp(endMs)}, ${f(mbRead)}, ${f(mbRead / seconds)}, ${records}, ${f(records / seconds)}, 0, ${fetchMs}, ${f(mbRead / (fetchMs / 1000))}, ${f(records / (fetchMs / 1000))}`;
}

async function perfTest(opts: PerfOptions): Promise<void> {
  const servers = bootstrapList(opts.bootstrapServer);
  await reaching(servers, () => run(opts, servers));
}

async function run(opts: PerfOptions, servers: readonly string[]): Promise<void> {
  const consumer = new Consumer({ bootstrapServers: [...servers], ...cliClientOptions(opts), autoOffsetReset: 'earliest', fetchMaxBytes: opts.fetchSize, partitionMaxBytes: opts.fetchSize });
  try {
    const info = await consumer.metadata.requireTopic(opts.topic);
    const tps = info.partitions.map((p) => ({ topic: opts.topic, partition: p.partition }));
    consumer.assign(tps);
    consumer.seekToBeginning(tps);
    const startMs = Date.now();
    let firstMs = 0;
    let lastRecordMs = startMs;
    let records = 0;
    let bytes = 0;
    let reportedAt = startMs;
    let reported = { records: 0, bytes: 0 };
    if (opts.showDetailedStats) process.stdout.write(`time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec\n`);
    while (records < opts.messages) {
      const batch = await consumer.poll(pollWaitMs);
      const now = Date.now();
      if (batch.length > 0) {
        firstMs ||= now;
        lastRecordMs = now;
      } else if (now - lastRecordMs > opts.timeout) {
        throw new CliError(`consumed ${records} of ${opts.messages} records; none arrived for ${opts.timeout} ms (--timeout)`);
      }
      for (const r of batch.slice(0, opts.messages - records)) {
        records++;
        bytes += r.value.length + (r.key?.length ?? 0);
      }
      if (opts.showDetailedStats && now - reportedAt >= opts.reportingInterval) {
        const s = (now - reportedAt) / 1000;
        process.stdout.write(`${stamp(now)}, 0, ${(bytes / mb).toFixed(4)}, ${((bytes - reported.bytes) / mb / s).toFixed(4)}, ${records}, ${((records - reported.records) / s).toFixed(4)}\n`);
        reportedAt = now;
        reported = { records, bytes };
      }
    }
    process.stdout.write(`${header}\n${resultLine(startMs, firstMs, Date.now(), bytes, records)}\n`);
  } finally {
    await consumer.close();
  }
}

export function registerConsumerPerfTest(program: Command): void {
  clientCommand(program, 'consumer-perf-test', 'measure consume throughput (kafka-consumer-perf-test.sh)')
    .requiredOption('--topic <name>', 'the topic to read, from the beginning of every partition')
    .requiredOption('--messages <n>', 'how many records to read', positiveInt)
    .option('--timeout <ms>', 'give up after this long without a record', positiveInt, 10_000)
    .option('--fetch-size <bytes>', 'the most bytes one fetch returns, per partition and in all', positiveInt, 4 * mb)
    .option('--show-detailed-stats', 'print a line of progress every --reporting-interval')
    .option('--reporting-interval <ms>', 'how often --show-detailed-stats prints', positiveInt, 5_000)
    .action(perfTest);
}
