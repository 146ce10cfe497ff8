import type { Index, NodeId, Term } from '../core/index.js';

export const EntryType = {
  /** Application data (a record batch, a metadata command); empty data = a new leader's no-op. */
  Normal: 0,
  /** A membership change; `data` is an encoded ConfChange carrying the full resulting ConfState. */
  ConfChange: 1,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  readonly term: Term;
  readonly index: Index;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** What must be on disk before any message that depends on it leaves the node. */
export interface HardState {
  readonly term: Term;
  /** Who this node voted for in `term`, or 0. */
  readonly vote: NodeId;
  readonly commit: Index;
  /**
   * Set while this replica, created without a configuration to be added to the group, has not caught
   * up to the commit index of the first append or snapshot a leader sent it: until then it grants no
   * vote (raft.ts, stillJoining), and the target is kept here so that a restart does not forget it.
   * Absent otherwise.
   */
  readonly joinTarget?: Index;
}

/** Group membership. `voters` decide elections and commits; `learners` only receive the log. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMeta {
  readonly index: Index;
  readonly term: Term;
  /** Membership as of `index`. */
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The application's state machine as of `meta.index`, opaque to Raft. */
  readonly data: Uint8Array;
}

export const ConfChangeType = {
  /** Add a non-voting member that receives the log (the first step of adding a replica). */
  AddLearner: 0,
  /** Add a voter; for a learner this is its promotion, allowed only once it has caught up. */
  AddVoter: 1,
  /** Remove a voter or learner. */
  RemoveNode: 2,
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
}

export const MessageType = {
  App: 'App',
  AppResp: 'AppResp',
  Vote: 'Vote',
  VoteResp: 'VoteResp',
  PreVote: 'PreVote',
  PreVoteResp: 'PreVoteResp',
  Snap: 'Snap',
  Heartbeat: 'Heartbeat',
  HeartbeatResp: 'HeartbeatResp',
  /** Sent by a leader handing over leadership: "campaign now, ignoring leases". */
  TimeoutNow: 'TimeoutNow',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * One flat message shape for every type (as etcd's raftpb.Message), so transports and the simulator
 * handle messages uniformly. Fields not used by a type are left at their zero value.
 *
 * - App: `index`/`logTerm` locate the entry before `entries`; `commit` is the leader's commit index.
 * - AppResp: `index` is the last index the follower now matches (or, with `reject`, the index that
 *   was rejected); `rejectHint`/`logTerm` let the leader skip a whole conflicting term at once.
 * - Vote/PreVote: `index`/`logTerm` are the candidate's last entry; `context` = 'transfer' when the
 *   election was asked for by the old leader (it then ignores leader leases).
 * - Heartbeat: `commit` = min(follower's match, leader's commit).
 * - Snap: `snapshot` is set.
 */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
  readonly logTerm: Term;
  readonly index: Index;
  readonly entries: readonly Entry[];
  readonly commit: Index;
  readonly reject: boolean;
  readonly rejectHint: Index;
  readonly snapshot?: Snapshot;
  readonly context?: 'transfer';
}

export const StateType = {
  Follower: 'Follower',
  PreCandidate: 'PreCandidate',
  Candidate: 'Candidate',
  Leader: 'Leader',
} as const;
export type StateType = (typeof StateType)[keyof typeof StateType];

/** Volatile state that hosts care about (who leads); never persisted. */
export interface SoftState {
  readonly lead: NodeId;
  readonly state: StateType;
}

/**
 * The output of the core, handled by the host IN THIS ORDER:
 *  1. persist `hardState`, `snapshot` and `entries` (entries replace any stored entries at and after
 *     `entries[0].index`) and, if `mustSync`, fsync;
 *  2. only then send `messages` (a vote or an append ack must never leave before what it promises is
 *     durable) — except that when `appendsBeforePersist` is set, the leader's appends (type App)
 *     among them may be sent at once, before step 1 completes (the Raft thesis, §10.2.1: the leader
 *     writes to its disk in parallel with replicating; it counts its own copy towards commit only
 *     once the host reported it persisted, by advance());
 *  3. apply `snapshot` (if any) and then `committedEntries` to the state machine;
 *  4. call `advance(ready)`.
 * Between `ready()` and `advance()` the host may keep calling `step`/`tick`/`propose` (e.g. while an
 * fsync is in flight), but must not call `ready()` again.
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly mustSync: boolean;
  /**
   * This Ready is a leader's that changes neither term nor vote and holds no snapshot: its App
   * messages may leave before its entries are persisted (see the order above).
   */
  readonly appendsBeforePersist: boolean;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: 0, commit: 0 };
