/**
 * The chaos workload (Jepsen's generator and client parts), bounded in count and time: idempotent
 * acks=all Producers sending unique values to explicit partitions, tailing Consumers that read
 * every partition from offset 0, and a consumer group whose committed offsets are polled. Every
 * outcome and every read goes into the history.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, Producer, AdminClient } from '../../src/client/index.js';
import { pollUntil, type Deadline } from '../e2e/harness/deadline.js';
import { valueOf } from '../e2e/harness/workload.js';
import type { HistoryEvent } from './history.js';
import type { Phase } from './phase.js';

/** The history as it is being recorded; `t` is milliseconds since the run started. */
export class Recorder {
  readonly events: HistoryEvent[] = [];
  private readonly startMs = performance.now();
  private nextSendId = 1;

  now(): number {
    return Math.round(performance.now() - this.startMs);
  }

  push(e: HistoryEvent): void {
    this.events.push(e);
  }

  sendId(): number {
    return this.nextSendId++;
  }

  fault(kind: string, detail: string): void {
    this.push({ type: 'fault', kind, detail, t: this.now() });
  }
}

export interface WorkloadOptions {
  readonly run: string;
  readonly bootstrapServers: readonly string[];
  readonly topic: string;
  readonly partitions: number;
  /** Sends per producer at most. */
  readonly sendsPerProducerMax: number;
  /** Pause between two sends of one producer (bounds the rate). */
  readonly sendIntervalMs: number;
  /** Sends of one producer awaiting their outcome at most. */
  readonly outstandingMax: number;
  readonly deliveryTimeoutMs: number;
}

/** Sends until `stop` (or the count bound); resolves once every send has an outcome. */
export async function runProducer(name: string, o: WorkloadOptions, rec: Recorder, stop: Phase): Promise<void> {
  const producer = new Producer({ bootstrapServers: [...o.bootstrapServers], lingerMs: 5, requestTimeoutMs: 2_000, deliveryTimeoutMs: o.deliveryTimeoutMs, retryBackoffMs: 50 });
  const pending = new Set<Promise<void>>();
  for (let i = 0; i < o.sendsPerProducerMax && !stop.expired(); i++) {
    const partition = i % o.partitions;
    const value = valueOf(o.run, name, partition, i);
    const id = rec.sendId();
    const p: Promise<void> = producer.send(o.topic, { partition, value }).then(
      (md) => rec.push({ type: 'send', id, partition: md.partition, value, outcome: 'ok', offset: md.offset, t: rec.now() }),
      // A rejected send may still have been written by an earlier try: never 'fail' (see docs/CHAOS.md).
      (err: unknown) => rec.push({ type: 'send', id, partition, value, outcome: 'unknown', error: err instanceof Error ? err.message.split('\n')[0] : String(err), t: rec.now() }),
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
    if (pending.size >= o.outstandingMax) await Promise.race([...pending, sleep(o.deliveryTimeoutMs)]);
    await sleep(o.sendIntervalMs);
  }
  await Promise.race([Promise.allSettled([...pending]), sleep(o.deliveryTimeoutMs + 5_000)]);
  await Promise.race([producer.close(), sleep(5_000)]);
}

/** The highest acknowledged offset of every partition (-1 where none). */
export function ackedHighs(events: readonly HistoryEvent[], partitions: number): number[] {
  const highs = Array.from({ length: partitions }, () => -1);
  for (const e of events) if (e.type === 'send' && e.outcome === 'ok' && e.partition !== undefined && e.offset !== undefined) highs[e.partition] = Math.max(highs[e.partition]!, e.offset);
  return highs;
}

/**
 * A tailing reader: assigns every partition, starts each at offset 0 (recorded as a seek) and polls
 * until `done(lastReadOffsets)` says it has read enough, or the deadline passes.
 */
export async function runReader(reader: string, o: WorkloadOptions, rec: Recorder, done: (last: readonly number[]) => boolean, deadline: Deadline): Promise<{ errors: number; caughtUp: boolean; last: readonly number[] }> {
  const consumer = new Consumer({ bootstrapServers: [...o.bootstrapServers], autoOffsetReset: 'earliest', requestTimeoutMs: 2_000 });
  const last = Array.from({ length: o.partitions }, () => -1);
  let errors = 0;
  const tps = last.map((_, partition) => ({ topic: o.topic, partition }));
  consumer.assign(tps);
  for (const tp of tps) {
    consumer.seek(tp, 0);
    rec.push({ type: 'seek', reader, partition: tp.partition, offset: 0, t: rec.now() });
  }
  while (!done(last) && !deadline.expired()) {
    try {
      for (const r of await consumer.poll(deadline.capMs(500))) {
        rec.push({ type: 'read', reader, partition: r.partition, offset: r.offset, value: r.value.toString(), t: rec.now() });
        last[r.partition] = Math.max(last[r.partition]!, r.offset);
      }
    } catch {
      errors++;
      await sleep(deadline.capMs(100));
    }
  }
  await Promise.race([consumer.close(), sleep(5_000)]);
  return { errors, caughtUp: done(last), last };
}

/**
 * A consumer group of `members` members reading the topic with auto-commit; its committed offsets
 * are polled (OffsetFetch) into the history as commit events. The members' reads are not recorded:
 * a rebalance legitimately moves a partition back to its committed offset, which the history could
 * not tell from a consumer going backward.
 */
/**
 * A consumer group of `members` subscribed to the topic, auto-committing, until its committed
 * offsets say it has consumed everything `caughtUp` asks for (or the deadline); its commits are
 * polled through OffsetFetch and recorded.
 */
export async function runGroup(
  group: string,
  members: number,
  o: WorkloadOptions,
  rec: Recorder,
  caughtUp: (committed: ReadonlyMap<number, number>) => boolean,
  deadline: Deadline,
): Promise<GroupStats> {
  const stats = { reads: 0, errors: 0, firstError: '', caughtUp: false };
  const committed = new Map<number, number>();
  const failed = (e: unknown) => {
    stats.errors++;
    stats.firstError ||= e instanceof Error ? e.message.split('\n')[0]! : String(e);
  };
  const admin = new AdminClient({ bootstrapServers: [...o.bootstrapServers], requestTimeoutMs: 2_000, operationTimeoutMs: 5_000 });
  const consumers = Array.from({ length: members }, (_, i) => new Consumer({ bootstrapServers: [...o.bootstrapServers], groupId: group, clientId: `${group}-${i}`, autoOffsetReset: 'earliest', requestTimeoutMs: 2_000, autoCommitIntervalMs: 500 }));
  const going = () => !(stats.caughtUp ||= caughtUp(committed)) && !deadline.expired();
  const member = async (c: Consumer) => {
    // A fault may hit while the member subscribes: it tries again, as an application would.
    for (let subscribed = false; !subscribed && going(); ) {
      subscribed = await c.subscribe([o.topic]).then(() => true, (e: unknown) => (failed(e), false));
      if (!subscribed) await sleep(deadline.capMs(200));
    }
    while (going()) {
      try {
        const polled = await c.poll(deadline.capMs(500));
        stats.reads += polled.length; // not `+= await`: that reads stats.reads before the await, losing the other member's counts
      } catch (e) {
        failed(e);
        await sleep(deadline.capMs(100));
      }
    }
  };
  const watcher = async () => {
    while (going()) {
      await recordCommits(admin, group, o.topic, rec, committed).catch(failed);
      await sleep(deadline.capMs(500));
    }
  };
  await Promise.all([...consumers.map((c) => member(c).catch(failed)), watcher()]);
  await Promise.all(consumers.map((c) => Promise.race([c.close().catch(() => undefined), sleep(5_000)])));
  await recordCommits(admin, group, o.topic, rec, committed).catch(failed);
  stats.caughtUp ||= caughtUp(committed);
  admin.close();
  return stats;
}

export interface GroupStats {
  readonly reads: number;
  readonly errors: number;
  /** The first error a member or the commit watcher saw ('' if none). */
  readonly firstError: string;
  /** Whether the group's commits reached what it was asked to consume before the deadline. */
  readonly caughtUp: boolean;
}

async function recordCommits(admin: AdminClient, group: string, topic: string, rec: Recorder, latest: Map<number, number>): Promise<void> {
  const offsets = await admin.groups.listConsumerGroupOffsets(group);
  for (const [key, offset] of offsets) {
    const [t, p] = key.split('/');
    if (t !== topic || offset < 0) continue;
    rec.push({ type: 'commit', group, partition: Number(p), offset, t: rec.now() });
    latest.set(Number(p), offset);
  }
}

/** Waits (bounded) until the topic's every partition has a leader. */
export async function waitLeaders(metadata: () => Promise<readonly { leaderId: number }[]>, partitions: number, timeoutMs: number): Promise<void> {
  await pollUntil({ timeoutMs, intervalMs: 200, what: `leaders of all ${partitions} partitions` }, async () => {
    const ps = await metadata();
    return ps.length === partitions && ps.every((p) => p.leaderId !== 0) ? true : undefined;
  });
}
