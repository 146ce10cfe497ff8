/**
 * Raft's safety properties, checked incrementally as the simulation runs (Jepsen's checker part,
 * but online so a failure points at the step that broke things):
 *
 * - election safety: at most one leader per term, and sound votes (election-checker.ts);
 * - log matching: a global map (index, term) -> (entry fingerprint, previous entry's term), fed with
 *   every entry a node persists, so two logs holding the same (index, term) must agree on the entry
 *   and, inductively through the previous term, on the whole prefix; every log is re-checked in full
 *   at the end;
 * - leader completeness: a node that becomes leader of term T holds every entry known to have been
 *   committed in a term before T (those below its snapshot excepted: the snapshot covers them). A
 *   leader of an older term can still win with votes cast long ago (a paused candidate, delayed
 *   answers); it need not hold what a newer term committed, and can never commit itself;
 * - committed entries never change: the first node to commit an index records (term, fingerprint)
 *   and every node that commits, persists-as-committed or applies that index must match it;
 * - commit durability: when an index first commits, no log lacking it could win an election
 *   (durability.ts; this is what catches Figure 8 style commits at once);
 * - a node's commit index never decreases, except across a crash, and then not below what it had
 *   persisted;
 * - state machine safety: entries are applied in order with no gaps, only once committed, and the
 *   state hash after applying index i equals the expected hash at i (the chain over the committed
 *   entries 1..i), snapshots included.
 *
 * "Known to be committed" is any index at or below some node's in-memory commit index. That is
 * sound here because the host sends a Ready's messages only after persisting it, so a follower can
 * only acknowledge entries its leader has already made durable.
 */
import type { NodeId } from '../../src/core/index.js';
import { CompactedError, EntryType, StateType, type Entry, type Ready, type Snapshot, type StateType as Role } from '../../src/raft/index.js';
import { electableWithout } from './durability.js';
import { ElectionChecker, TERM_SPAN } from './election-checker.js';
import { chainHash, entryFingerprint, INITIAL_STATE_HASH } from './hash.js';
import type { SimNode } from './sim-node.js';
import type { SimStats } from './stats.js';
import { TraceKind, type Trace } from './trace.js';
import { fail, type Property } from './violation.js';
/** Fingerprint of an entry known only from a snapshot's metadata. */
const UNKNOWN_FP = -1;
/** The term before the first persisted entry, when it lies under the snapshot. */
const UNKNOWN_TERM = -1;

interface LogRecord {
  readonly fp: number;
  prevTerm: number;
}

interface NodeView {
  /** The highest commit index seen on this node in its current life (persisted commit after a crash). */
  seenCommit: number;
  role: Role;
  term: number;
}

const ROLE_CODES: Record<Role, number> = { Follower: 0, PreCandidate: 1, Candidate: 2, Leader: 3 };

export class SafetyChecker {
  /** Highest index known committed. */
  maxCommitted = 0;
  /** Called when a term gets its (only) leader; the cluster uses it for transfer bookkeeping. */
  onNewLeader: (id: NodeId, term: number) => void = () => {};
  /** Called when a node's commit index moves forward (the nemesis likes to crash leaders then). */
  onCommitAdvance: (n: SimNode) => void = () => {};
  private readonly elections: ElectionChecker;
  private readonly committedTerm: number[] = [0];
  private readonly committedFp: number[] = [0];
  /** The term of the node that first saw the index committed (a leader, in its own term). */
  private readonly committedInTerm: number[] = [0];
  private readonly expectedHash: number[] = [INITIAL_STATE_HASH];
  private readonly logRecords = new Map<number, LogRecord>();
  private readonly views = new Map<NodeId, NodeView>();
  private nodes: ReadonlyMap<NodeId, SimNode> = new Map();

  constructor(
    private readonly stats: SimStats,
    private readonly trace: Trace,
  ) {
    this.elections = new ElectionChecker(stats);
  }

  /** The cluster's nodes, for the checks that look at every log at once. */
  watch(nodes: ReadonlyMap<NodeId, SimNode>): void {
    this.nodes = nodes;
  }

  /** After every event that touched `n` (which is up). */
  afterStep(n: SimNode): void {
    const raft = n.node.raft;
    const view = this.view(n);
    if (raft.state !== view.role || raft.term !== view.term) this.roleChanged(n, view);
    this.checkCommit(n, view);
  }

  onCrash(n: SimNode): void {
    const view = this.view(n);
    // The next life starts from storage: its commit may be lower, but never below what was persisted.
    view.seenCommit = n.storage.getHardState().commit;
    view.role = StateType.Follower;
    view.term = -1;
  }

  /** After `rd` was written to n's storage. */
  onPersist(n: SimNode, rd: Ready): void {
    this.elections.onPersist(n, rd);
    if (rd.snapshot) this.checkSnapshotMeta(n, rd.snapshot);
    if (rd.entries.length === 0) return;
    const persistedCommit = n.storage.getHardState().commit;
    let prevTerm = this.storedTerm(n, rd.entries[0]!.index - 1);
    for (const e of rd.entries) {
      const fp = entryFingerprint(e);
      this.checkLogRecord(n, e, fp, prevTerm);
      if (e.index <= persistedCommit) this.checkCommitted(n, e.index, e.term, fp, 'persisted as committed');
      prevTerm = e.term;
    }
  }

  /** n replaced its state machine with snapshot `s`. */
  onRestore(n: SimNode, s: Snapshot, prevApplied: number): void {
    const i = s.meta.index;
    if (i <= prevApplied) this.fail('state machine safety', n, `restored snapshot at ${i} over applied ${prevApplied}`);
    if (n.sm.appliedIndex !== i) this.fail('state machine safety', n, `snapshot at ${i} carries state applied to ${n.sm.appliedIndex}`);
    this.checkStateHash(n, i);
  }

  /** Before n applies e: in order, and the entry committed at that index. Returns e's fingerprint. */
  beforeApply(n: SimNode, e: Entry): number {
    if (e.index !== n.sm.appliedIndex + 1) {
      this.fail('state machine safety', n, `applies index ${e.index} right after ${n.sm.appliedIndex}`);
    }
    const fp = entryFingerprint(e);
    if (this.committedTerm[e.index] === undefined) {
      this.fail('state machine safety', n, `applies index ${e.index} (term ${e.term}) that no node has committed`);
    }
    this.checkCommitted(n, e.index, e.term, fp, 'applied');
    return fp;
  }

  afterApply(n: SimNode, e: Entry, fp: number): void {
    if (this.expectedHash[e.index] === undefined) {
      const prev = this.expectedHash[e.index - 1];
      if (prev === undefined) this.fail('applied state hash', n, `no expected hash before index ${e.index}`);
      this.expectedHash[e.index] = chainHash(prev, e.index, fp);
    }
    this.checkStateHash(n, e.index);
  }

  /** Every node's whole log, stored and in memory, against the records (end of run). */
  finalCheck(nodes: Iterable<SimNode>): void {
    for (const n of nodes) {
      if (!n.up) continue;
      const st = n.storage;
      const stored = st.entries(st.firstIndex(), st.lastIndex() + 1, Infinity);
      this.checkWholeLog(n, stored, st.term(st.firstIndex() - 1), st.getHardState().commit, 'stored');
      const log = n.node.raft.log;
      this.checkWholeLog(n, n.oracleRead(() => log.allEntries()), log.term(log.firstIndex() - 1), log.committed, 'in-memory');
    }
  }

  // ---- roles ------------------------------------------------------------------------------

  private roleChanged(n: SimNode, view: NodeView): void {
    const raft = n.node.raft;
    view.role = raft.state;
    view.term = raft.term;
    this.trace.numbers(TraceKind.Role, n.id, raft.term, raft.lead, ROLE_CODES[raft.state], raft.state);
    if (raft.state !== StateType.Leader) return;
    const firstLeaderOfTerm = this.elections.onLeader(n);
    this.checkLeaderCompleteness(n);
    if (firstLeaderOfTerm) this.onNewLeader(n.id, raft.term);
  }

  /** Raft's Leader Completeness: the leader of term T holds every entry committed in a term < T. */
  private checkLeaderCompleteness(n: SimNode): void {
    const log = n.node.raft.log;
    const term = n.node.raft.term;
    // The snapshot's own index (firstIndex - 1) still has a known term; below it all is committed.
    for (let i = Math.max(1, log.firstIndex() - 1); i <= this.maxCommitted; i++) {
      const want = this.committedTerm[i];
      if (want === undefined || this.committedInTerm[i]! >= term) continue;
      const have = log.termOrUndefined(i);
      if (have !== want) {
        this.fail('leader completeness', n, `leader of term ${term} has ${have === undefined ? 'no entry' : `term ${have}`} ` +
          `at index ${i}, committed in term ${this.committedInTerm[i]} with term ${want}`);
      }
    }
  }

  // ---- commit ------------------------------------------------------------------------------

  private checkCommit(n: SimNode, view: NodeView): void {
    const log = n.node.raft.log;
    const c = log.committed;
    if (c === view.seenCommit) return;
    if (c < view.seenCommit) {
      this.fail('commit index went backwards', n, `commit ${c} after ${view.seenCommit}`);
    }
    const newlyCommitted = c > this.maxCommitted;
    const snapIndex = log.firstIndex() - 1;
    const lo = view.seenCommit + 1;
    if (lo <= snapIndex && snapIndex <= c) this.checkCommitted(n, snapIndex, log.term(snapIndex), UNKNOWN_FP, 'committed');
    for (const e of n.oracleRead(() => log.slice(Math.max(lo, snapIndex + 1), c + 1, Infinity))) {
      this.checkCommitted(n, e.index, e.term, entryFingerprint(e), 'committed', e.type);
    }
    view.seenCommit = c;
    if (newlyCommitted) this.checkDurable(n, c);
    this.onCommitAdvance(n);
  }

  private checkDurable(n: SimNode, c: number): void {
    const hit = electableWithout(this.nodes, c, this.committedTerm[c]!);
    if (hit) this.fail('commit durability', n, hit);
  }

  /** Record (i, term, fp) as committed, or check it against what was recorded. */
  private checkCommitted(n: SimNode, i: number, term: number, fp: number, how: string, type?: EntryType): void {
    const wantTerm = this.committedTerm[i];
    if (wantTerm === undefined) {
      this.committedTerm[i] = term;
      this.committedInTerm[i] = n.node.raft.term;
      this.committedFp[i] = fp;
      if (i > this.maxCommitted) this.maxCommitted = i;
      this.stats.commits++;
      if (type === EntryType.ConfChange) this.stats.confChangesCommitted++;
      return;
    }
    const wantFp = this.committedFp[i]!;
    if (wantTerm !== term || (fp !== UNKNOWN_FP && wantFp !== UNKNOWN_FP && fp !== wantFp)) {
      this.fail('committed entry changed', n, `${how} index ${i} as term ${term} fp ${fp}, committed earlier as term ${wantTerm} fp ${wantFp}`);
    }
    if (wantFp === UNKNOWN_FP && fp !== UNKNOWN_FP) {
      this.committedFp[i] = fp;
      if (type === EntryType.ConfChange) this.stats.confChangesCommitted++;
    }
  }

  // ---- logs --------------------------------------------------------------------------------

  private checkLogRecord(n: SimNode, e: Entry, fp: number, prevTerm: number): void {
    if (e.term >= TERM_SPAN) this.fail('log matching', n, `term ${e.term} too large for the checker`);
    const key = e.index * TERM_SPAN + e.term;
    const rec = this.logRecords.get(key);
    if (rec === undefined) {
      this.logRecords.set(key, { fp, prevTerm });
      return;
    }
    if (rec.fp !== fp) {
      this.fail('log matching', n, `entry (${e.index}, term ${e.term}) has fp ${fp}, another node holds fp ${rec.fp}`);
    }
    if (prevTerm === UNKNOWN_TERM) return;
    if (rec.prevTerm === UNKNOWN_TERM) rec.prevTerm = prevTerm;
    else if (rec.prevTerm !== prevTerm) {
      this.fail('log matching', n, `entry (${e.index}, term ${e.term}) follows term ${prevTerm}, elsewhere term ${rec.prevTerm}`);
    }
  }

  private checkSnapshotMeta(n: SimNode, s: Snapshot): void {
    this.checkCommitted(n, s.meta.index, s.meta.term, UNKNOWN_FP, 'installed snapshot at');
  }

  private checkStateHash(n: SimNode, i: number): void {
    const want = this.expectedHash[i];
    if (want === undefined) this.fail('applied state hash', n, `state at ${i} but no node applied ${i} before`);
    if (n.sm.hash !== want) this.fail('applied state hash', n, `state hash ${n.sm.hash} at index ${i}, expected ${want}`);
  }

  /** `prevTerm` is the term at the snapshot index, just before entries[0]. */
  private checkWholeLog(n: SimNode, entries: readonly Entry[], prevTerm: number, commit: number, which: string): void {
    for (const e of entries) {
      const fp = entryFingerprint(e);
      this.checkLogRecord(n, e, fp, prevTerm);
      if (e.index <= commit) this.checkCommitted(n, e.index, e.term, fp, `${which} log holds committed`);
      prevTerm = e.term;
    }
  }

  /** Term of the stored entry at i, or UNKNOWN_TERM if it is below the snapshot. */
  private storedTerm(n: SimNode, i: number): number {
    if (i === 0) return 0;
    try {
      return n.storage.term(i);
    } catch (e) {
      if (e instanceof CompactedError) return UNKNOWN_TERM;
      throw e;
    }
  }

  private view(n: SimNode): NodeView {
    let v = this.views.get(n.id);
    if (!v) {
      v = { seenCommit: 0, role: StateType.Follower, term: -1 };
      this.views.set(n.id, v);
    }
    return v;
  }

  private fail(property: Property, n: SimNode, detail: string): never {
    fail(property, n.id, detail);
  }
}
