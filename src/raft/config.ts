import { assert, silentLogger, type Index, type Logger, type NodeId, type Rng } from '../core/index.js';
import type { Storage } from './storage.js';

export interface RaftConfig {
  readonly id: NodeId;
  readonly storage: Storage;
  /** Seeded randomness for election timeouts. */
  readonly rng: Rng;
  /** Ticks without hearing from a leader before a follower campaigns; randomized in [n, 2n). */
  readonly electionTicks: number;
  /** Ticks between a leader's heartbeats; must be < electionTicks. */
  readonly heartbeatTicks: number;
  /** Upper bound on entry bytes in one append message (at least one entry is always sent). */
  readonly maxMsgBytes: number;
  /** Append messages in flight per follower in Replicate state. */
  readonly maxInflightMsgs: number;
  /** Bytes of proposed-but-uncommitted entries a leader accepts before dropping proposals. */
  readonly maxUncommittedBytes: number;
  /** Bytes of committed entries handed out in one Ready. */
  readonly maxCommittedBytesPerReady: number;
  /** A learner is promoted only if it is at most this many entries behind the leader. */
  readonly maxPromotionLagEntries: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** The last index the host applied before a restart; committed entries after it are re-delivered. */
  readonly applied: Index;
  readonly logger: Logger;
}

export type RaftConfigInput = Pick<RaftConfig, 'id' | 'storage' | 'rng'> & Partial<RaftConfig>;

export const RAFT_DEFAULTS = {
  electionTicks: 10,
  heartbeatTicks: 1,
  maxMsgBytes: 1 << 20,
  maxInflightMsgs: 256,
  maxUncommittedBytes: 64 << 20,
  maxCommittedBytesPerReady: 16 << 20,
  maxPromotionLagEntries: 1000,
  preVote: true,
  checkQuorum: true,
  applied: 0,
  logger: silentLogger,
} satisfies Partial<RaftConfig>;

export function resolveConfig(input: RaftConfigInput): RaftConfig {
  const c: RaftConfig = { ...RAFT_DEFAULTS, ...input };
  assert(Number.isInteger(c.id) && c.id > 0, `raft: id must be a positive integer, got ${c.id}`);
  assert(c.heartbeatTicks > 0, 'raft: heartbeatTicks must be > 0');
  assert(c.electionTicks > c.heartbeatTicks, 'raft: electionTicks must be > heartbeatTicks');
  assert(c.maxInflightMsgs > 0, 'raft: maxInflightMsgs must be > 0');
  assert(c.maxMsgBytes > 0 && c.maxUncommittedBytes > 0 && c.maxCommittedBytesPerReady > 0, 'raft: byte bounds must be > 0');
  return c;
}
