/**
 * What happened, in order: the last events in a ring (printed when a check fails), every event when
 * asked for (--verbose, the determinism test), and always a 32-bit fingerprint of the whole run so
 * two runs of one seed can be compared cheaply. Events hold numbers and references, never formatted
 * strings, so recording stays off the hot path; text is built only when printed.
 */
import type { Message } from '../../src/raft/index.js';
import { mix32 } from './hash.js';

export const TraceKind = {
  Deliver: 0,
  Drop: 1,
  Duplicate: 2,
  Persist: 3,
  Role: 4,
  Propose: 5,
  Fault: 6,
  Note: 7,
  /** Cold reads: a background load started or finished (cold-storage.ts). */
  Storage: 8,
} as const;
export type TraceKind = (typeof TraceKind)[keyof typeof TraceKind];

const KIND_NAMES = ['deliver', 'drop', 'dup', 'persist', 'role', 'propose', 'fault', 'note', 'storage'];

const MESSAGE_CODES: Record<string, number> = {
  App: 1, AppResp: 2, Vote: 3, VoteResp: 4, PreVote: 5, PreVoteResp: 6, Snap: 7, Heartbeat: 8, HeartbeatResp: 9, TimeoutNow: 10,
};

export interface TraceEvent {
  step: number;
  timeMs: number;
  kind: TraceKind;
  node: number;
  msg: Message | undefined;
  /** Kind-specific numbers (see format()). */
  a: number;
  b: number;
  c: number;
  text: string;
}

/** Events kept for the failure report when the full trace is off. */
export const TRACE_TAIL_MAX = 30;

export class Trace {
  fingerprint = 0x811c9dc5;
  /** The simulation step (event number) being run; set by the simulation loop. */
  step = 0;
  private readonly ring: TraceEvent[] = [];
  private ringNext = 0;
  private readonly all: TraceEvent[] | undefined;

  constructor(
    full: boolean,
    private readonly clock: { readonly now: number },
  ) {
    this.all = full ? [] : undefined;
  }

  message(kind: TraceKind, node: number, msg: Message): void {
    let h = this.head(kind, node);
    h = mix32(mix32(mix32(h, MESSAGE_CODES[msg.type] ?? 0), msg.from), msg.term);
    h = mix32(mix32(mix32(h, msg.index), msg.entries.length), msg.commit);
    this.fingerprint = mix32(h, msg.reject ? 1 : 0);
    this.store(kind, node, msg, 0, 0, 0, '');
  }

  /** Numbers (and a label): persist (entries, new commit or -1, applied), role (term, lead, state), proposals (index). */
  numbers(kind: TraceKind, node: number, a: number, b: number, c: number, text = ''): void {
    this.fingerprint = mix32(mix32(mix32(this.head(kind, node), a), b), c);
    if (text) this.fingerprint = hashText(this.fingerprint, text);
    this.store(kind, node, undefined, a, b, c, text);
  }

  /** A rare event described in words (faults, phase changes). */
  note(kind: TraceKind, node: number, text: string): void {
    this.fingerprint = hashText(this.head(kind, node), text);
    this.store(kind, node, undefined, 0, 0, 0, text);
  }

  tail(): TraceEvent[] {
    const n = this.ring.length;
    const out: TraceEvent[] = [];
    for (let i = 0; i < n; i++) out.push(this.ring[(this.ringNext + i) % n]!);
    return out;
  }

  full(): TraceEvent[] | undefined {
    return this.all;
  }

  private head(kind: TraceKind, node: number): number {
    return mix32(mix32(mix32(this.fingerprint, kind), node), this.clock.now);
  }

  private store(kind: TraceKind, node: number, msg: Message | undefined, a: number, b: number, c: number, text: string): void {
    const ev: TraceEvent = { step: this.step, timeMs: this.clock.now, kind, node, msg, a, b, c, text };
    this.all?.push(ev);
    if (this.ring.length < TRACE_TAIL_MAX) this.ring.push(ev);
    else this.ring[this.ringNext] = ev;
    this.ringNext = (this.ringNext + 1) % TRACE_TAIL_MAX;
  }
}

function hashText(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = mix32(h, text.charCodeAt(i));
  return h;
}

export function formatEvent(ev: TraceEvent): string {
  const head = `#${ev.step} t=${ev.timeMs}ms ${KIND_NAMES[ev.kind]!.padEnd(7)} n${ev.node}`;
  if (ev.msg) return `${head} ${formatMessage(ev.msg)}`;
  switch (ev.kind) {
    case TraceKind.Persist:
      return `${head} persisted ${ev.a} entries${ev.b >= 0 ? `, commit=${ev.b}` : ''}, applied=${ev.c}${ev.text ? ` ${ev.text}` : ''}`;
    case TraceKind.Role:
      return `${head} is ${ev.text} term=${ev.a} lead=${ev.b}`;
    case TraceKind.Propose:
      return `${head} ${ev.text} -> index ${ev.a}`;
    case TraceKind.Storage:
      return `${head} ${ev.text} [${ev.a}, ${ev.b})`;
    default:
      return `${head} ${ev.text}`;
  }
}

function formatMessage(m: Message): string {
  let s = `${m.type} n${m.from}->n${m.to} term=${m.term}`;
  if (m.index !== 0 || m.logTerm !== 0) s += ` index=${m.index} logTerm=${m.logTerm}`;
  if (m.entries.length > 0) s += ` entries=${m.entries[0]!.index}..${m.entries[m.entries.length - 1]!.index}`;
  if (m.commit !== 0) s += ` commit=${m.commit}`;
  if (m.reject) s += m.type === 'AppResp' ? ` REJECT hint=${m.rejectHint}` : ' REJECT';
  if (m.snapshot) s += ` snapshot@${m.snapshot.meta.index}/t${m.snapshot.meta.term}`;
  if (m.context) s += ` (${m.context})`;
  return s;
}
