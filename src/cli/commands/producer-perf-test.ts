/**
 * `runnel producer-perf-test`: kafka-producer-perf-test.sh. Sends --num-records records of
 * --record-size random bytes (null keys, so the sticky partitioner spreads batches) at --throughput
 * records/s at most (-1: as fast as it goes), prints a progress line every 5 s and Kafka's summary
 * line: records/sec, MB/sec, average and maximum latency, and the 50th/95th/99th/99.9th percentiles
 * (an HDR histogram of send-to-acknowledgement times, microsecond resolution).
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import * as hdr from 'hdr-histogram-js';
import { Producer } from '../../client/index.js';
import { clientCommand, cliClientOptions, CliError, bootstrapList, parseProperties, positiveInt, reaching, type TlsFlags } from './common.js';
import { latencyHistogramOptions } from './latency-histogram.js';
import { producerSettings } from './producer-props.js';

interface PerfOptions extends TlsFlags {
  bootstrapServer?: string;
  topic: string;
  numRecords: number;
  recordSize: number;
  throughput: number;
  producerProps: string[];
}

const reportIntervalMs = 5_000;
/** Sends awaiting their acknowledgement at most: the tool waits for one before starting another. */
const outstandingMax = 50_000;

const mb = 1024 * 1024;
const fixed = (n: number, digits: number) => n.toFixed(digits);

/** Counts and latencies (µs) since `startMs`; the percentiles only for the whole run (`final`). */
class Window {
  private readonly latencyUs: hdr.Histogram | undefined;
  records = 0;
  bytes = 0;
  private latencySumUs = 0;
  private latencyMaxUs = 0;
  constructor(
    readonly startMs: number,
    withPercentiles: boolean,
  ) {
    this.latencyUs = withPercentiles ? hdr.build(latencyHistogramOptions) : undefined;
  }

  record(latencyUs: number, bytes: number): void {
    const us = Math.max(1, Math.round(latencyUs));
    this.latencyUs?.recordValue(us);
    this.latencySumUs += us;
    if (us > this.latencyMaxUs) this.latencyMaxUs = us;
    this.records++;
    this.bytes += bytes;
  }

  /** Kafka's progress line; with percentiles, its summary line. */
  line(nowMs: number): string {
    const seconds = Math.max(1e-3, (nowMs - this.startMs) / 1000);
    const ms = (us: number) => us / 1000;
    const mean = this.records === 0 ? 0 : this.latencySumUs / this.records;
    const base = `${this.records} records sent, ${fixed(this.records / seconds, 1)} records/sec (${fixed(this.bytes / mb / seconds, 2)} MB/sec), ${fixed(ms(mean), 2)} ms avg latency, ${fixed(ms(this.latencyMaxUs), 1)} ms max latency`;
    const h = this.latencyUs;
    if (h === undefined) return `${base}.`;
    const p = (q: number) => `${fixed(ms(h.getValueAtPercentile(q)), 2)} ms ${q}th`;
    return `${base}, ${p(50)}, ${p(95)}, ${p(99)}, ${p(99.9)}.`;
  }
}

/** Kafka's ThroughputThrottler: keeps the send rate at `perSecond` (-1: no limit). */
async function throttle(perSecond: number, sent: number, startMs: number): Promise<void> {
  if (perSecond <= 0) return;
  const dueMs = startMs + (sent * 1000) / perSecond;
  const waitMs = dueMs - performance.now();
  if (waitMs > 1) await new Promise((r) => setTimeout(r, waitMs));
}

async function perfTest(opts: PerfOptions): Promise<void> {
  if (!Number.isInteger(opts.throughput) || (opts.throughput <= 0 && opts.throughput !== -1)) throw new CliError('--throughput: a positive number of records/sec, or -1 for no limit');
  const props = parseProperties(opts.producerProps, '--producer-props');
  // Kafka's tool takes the servers as bootstrap.servers here; --bootstrap-server does too.
  const servers = bootstrapList(opts.bootstrapServer ?? props.get('bootstrap.servers'), '--bootstrap-server (or bootstrap.servers in --producer-props)');
  props.delete('bootstrap.servers');
  const settings = producerSettings(props, '--producer-props');
  await reaching(servers, () => run(opts, servers, settings));
}

async function run(opts: PerfOptions, servers: readonly string[], settings: ReturnType<typeof producerSettings>): Promise<void> {
  const producer = new Producer({ bootstrapServers: [...servers], ...cliClientOptions(opts), ...settings });
  try {
    await producer.metadata.requireTopic(opts.topic);
    const payload = randomBytes(opts.recordSize);
    const startMs = performance.now();
    const total = new Window(startMs, true);
    let window = new Window(startMs, false);
    let outstanding = 0;
    let firstError: unknown;
    let released: (() => void) | undefined;
    const reporter = setInterval(() => {
      const now = performance.now();
      process.stdout.write(`${window.line(now)}\n`);
      window = new Window(now, false);
    }, reportIntervalMs);
    try {
      for (let i = 0; i < opts.numRecords && firstError === undefined; i++) {
        if (opts.throughput > 0) await throttle(opts.throughput, i, startMs);
        while (outstanding >= outstandingMax) await new Promise<void>((r) => (released = r));
        const sentAt = performance.now();
        outstanding++;
        producer.sendWithCallback(opts.topic, { value: payload }, (err) => {
          if (err === null) {
            const latencyUs = (performance.now() - sentAt) * 1000;
            total.record(latencyUs, payload.length);
            window.record(latencyUs, payload.length);
          } else {
            firstError ??= err;
          }
          outstanding--;
          released?.();
          released = undefined;
        });
      }
      await producer.flush();
    } finally {
      clearInterval(reporter);
    }
    if (firstError !== undefined) throw firstError;
    process.stdout.write(`${total.line(performance.now())}\n`);
  } finally {
    await producer.close();
  }
}

export function registerProducerPerfTest(program: Command): void {
  clientCommand(program, 'producer-perf-test', 'measure produce throughput and latency (kafka-producer-perf-test.sh)')
    .requiredOption('--topic <name>', 'the topic to produce to (it must exist)')
    .requiredOption('--num-records <n>', 'how many records to send', positiveInt)
    .requiredOption('--record-size <bytes>', 'the size of each record value', positiveInt)
    .requiredOption('--throughput <n>', 'records/sec at most; -1 for no limit', (v) => Number(v))
    .option('--producer-props <key=value...>', 'producer settings: acks, linger.ms, batch.size, buffer.memory, delivery.timeout.ms, enable.idempotence bootstrap.servers (or --bootstrap-server)', [])
    .action(perfTest);
}
