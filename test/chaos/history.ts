/**
 * The chaos history: what the workload did and saw, what the nemesis did, and what every replica
 * held at the end. One JSON object per line (history.jsonl); the checker (checker.ts) is a pure
 * function over a list of these.
 */
import { readFileSync } from 'node:fs';

export type SendOutcome = 'ok' | 'fail' | 'unknown';

/** A producer's send of one unique value; `partition` and `offset` are known with 'ok'. */
export interface SendEvent {
  readonly type: 'send';
  readonly id: number;
  readonly partition?: number;
  readonly value: string;
  readonly outcome: SendOutcome;
  readonly offset?: number;
  readonly error?: string;
  readonly t: number;
}

/** A consumer's read of one record. */
export interface ReadEvent {
  readonly type: 'read';
  readonly reader: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
  readonly t: number;
}

/** A consumer moved its position: its next read in `partition` should be at `offset`. */
export interface SeekEvent {
  readonly type: 'seek';
  readonly reader: string;
  readonly partition: number;
  readonly offset: number;
  readonly t: number;
}

/** A consumer group's committed offset for a partition, as observed (OffsetFetch). */
export interface CommitEvent {
  readonly type: 'commit';
  readonly group: string;
  readonly partition: number;
  readonly offset: number;
  readonly t: number;
}

/** One committed record of a replica's log, read from its data directory after the run. */
export interface ReplicaEvent {
  readonly type: 'replica';
  readonly node: number;
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

/**
 * The final read of every replica happened, for these partitions of the run: from then on a value
 * missing from all of a partition's replicas is lost, even when no replica holds any record at all.
 */
export interface ReplicasReadEvent {
  readonly type: 'replicas-read';
  readonly partitions: readonly number[];
}

/** A byte-level difference between replicas' committed Raft logs (offline-logs.ts compareGroup). */
export interface ReplicaProblemEvent {
  readonly type: 'replica-problem';
  readonly partition: number;
  readonly detail: string;
}

/** A fault the nemesis injected or healed. */
export interface FaultEvent {
  readonly type: 'fault';
  readonly kind: string;
  readonly detail: string;
  readonly t: number;
}

/** A node exited on its own (not by the nemesis), or did not recover after the final heal. */
export interface CrashEvent {
  readonly type: 'crash';
  readonly node: number;
  readonly detail: string;
  readonly t: number;
}

/** A part of the workload (a reader, the consumer group) that did not finish its work after the heal within its bound. */
export interface StallEvent {
  readonly type: 'stall';
  readonly what: string;
  readonly detail: string;
  readonly t: number;
}

export type HistoryEvent = SendEvent | ReadEvent | SeekEvent | CommitEvent | ReplicaEvent | ReplicaProblemEvent | FaultEvent | CrashEvent | StallEvent | ReplicasReadEvent;

export function toJsonl(events: readonly HistoryEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + (events.length > 0 ? '\n' : '');
}

export function parseJsonl(text: string): HistoryEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const e = JSON.parse(line) as HistoryEvent;
      if (typeof e !== 'object' || e === null || typeof e.type !== 'string') throw new Error(`history line ${i + 1}: not an event`);
      return e;
    });
}

export function readHistory(path: string): HistoryEvent[] {
  return parseJsonl(readFileSync(path, 'utf8'));
}
