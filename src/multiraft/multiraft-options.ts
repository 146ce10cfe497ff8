import { assert, silentLogger, type Logger, type NodeId } from '../core/index.js';
import type { RaftConfig } from '../raft/index.js';
import type { StorageEngine } from './group-storage.js';
import type { Transport } from './transport.js';

/** Raft settings shared by every hosted group (ids, storage, rng and applied are per group). */
export type GroupRaftSettings = Partial<Omit<RaftConfig, 'id' | 'storage' | 'rng' | 'applied' | 'logger'>>;

export interface MultiRaftOptions {
  readonly nodeId: NodeId;
  /** The node's one storage engine: every pass stages into it and awaits one flush(). */
  readonly engine: StorageEngine;
  readonly transport: Transport;
  readonly logger?: Logger;
  /** Wall-clock length of one Raft tick; every group is ticked on the same timer. */
  readonly tickMs?: number;
  readonly raft?: GroupRaftSettings;
  /** Proposals queued or awaiting their outcome, per group; beyond it propose() is refused (definite). */
  readonly pendingProposalsMax?: number;
  /** Entry bytes handed to the Raft core in one proposeBatch (one append message per follower). */
  readonly proposalBatchBytesMax?: number;
  /**
   * Soft bound on one outgoing messages frame: a pass packs a peer's messages into frames up to this
   * size (a single larger message, e.g. a snapshot, still travels alone in one frame).
   */
  readonly frameBytesMax?: number;
  /** Seed for the groups' election-timeout randomness (tests); random when absent. */
  readonly seed?: number;
}

export interface MultiRaftConfig {
  readonly nodeId: NodeId;
  readonly engine: StorageEngine;
  readonly transport: Transport;
  readonly logger: Logger;
  readonly tickMs: number;
  readonly raft: GroupRaftSettings;
  readonly pendingProposalsMax: number;
  readonly proposalBatchBytesMax: number;
  readonly frameBytesMax: number;
  readonly seed: number;
}

export const MULTIRAFT_DEFAULTS = {
  tickMs: 100,
  pendingProposalsMax: 10_000,
  proposalBatchBytesMax: 1 << 20,
  frameBytesMax: 4 << 20,
} as const;

export function resolveMultiRaftConfig(o: MultiRaftOptions): MultiRaftConfig {
  const c: MultiRaftConfig = {
    nodeId: o.nodeId,
    engine: o.engine,
    transport: o.transport,
    logger: o.logger ?? silentLogger,
    tickMs: o.tickMs ?? MULTIRAFT_DEFAULTS.tickMs,
    raft: o.raft ?? {},
    pendingProposalsMax: o.pendingProposalsMax ?? MULTIRAFT_DEFAULTS.pendingProposalsMax,
    proposalBatchBytesMax: o.proposalBatchBytesMax ?? MULTIRAFT_DEFAULTS.proposalBatchBytesMax,
    frameBytesMax: o.frameBytesMax ?? MULTIRAFT_DEFAULTS.frameBytesMax,
    seed: o.seed ?? Math.floor(Math.random() * 0x1_0000_0000),
  };
  assert(Number.isInteger(c.nodeId) && c.nodeId > 0, `multiraft: nodeId must be a positive integer, got ${c.nodeId}`);
  assert(c.tickMs > 0, 'multiraft: tickMs must be > 0');
  assert(c.pendingProposalsMax > 0 && c.proposalBatchBytesMax > 0 && c.frameBytesMax > 0, 'multiraft: bounds must be > 0');
  return c;
}
