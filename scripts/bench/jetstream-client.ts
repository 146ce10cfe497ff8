/**
 * The NATS JetStream client of the Runnel-vs-JetStream benchmark, run as its own process so that it
 * does not share an event loop with the servers' supervisor or with the other system's client:
 *
 *   npx tsx scripts/bench/jetstream-client.ts produce --servers a,b,c --stream S --subject X \
 *     --records N --record-bytes B [--rate R] [--window W] [--timeout-ms T]
 *   npx tsx scripts/bench/jetstream-client.ts consume --servers a,b,c --stream S --subject X \
 *     --records N --record-bytes B [--timeout-ms T]
 *
 * produce: creates the stream if missing (R3, file storage, no limits), then publishes N copies of
 * one random B-byte payload, keeping up to W publishes awaiting their PubAck (in R3 the PubAck
 * means stored on a quorum: the analogue of Kafka's acks=all). Latency is publish call to PubAck,
 * in an HDR histogram (µs). --rate paces sends like Kafka's ThroughputThrottler.
 * consume: reads N records from the start of the stream with an ordered consumer.
 *
 * Prints exactly one JSON line on stdout and exits 0; on failure or after --timeout-ms, one line on
 * stderr (with how far it got) and exit 1.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { latencyHistogramOptions } from '../../src/cli/commands/latency-histogram.js';
import { connect, DiscardPolicy, RetentionPolicy, StorageType, type JetStreamClient, type NatsConnection } from 'nats';

interface Params {
  op: 'produce' | 'consume';
  servers: string[];
  stream: string;
  subject: string;
  records: number;
  recordBytes: number;
  /** Records/s; undefined: as fast as it goes. */
  rate: number | undefined;
  window: number;
  timeoutMs: number;
}

const MB = 1024 * 1024;
const WINDOW_MAX = 100_000;
/** A PubAck or API reply later than this fails the run (the default 5 s is too short under a full window). */
const REQUEST_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 5_000;
/** Messages per pull request of the ordered consumer, and their payload bytes at most. */
const CONSUME_MAX_MESSAGES = 100_000;
const CONSUME_MAX_BUFFERED_BYTES = 32 * MB;

/** How far the run got, for the timeout message. */
const progress = { done: 0, phase: 'connecting' };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: a positive integer, got ${String(value)}`);
  return n;
}

function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new Error(`--${name} is required`);
  return value;
}

function parse(argv: string[]): Params {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      servers: { type: 'string' },
      stream: { type: 'string' },
      subject: { type: 'string' },
      records: { type: 'string' },
      'record-bytes': { type: 'string' },
      rate: { type: 'string' },
      window: { type: 'string', default: '10000' },
      'timeout-ms': { type: 'string', default: '300000' },
    },
  });
  const op = positionals[0];
  if ((op !== 'produce' && op !== 'consume') || positionals.length !== 1) throw new Error('usage: jetstream-client.ts <produce|consume> --servers a,b,c --stream S --subject X --records N --record-bytes B [--rate R] [--window W] [--timeout-ms T]');
  const window = positiveInt('window', values.window);
  if (window > WINDOW_MAX) throw new Error(`--window: at most ${WINDOW_MAX}`);
  return {
    op,
    servers: required('servers', values.servers).split(',').map((s) => s.trim()).filter((s) => s !== ''),
    stream: required('stream', values.stream),
    subject: required('subject', values.subject),
    records: positiveInt('records', values.records),
    recordBytes: positiveInt('record-bytes', values['record-bytes']),
    rate: values.rate === undefined ? undefined : positiveInt('rate', values.rate),
    window,
    timeoutMs: positiveInt('timeout-ms', values['timeout-ms']),
  };
}

function throughput(records: number, payloadBytes: number, seconds: number) {
  return { recordsPerSec: records / seconds, mbPerSec: payloadBytes / MB / seconds };
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));

async function ensureStream(nc: NatsConnection, p: Params): Promise<void> {
  const jsm = await nc.jetstreamManager({ timeout: REQUEST_TIMEOUT_MS });
  try {
    await jsm.streams.info(p.stream);
    return;
  } catch (err) {
    if (!/stream not found/i.test(String(err))) throw err;
  }
  await jsm.streams.add({
    name: p.stream,
    subjects: [p.subject],
    num_replicas: 3,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    // max_msgs, max_bytes, max_age, max_msg_size: left at their unlimited defaults.
  });
}

/** Kafka's ThroughputThrottler: send `sent` is due at start + sent/rate; sleep only when > 1 ms ahead. */
function aheadOfRateMs(rate: number, sent: number, startMs: number): number {
  return startMs + (sent * 1000) / rate - performance.now();
}

/** Send-to-PubAck latencies (µs) in an HDR histogram, reported in ms. */
class LatencyRecorder {
  private readonly histogramUs = hdr.build(latencyHistogramOptions);
  private sumUs = 0;
  private count = 0;

  record(sentAtMs: number): void {
    const us = Math.max(1, Math.round((performance.now() - sentAtMs) * 1000));
    this.histogramUs.recordValue(us);
    this.sumUs += us;
    this.count++;
  }

  summaryMs() {
    const ms = (us: number) => round(us / 1000);
    const at = (q: number) => ms(this.histogramUs.getValueAtPercentile(q));
    return { avg: ms(this.sumUs / Math.max(1, this.count)), p50: at(50), p95: at(95), p99: at(99), p999: at(99.9), max: ms(this.histogramUs.maxValue) };
  }
}

/** At most `size` publishes awaiting their PubAck; remembers the first failure. */
class PublishWindow {
  private outstanding = 0;
  private released: (() => void) | undefined;
  firstError: unknown;

  constructor(private readonly size: number) {}

  get full(): boolean {
    return this.outstanding >= this.size;
  }

  track(ack: Promise<unknown>, onAck: () => void): void {
    this.outstanding++;
    ack.then(onAck, (err: unknown) => (this.firstError ??= err)).finally(() => this.settled());
  }

  /**
   * Resolves once a slot is free, and only after the rest of the PubAcks in hand are processed
   * (setImmediate), so that the refill goes out in one socket write, not one write per freed slot.
   */
  async room(): Promise<void> {
    while (this.full) await new Promise<void>((resolve) => (this.released = resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async drained(): Promise<void> {
    while (this.outstanding > 0) await new Promise<void>((resolve) => (this.released = resolve));
  }

  private settled(): void {
    this.outstanding--;
    this.released?.();
    this.released = undefined;
  }
}

async function produce(nc: NatsConnection, p: Params): Promise<Record<string, unknown>> {
  await ensureStream(nc, p);
  const js = nc.jetstream({ timeout: REQUEST_TIMEOUT_MS });
  const payload = new Uint8Array(randomBytes(p.recordBytes)); // one incompressible payload, reused
  const latency = new LatencyRecorder();
  const window = new PublishWindow(p.window);
  progress.phase = 'producing (acknowledged)';
  const startMs = performance.now();
  for (let i = 0; i < p.records && window.firstError === undefined; i++) {
    // No await unless pacing or the window is full: each await lets nats.js flush its buffer.
    const aheadMs = p.rate === undefined ? 0 : aheadOfRateMs(p.rate, i, startMs);
    if (aheadMs > 1) await sleep(aheadMs);
    if (window.full) await window.room();
    const sentAtMs = performance.now();
    window.track(js.publish(p.subject, payload), () => {
      latency.record(sentAtMs);
      progress.done++;
    });
  }
  await window.drained();
  const seconds = (performance.now() - startMs) / 1000;
  if (window.firstError !== undefined) throw window.firstError;
  return {
    system: 'jetstream',
    op: 'produce',
    records: p.records,
    seconds: round(seconds),
    ...roundAll(throughput(p.records, p.records * p.recordBytes, seconds)),
    latencyMs: latency.summaryMs(),
  };
}

function roundAll<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)])) as T;
}

/**
 * Reads p.records messages with an ordered (ephemeral, in-order, self-resetting) pull consumer via
 * consume() with a callback: the client keeps a pull request outstanding and re-pulls at 75% of
 * max_messages. Measured here (1M x 100 B, R3, alternating runs on a busy 2-core box): consume()
 * ~235-300k rec/s vs a loop of fetch() batches of the same size ~150-225k rec/s (consume ~1.3-1.6x);
 * max_messages 1k / 10k / 100k: ~140k / ~240k / ~240-300k rec/s.
 */
async function readAll(js: JetStreamClient, p: Params, onMessage: (bytes: number) => void): Promise<void> {
  const consumer = await js.consumers.get(p.stream);
  let received = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const messages = await consumer.consume({
    max_messages: Math.max(1, Math.min(CONSUME_MAX_MESSAGES, Math.floor(CONSUME_MAX_BUFFERED_BYTES / p.recordBytes))),
    callback: (m) => {
      if (received >= p.records) return;
      received++;
      onMessage(m.data.length);
      if (received === p.records) finish();
    },
  });
  await finished;
  await messages.close();
}

async function consume(nc: NatsConnection, p: Params): Promise<Record<string, unknown>> {
  const js = nc.jetstream({ timeout: REQUEST_TIMEOUT_MS });
  let bytes = 0;
  let firstAt: number | undefined;
  let lastAt = 0;
  progress.phase = 'consuming (received)';
  const startupAt = performance.now();
  await readAll(js, p, (n) => {
    const now = performance.now();
    firstAt ??= now;
    lastAt = now;
    bytes += n;
    progress.done++;
  });
  const seconds = (lastAt - (firstAt ?? lastAt)) / 1000;
  return {
    system: 'jetstream',
    op: 'consume',
    records: p.records,
    seconds: round(seconds),
    secondsWithStartup: round((lastAt - startupAt) / 1000),
    ...roundAll(throughput(p.records, bytes, Math.max(seconds, 1e-6))),
  };
}

function fail(message: string): never {
  process.stderr.write(`${message.split('\n').join(' ')}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  // nats.js constructs an Error per request (e.g. a 'cancelled' rejection of the already-settled
  // request, discarded); capturing their stacks cost ~20% of this client's CPU. Errors are reported
  // by message only.
  Error.stackTraceLimit = 0;
  const p = parse(argv);
  const timer = setTimeout(() => fail(`jetstream-client ${p.op}: timed out after ${p.timeoutMs} ms, ${progress.phase}: ${progress.done} of ${p.records} records`), p.timeoutMs);
  const nc = await connect({ servers: p.servers, timeout: 10_000, maxReconnectAttempts: 10, noAsyncTraces: true }); // no stack capture per request
  try {
    const result = p.op === 'produce' ? await produce(nc, p) : await consume(nc, p);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await Promise.race([nc.close(), sleep(CLOSE_TIMEOUT_MS)]);
    clearTimeout(timer);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => fail(`jetstream-client: ${err instanceof Error ? err.message : String(err)}`),
);
