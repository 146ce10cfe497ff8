/**
 * One-line renderings of Raft values, modelled on etcd-io/raft's DescribeMessage / DescribeEntry so
 * that scripts read like etcd's testdata:
 *
 *     1->2 MsgApp Term:1 Log:1/10 Commit:10 Entries:[1/11 EntryNormal "foo"]
 *     2->1 MsgAppResp Term:1 Log:1/10 Rejected (Hint: 9)
 */
import {
  ConfChangeType,
  decodeConfChange,
  EntryType,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type Ready,
  type Snapshot,
} from '../../../src/raft/index.js';
import type { NodeId } from '../../../src/core/index.js';

const decoder = new TextDecoder();

export function describeIds(ids: readonly NodeId[]): string {
  return `(${ids.join(',')})`;
}

export function describeConfState(cs: ConfState): string {
  return `Voters:${describeIds(cs.voters)} Learners:${describeIds(cs.learners)}`;
}

/** `v4` add voter, `l4` add learner, `r2` remove: etcd's conf change shorthand. */
export function describeConfChange(c: ConfChange): string {
  switch (c.type) {
    case ConfChangeType.AddVoter:
      return `v${c.nodeId}`;
    case ConfChangeType.AddLearner:
      return `l${c.nodeId}`;
    case ConfChangeType.RemoveNode:
      return `r${c.nodeId}`;
  }
}

export function parseConfChange(s: string): ConfChange {
  const m = /^([vlr])(\d+)$/.exec(s);
  if (!m) throw new Error(`bad conf change '${s}': expected v<id>, l<id> or r<id>`);
  const type = m[1] === 'v' ? ConfChangeType.AddVoter : m[1] === 'l' ? ConfChangeType.AddLearner : ConfChangeType.RemoveNode;
  return { type, nodeId: Number(m[2]) };
}

export function describeEntry(e: Entry): string {
  if (e.type === EntryType.ConfChange) {
    const rec = decodeConfChange(e.data);
    return `${e.term}/${e.index} EntryConfChange ${describeConfChange(rec.change)}`;
  }
  return `${e.term}/${e.index} EntryNormal ${JSON.stringify(decoder.decode(e.data))}`;
}

export function describeSnapshot(s: Snapshot): string {
  return `Index:${s.meta.index} Term:${s.meta.term} ${describeConfState(s.meta.confState)}`;
}

export function describeHardState(hs: HardState): string {
  return `HardState Term:${hs.term}${hs.vote !== 0 ? ` Vote:${hs.vote}` : ''} Commit:${hs.commit}`;
}

export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} Msg${m.type} Term:${m.term} Log:${m.logTerm}/${m.index}`;
  if (m.reject) s += ` Rejected (Hint: ${m.rejectHint})`;
  if (m.commit !== 0) s += ` Commit:${m.commit}`;
  if (m.entries.length > 0) s += ` Entries:[${m.entries.map(describeEntry).join(', ')}]`;
  if (m.snapshot) s += ` Snapshot: ${describeSnapshot(m.snapshot)}`;
  if (m.context) s += ` Context:${m.context}`;
  return s;
}

/**
 * A Ready as etcd's rafttest prints it. `annotate` may append a note to a message line (the
 * simulated network says here which messages it dropped).
 */
export function describeReady(rd: Ready, annotate: (m: Message) => string = () => ''): string[] {
  const out = [`Ready MustSync=${rd.mustSync}:`];
  if (rd.softState) out.push(`Lead:${rd.softState.lead} State:${rd.softState.state}`);
  if (rd.hardState) out.push(describeHardState(rd.hardState));
  if (rd.entries.length > 0) out.push('Entries:', ...rd.entries.map(describeEntry));
  if (rd.snapshot) out.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
  if (rd.committedEntries.length > 0) out.push('CommittedEntries:', ...rd.committedEntries.map(describeEntry));
  if (rd.messages.length > 0) out.push('Messages:', ...rd.messages.map((m) => describeMessage(m) + annotate(m)));
  return out;
}
