export { leavesBeforePersist, RawNode, type RaftStatus } from './raw-node.js';
export { Raft } from './raft.js';
export { type RaftConfig, type RaftConfigInput, RAFT_DEFAULTS } from './config.js';
export { type Storage, type InitialState, entryBytes, limitBytes } from './storage.js';
export { MemoryStorage } from './memory-storage.js';
export { CompactedError, UnavailableError, TemporarilyUnavailableError, ProposalDroppedError, type ProposalDropReason } from './errors.js';
export { decodeConfChange, encodeConfChange, applyChange, type ConfChangeRecord } from './membership.js';
export { ProgressState } from './progress.js';
export {
  ConfChangeType,
  EntryType,
  MessageType,
  StateType,
  EMPTY_HARD_STATE,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type Ready,
  type Snapshot,
  type SnapshotMeta,
  type SoftState,
} from './types.js';
