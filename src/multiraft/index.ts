export { MultiRaft, type GroupStatus, type MultiRaftStats } from './multi-raft.js';
export { type AddGroupOptions, type LeaderChange } from './hosted-group.js';
export { type DrainResult } from './leadership-drain.js';
export { type MultiRaftOptions, type GroupRaftSettings, MULTIRAFT_DEFAULTS } from './multiraft-options.js';
export { type ProposalResult, type WaitFor } from './proposal-tracker.js';
export { type StateMachine } from './state-machine.js';
export {
  type EntryRecords,
  type GroupStorage,
  type OpenGroupOptions,
  type StorageEngine,
} from './group-storage.js';
export { type GroupMessage, type NodeHeartbeat, type NodeHeartbeatResponse, type PeerFrame, type Transport } from './transport.js';
