import { RunnelError } from '../../core/index.js';
import { assignUniform, type TpKey } from './assignor.js';
import type { GroupStateRecord } from './group-command.js';

/**
 * One consumer group's members and assignment on its coordinator (KIP-848's reconciliation, on the
 * server): members heartbeat with their subscription and the partitions they own; the target
 * assignment is recomputed (assignor.ts) whenever members, subscriptions or partition counts change;
 * each member is given the part of its target that no other member still holds. A partition taken
 * from A is given to B only after A has been told and has reported that it no longer owns it, so no
 * partition ever has two consumers. Members that miss their session timeout are removed, and what
 * they held is free at once. Pure: time arrives as `nowMs`, ids from `newMemberId`.
 */

export interface HeartbeatIn {
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly subscribedTopics: readonly string[];
  readonly owned: ReadonlySet<TpKey>;
  readonly sessionTimeoutMs: number;
  readonly clientId: string;
}

export interface HeartbeatOut {
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly heartbeatIntervalMs: number;
  readonly assignment: ReadonlySet<TpKey>;
}

export interface MemberView {
  readonly memberId: string;
  readonly clientId: string;
  readonly memberEpoch: number;
  readonly subscribedTopics: readonly string[];
  readonly assignment: ReadonlySet<TpKey>;
  readonly owned: ReadonlySet<TpKey>;
}

export type GroupState = 'Empty' | 'Reconciling' | 'Stable';

interface Member {
  readonly id: string;
  clientId: string;
  epoch: number;
  topics: readonly string[];
  /** What the coordinator last told the member it may consume. */
  assigned: Set<TpKey>;
  /** What the member last reported consuming. */
  owned: Set<TpKey>;
  sessionTimeoutMs: number;
  deadlineMs: number;
}

/** Members per group at most (a join beyond is refused). */
export const membersPerGroupMax = 1_000;
/** Heartbeat interval bounds: a third of the session, within these. */
const heartbeatIntervalMsMax = 5_000;
const heartbeatIntervalMsMin = 100;
/** While a member waits for partitions or should release some, it heartbeats this often. */
const reconcilingIntervalMs = 200;

export class GroupMembership {
  private readonly members = new Map<string, Member>();
  private target = new Map<string, Set<TpKey>>();
  private epoch = 0;
  private targetSignature = '';
  private changes = 0;

  constructor(readonly groupId: string) {}

  /** A coordinator taking over: the persisted membership, every session starting afresh at `nowMs`. */
  static fromRecord(groupId: string, r: GroupStateRecord, nowMs: number): GroupMembership {
    const g = new GroupMembership(groupId);
    g.epoch = r.groupEpoch;
    g.targetSignature = r.targetSignature;
    g.target = new Map(r.target.map((t) => [t.id, new Set(t.tps)]));
    for (const m of r.members) {
      g.members.set(m.id, { ...m, topics: [...m.topics], assigned: new Set(m.assigned), owned: new Set(m.owned), deadlineMs: nowMs + m.sessionTimeoutMs });
    }
    return g;
  }

  /** What a new coordinator needs to continue (everything but session deadlines). */
  toRecord(): GroupStateRecord {
    const members = [...this.members.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((m) => ({ id: m.id, clientId: m.clientId, epoch: m.epoch, topics: [...m.topics], assigned: [...m.assigned].sort(), owned: [...m.owned].sort(), sessionTimeoutMs: m.sessionTimeoutMs }));
    const target = [...this.target].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, tps]) => ({ id, tps: [...tps].sort() }));
    return { groupEpoch: this.epoch, members, target, targetSignature: this.targetSignature };
  }

  get groupEpoch(): number {
    return this.epoch;
  }

  get size(): number {
    return this.members.size;
  }

  /** Grows whenever something toRecord() holds changed: the coordinator persists the group then. */
  get changeCount(): number {
    return this.changes;
  }

  heartbeat(req: HeartbeatIn, nowMs: number, partitionsOf: (topic: string) => number | undefined, newMemberId: () => string): HeartbeatOut {
    const before = `${this.epoch}|${this.members.size}|${this.fingerprint(req.memberId)}`;
    try {
      return this.beat(req, nowMs, partitionsOf, newMemberId);
    } finally {
      if (`${this.epoch}|${this.members.size}|${this.fingerprint(req.memberId)}` !== before) this.changes++;
    }
  }

  private fingerprint(memberId: string): string {
    const m = this.members.get(memberId);
    return m === undefined ? '-' : `${m.epoch}|${m.sessionTimeoutMs}|${m.clientId}|${m.topics.join(',')}|${[...m.owned].sort().join(',')}`;
  }

  private beat(req: HeartbeatIn, nowMs: number, partitionsOf: (topic: string) => number | undefined, newMemberId: () => string): HeartbeatOut {
    if (req.memberEpoch === -1) {
      this.members.delete(req.memberId);
      this.refreshTarget(partitionsOf);
      return { memberId: req.memberId, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: new Set() };
    }
    let m = this.members.get(req.memberId);
    if (req.memberEpoch === 0) {
      if (m === undefined) m = this.join(req, req.memberId === '' ? newMemberId() : req.memberId);
      else m.owned = new Set(req.owned); // a rejoin with a known id: start over from what it holds
    } else if (m === undefined) {
      throw new RunnelError('RUNNEL_ERR_UNKNOWN_MEMBER_ID', [req.memberId, this.groupId]);
    } else if (req.memberEpoch > m.epoch) {
      throw new RunnelError('RUNNEL_ERR_FENCED_MEMBER_EPOCH', [req.memberId, this.groupId, `epoch ${req.memberEpoch} is ahead of ${m.epoch}`]);
    }
    m.deadlineMs = nowMs + req.sessionTimeoutMs;
    m.sessionTimeoutMs = req.sessionTimeoutMs;
    m.clientId = req.clientId;
    m.owned = new Set(req.owned);
    if (req.subscribedTopics.length > 0 && !sameTopics(m.topics, req.subscribedTopics)) m.topics = [...new Set(req.subscribedTopics)].sort();
    this.refreshTarget(partitionsOf);
    this.reconcile(m);
    const wanted = this.target.get(m.id) ?? new Set();
    const settled = setsEqual(m.assigned, wanted) && setsEqual(m.owned, m.assigned);
    const interval = Math.max(heartbeatIntervalMsMin, Math.min(heartbeatIntervalMsMax, Math.floor(m.sessionTimeoutMs / 3)));
    return { memberId: m.id, memberEpoch: m.epoch, heartbeatIntervalMs: settled ? interval : Math.min(interval, reconcilingIntervalMs), assignment: new Set(m.assigned) };
  }

  /** Remove the members whose session expired; returns their ids. */
  expire(nowMs: number): string[] {
    const gone = [...this.members.values()].filter((m) => m.deadlineMs < nowMs).map((m) => m.id);
    for (const id of gone) this.members.delete(id);
    if (gone.length > 0) this.changes++;
    return gone;
  }

  /** Whether `memberId` may commit an offset of `tp`: it holds it (assigned or still owned). */
  mayCommit(memberId: string, tp: TpKey): boolean {
    const m = this.members.get(memberId);
    return m !== undefined && (m.assigned.has(tp) || m.owned.has(tp));
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  state(): GroupState {
    if (this.members.size === 0) return 'Empty';
    for (const m of this.members.values()) {
      if (!setsEqual(m.assigned, this.target.get(m.id) ?? new Set()) || !setsEqual(m.owned, m.assigned)) return 'Reconciling';
    }
    return 'Stable';
  }

  describe(): MemberView[] {
    return [...this.members.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((m) => ({ memberId: m.id, clientId: m.clientId, memberEpoch: m.epoch, subscribedTopics: m.topics, assignment: new Set(m.assigned), owned: new Set(m.owned) }));
  }

  private join(req: HeartbeatIn, id: string): Member {
    if (this.members.size >= membersPerGroupMax) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`group ${this.groupId} already has ${membersPerGroupMax} members`]);
    if (req.subscribedTopics.length === 0) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['a joining member must subscribe to at least one topic']);
    const m: Member = { id, clientId: req.clientId, epoch: 1, topics: [...new Set(req.subscribedTopics)].sort(), assigned: new Set(), owned: new Set(), sessionTimeoutMs: req.sessionTimeoutMs, deadlineMs: 0 };
    this.members.set(id, m);
    return m;
  }

  /** Recompute the target when members, subscriptions or partition counts changed. */
  private refreshTarget(partitionsOf: (topic: string) => number | undefined): void {
    const members = [...this.members.values()].map((m) => ({ id: m.id, topics: m.topics }));
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    const signature = JSON.stringify([members.map((m) => [m.id, m.topics]).sort(), topics.map((t) => [t, partitionsOf(t) ?? 0])]);
    if (signature === this.targetSignature) return;
    this.targetSignature = signature;
    this.target = assignUniform(members, partitionsOf, this.target);
    this.epoch++;
  }

  /** Give `m` the part of its target no other member holds; take away what is no longer its. */
  private reconcile(m: Member): void {
    const wanted = this.target.get(m.id) ?? new Set<TpKey>();
    const held = new Set<TpKey>();
    for (const o of this.members.values()) {
      if (o === m) continue;
      for (const tp of o.assigned) held.add(tp);
      for (const tp of o.owned) held.add(tp);
    }
    const next = new Set([...wanted].filter((tp) => !held.has(tp)));
    if (!setsEqual(next, m.assigned)) {
      m.assigned = next;
      m.epoch++;
    }
  }
}

function setsEqual<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  const sb = [...new Set(b)].sort();
  return a.length === sb.length && a.every((t, i) => t === sb[i]);
}
