/**
 * The chaos checker (Jepsen's checker part): a pure function from a recorded history to a report.
 * No I/O, no clock. Every anomaly kind keeps its count and a few examples.
 *
 * Observations of "value v is at (partition p, offset o)" come from three sources: a send's
 * acknowledgement (outcome ok), a consumer's read, and a replica's committed log read from disk
 * after the run. All three must agree.
 */
import type { CommitEvent, FaultEvent, HistoryEvent, ReadEvent, ReplicaEvent, ReplicaProblemEvent, SendEvent } from './history.js';

export const anomalyKinds = [
  'lost',
  'duplicate',
  'inconsistentOffset',
  'nonMonotonic',
  'pollSkip',
  'commitRegression',
  'replicaDivergence',
  'phantom',
  'nodeCrash',
  'stalled',
] as const;
export type AnomalyKind = (typeof anomalyKinds)[number];

export interface AnomalyReport {
  readonly count: number;
  /** At most examplesMax, in history order. */
  readonly examples: readonly string[];
}

export interface ChaosReport {
  readonly sends: { readonly ok: number; readonly fail: number; readonly unknown: number; readonly total: number };
  /** Sends with outcome unknown whose value was found in the log (allowed, once). */
  readonly unknownPresent: number;
  readonly reads: number;
  readonly commits: number;
  readonly replicaRecords: number;
  readonly faults: Readonly<Record<string, number>>;
  /** ok sends / all sends, in percent (100 with no sends). */
  readonly availabilityPct: number;
  readonly anomalies: Readonly<Record<AnomalyKind, AnomalyReport>>;
  readonly anomalyTotal: number;
}

export const examplesMax = 5;

class Anomalies {
  private readonly byKind = new Map<AnomalyKind, { count: number; examples: string[] }>(anomalyKinds.map((k) => [k, { count: 0, examples: [] }]));

  add(kind: AnomalyKind, example: string): void {
    const a = this.byKind.get(kind)!;
    a.count++;
    if (a.examples.length < examplesMax) a.examples.push(example);
  }

  report(): Record<AnomalyKind, AnomalyReport> {
    return Object.fromEntries([...this.byKind].map(([k, v]) => [k, { count: v.count, examples: v.examples }])) as unknown as Record<AnomalyKind, AnomalyReport>;
  }
}

interface Observation {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
  /** 'ack', 'read by <reader>', 'replica on node <n>'. */
  readonly source: string;
}

const pos = (partition: number, offset: number) => `p${partition}@${offset}`;

function observations(events: readonly HistoryEvent[]): Observation[] {
  const out: Observation[] = [];
  for (const e of events) {
    if (e.type === 'send' && e.outcome === 'ok' && e.partition !== undefined && e.offset !== undefined) out.push({ partition: e.partition, offset: e.offset, value: e.value, source: `ack of send ${e.id}` });
    else if (e.type === 'read') out.push({ partition: e.partition, offset: e.offset, value: e.value, source: `read by ${e.reader}` });
    else if (e.type === 'replica') out.push({ partition: e.partition, offset: e.offset, value: e.value, source: `replica on node ${e.node}` });
  }
  return out;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/**
 * Lost: acknowledged, and then never read, or read but missing from every replica's final log of
 * its partition (e.g. a power failure took it after a reader saw it). Phantom: observed, but never
 * sent or definitely failed.
 */
function checkPresence(sends: readonly SendEvent[], obs: readonly Observation[], replicasRead: readonly number[], out: Anomalies): number {
  const seen = new Set(obs.filter((o) => !o.source.startsWith('ack')).map((o) => o.value));
  const onReplicas = obs.filter((o) => o.source.startsWith('replica'));
  const replicated = new Set(onReplicas.map((o) => o.value));
  const partitionsOnReplicas = new Set([...onReplicas.map((o) => o.partition), ...replicasRead]);
  const sent = new Map(sends.map((s) => [s.value, s]));
  for (const s of sends) {
    if (s.outcome !== 'ok') continue;
    const at = pos(s.partition ?? -1, s.offset ?? -1);
    if (!seen.has(s.value)) out.add('lost', `send ${s.id} value ${s.value} acknowledged at ${at}, never read from any consumer or replica`);
    else if (partitionsOnReplicas.has(s.partition ?? -1) && !replicated.has(s.value)) out.add('lost', `send ${s.id} value ${s.value} acknowledged at ${at} and read, but missing from every replica's final log`);
  }
  for (const v of seen) {
    const s = sent.get(v);
    if (!s) out.add('phantom', `value ${v} was read but never sent`);
    else if (s.outcome === 'fail') out.add('phantom', `value ${v} was read but its send ${s.id} definitely failed (${s.error ?? 'no error text'})`);
  }
  return sends.filter((s) => s.outcome === 'unknown' && seen.has(s.value)).length;
}

/** Duplicate: one value at two positions. Inconsistent: two values at one position. */
function checkPositions(obs: readonly Observation[], out: Anomalies): void {
  for (const [value, list] of groupBy(obs, (o) => o.value)) {
    const places = groupBy(list, (o) => pos(o.partition, o.offset));
    if (places.size > 1) out.add('duplicate', `value ${value} at ${[...places].map(([p, os]) => `${p} (${os[0]!.source})`).join(', ')}`);
  }
  for (const [place, list] of groupBy(obs, (o) => pos(o.partition, o.offset))) {
    const values = groupBy(list, (o) => o.value);
    if (values.size > 1) out.add('inconsistentOffset', `${place} holds ${[...values].map(([v, os]) => `${v} (${os[0]!.source})`).join(' and ')}`);
  }
}

/** Every (partition, offset) known to hold a record: replicas' committed logs and any reader's reads. */
function existingOffsets(events: readonly HistoryEvent[]): Map<number, Set<number>> {
  const m = new Map<number, Set<number>>();
  for (const e of events) {
    if (e.type !== 'replica' && e.type !== 'read') continue;
    let s = m.get(e.partition);
    if (!s) m.set(e.partition, (s = new Set()));
    s.add(e.offset);
  }
  return m;
}

function skipped(existing: ReadonlySet<number> | undefined, from: number, to: number): number[] {
  const out: number[] = [];
  if (!existing) return out;
  for (let o = from; o < to; o++) if (existing.has(o)) out.push(o);
  return out;
}

/**
 * Per reader and partition, in history order: offsets strictly ascend between seeks
 * (non-monotonic otherwise), and a read never jumps over an offset known to hold a record (poll-skip).
 * A reader's first read in a partition is checked for skips only after a seek says where it started.
 */
function checkReaders(events: readonly HistoryEvent[], out: Anomalies): void {
  const existing = existingOffsets(events);
  const next = new Map<string, number>();
  const last = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'read' && e.type !== 'seek') continue;
    const key = `${e.reader} ${e.partition}`;
    if (e.type === 'seek') {
      next.set(key, e.offset);
      last.delete(key);
      continue;
    }
    checkRead(e, last.get(key), next.get(key), existing.get(e.partition), out);
    last.set(key, e.offset);
    next.set(key, e.offset + 1);
  }
}

function checkRead(e: ReadEvent, last: number | undefined, expected: number | undefined, existing: ReadonlySet<number> | undefined, out: Anomalies): void {
  if (last !== undefined && e.offset <= last) {
    out.add('nonMonotonic', `${e.reader} read p${e.partition} offset ${e.offset} after offset ${last} without a seek (t=${e.t})`);
    return;
  }
  if (expected === undefined || e.offset <= expected) return;
  const gap = skipped(existing, expected, e.offset);
  if (gap.length > 0) out.add('pollSkip', `${e.reader} read p${e.partition} offset ${e.offset} right after expecting ${expected}: skipped ${gap.length} existing offset(s) from ${gap[0]} (t=${e.t})`);
}

function checkCommits(commits: readonly CommitEvent[], out: Anomalies): void {
  const last = new Map<string, CommitEvent>();
  for (const c of commits) {
    const key = `${c.group} ${c.partition}`;
    const prev = last.get(key);
    if (prev && c.offset < prev.offset) out.add('commitRegression', `group ${c.group} p${c.partition}: committed offset went from ${prev.offset} (t=${prev.t}) to ${c.offset} (t=${c.t})`);
    last.set(key, c);
  }
}

/** Every replica of a partition must hold the same committed records (offset -> value). */
function checkReplicas(replicas: readonly ReplicaEvent[], problems: readonly ReplicaProblemEvent[], out: Anomalies): void {
  for (const p of problems) out.add('replicaDivergence', `p${p.partition}: ${p.detail}`);
  for (const [partition, list] of groupBy(replicas, (r) => String(r.partition))) {
    const byNode = groupBy(list, (r) => String(r.node));
    const logs = new Map([...byNode].map(([node, rs]) => [node, new Map(rs.map((r) => [r.offset, r.value]))]));
    const offsets = [...new Set(list.map((r) => r.offset))].sort((a, b) => a - b);
    for (const [node, log] of logs) {
      const differs = offsets.filter((o) => [...logs.values()].some((other) => other.get(o) !== log.get(o)));
      if (differs.length > 0) out.add('replicaDivergence', `p${partition}: node ${node} differs from another replica at ${differs.length} offset(s), first at ${differs[0]} (node ${node} has ${log.get(differs[0]!) ?? 'nothing'})`);
    }
  }
}

function countFaults(faults: readonly FaultEvent[]): Record<string, number> {
  const m: Record<string, number> = {};
  for (const f of faults) m[f.kind] = (m[f.kind] ?? 0) + 1;
  return m;
}

function only<T extends HistoryEvent['type']>(events: readonly HistoryEvent[], type: T): Extract<HistoryEvent, { type: T }>[] {
  return events.filter((e): e is Extract<HistoryEvent, { type: T }> => e.type === type);
}

export function check(events: readonly HistoryEvent[]): ChaosReport {
  const out = new Anomalies();
  const sends = only(events, 'send');
  const obs = observations(events);
  const unknownPresent = checkPresence(sends, obs, only(events, 'replicas-read').flatMap((e) => e.partitions), out);
  checkPositions(obs, out);
  checkReaders(events, out);
  checkCommits(only(events, 'commit'), out);
  checkReplicas(only(events, 'replica'), only(events, 'replica-problem'), out);
  for (const c of only(events, 'crash')) out.add('nodeCrash', `node ${c.node} (t=${c.t}): ${c.detail}`);
  for (const s of only(events, 'stall')) out.add('stalled', `${s.what} (t=${s.t}): ${s.detail}`);
  const ok = sends.filter((s) => s.outcome === 'ok').length;
  const fail = sends.filter((s) => s.outcome === 'fail').length;
  const anomalies = out.report();
  return {
    sends: { ok, fail, unknown: sends.length - ok - fail, total: sends.length },
    unknownPresent,
    reads: only(events, 'read').length,
    commits: only(events, 'commit').length,
    replicaRecords: only(events, 'replica').length,
    faults: countFaults(only(events, 'fault')),
    availabilityPct: sends.length === 0 ? 100 : Math.round((10_000 * ok) / sends.length) / 100,
    anomalies,
    anomalyTotal: Object.values(anomalies).reduce((n, a) => n + a.count, 0),
  };
}

/** The one-screen summary. */
export function formatReport(r: ChaosReport): string {
  const lines = [
    `sends: ${r.sends.total} (ok ${r.sends.ok}, fail ${r.sends.fail}, unknown ${r.sends.unknown}; unknown found in the log: ${r.unknownPresent})`,
    `reads: ${r.reads}, group commits observed: ${r.commits}, replica records: ${r.replicaRecords}`,
    `faults: ${Object.entries(r.faults).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
    `availability: ${r.availabilityPct}% of sends acknowledged`,
    `anomalies: ${r.anomalyTotal}`,
  ];
  for (const kind of anomalyKinds) {
    const a = r.anomalies[kind];
    lines.push(`  ${kind.padEnd(18)} ${a.count}`);
    for (const ex of a.examples) lines.push(`    - ${ex}`);
  }
  return lines.join('\n');
}
