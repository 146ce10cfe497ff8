/**
 * Commit durability, the property behind Raft's Figure 8: once (index c, term t) is committed, no
 * log that lacks it may be able to win an election, or a later leader could overwrite it. Checked at
 * the moment an index first commits, it catches an unsafe commit without waiting for the crashes and
 * elections that would actually lose the entry.
 *
 * "Could win" is judged on logs only, which over-approximates what a candidate can do (it ignores
 * terms already voted in, leases and timing): a candidate log L, with the configuration L itself
 * holds, could win if L is a voter there and a majority of those voters have a durable log no more
 * up to date than L (they would grant L their vote in some later term). Raft's safety argument says
 * this never holds for a committed entry: the majority that acknowledged (c, t) persisted it, and
 * every log lacking it is strictly less up to date than each of theirs. Candidate logs are every live
 * node's in-memory log and every non-stopped node's durable log (what it would restart with).
 */
import type { NodeId } from '../../src/core/index.js';
import { CompactedError, decodeConfChange, type ConfState } from '../../src/raft/index.js';
import { NodeStatus, type SimNode } from './sim-node.js';

interface LogView {
  readonly which: string;
  readonly id: NodeId;
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Term at index c, or undefined if the log does not reach c; 'covered' if under a snapshot. */
  readonly termAtC: number | undefined | 'covered';
  readonly confState: () => ConfState;
}

/** A description of a log that lacks (c, t) yet could be elected, or undefined if none. */
export function electableWithout(nodes: ReadonlyMap<NodeId, SimNode>, c: number, t: number): string | undefined {
  for (const n of nodes.values()) {
    if (n.status === NodeStatus.Stopped) continue;
    if (n.up) {
      const hit = check(nodes, memoryView(n, c), c, t);
      if (hit) return hit;
    }
    const hit = check(nodes, durableView(n, c), c, t);
    if (hit) return hit;
  }
  return undefined;
}

function check(nodes: ReadonlyMap<NodeId, SimNode>, v: LogView, c: number, t: number): string | undefined {
  if (v.termAtC === 'covered' || v.termAtC === t) return undefined;
  const voters = v.confState().voters;
  if (!voters.includes(v.id)) return undefined;
  const grantors: NodeId[] = [];
  for (const id of voters) {
    const w = nodes.get(id);
    if (!w || w.status === NodeStatus.Stopped) continue;
    const wLast = w.storage.lastIndex();
    const wTerm = w.storage.term(wLast);
    if (v.lastTerm > wTerm || (v.lastTerm === wTerm && v.lastIndex >= wLast)) grantors.push(id);
  }
  if (grantors.length < Math.floor(voters.length / 2) + 1) return undefined;
  return `committed (${c}, term ${t}) is missing from n${v.id}'s ${v.which} log (term ${String(v.termAtC)} there, ` +
    `last entry (${v.lastIndex}, term ${v.lastTerm})), which voters [${grantors.join(',')}] of [${voters.join(',')}] would elect`;
}

function memoryView(n: SimNode, c: number): LogView {
  const raft = n.node.raft;
  const log = raft.log;
  const lastIndex = log.lastIndex();
  return {
    which: 'in-memory',
    id: n.id,
    lastIndex,
    lastTerm: log.term(lastIndex),
    termAtC: c < log.firstIndex() - 1 ? 'covered' : log.termOrUndefined(c),
    confState: () => raft.membership.current(),
  };
}

function durableView(n: SimNode, c: number): LogView {
  const st = n.storage;
  const lastIndex = st.lastIndex();
  let termAtC: number | undefined | 'covered';
  try {
    termAtC = c > lastIndex ? undefined : st.term(c);
  } catch (e) {
    if (!(e instanceof CompactedError)) throw e;
    termAtC = 'covered';
  }
  return { which: 'durable', id: n.id, lastIndex, lastTerm: st.term(lastIndex), termAtC, confState: () => storedConfState(n) };
}

/** The configuration a node restarts with: its snapshot's, then every stored membership entry. */
function storedConfState(n: SimNode): ConfState {
  const init = n.storage.initialState();
  const last = init.confEntries[init.confEntries.length - 1];
  return last ? decodeConfChange(last.data).confState : init.confState;
}
