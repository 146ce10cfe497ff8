import type { GroupId, Index } from '../core/index.js';
import type { ConfState, Entry, HardState, Snapshot, Storage } from '../raft/index.js';

/**
 * One Raft group's durable state as the host sees it: the read side is the Raft core's synchronous
 * `Storage` (served from memory: term boundaries, bounds, hard state, snapshot, a bounded tail cache of
 * entries; a cold read throws TemporarilyUnavailableError and loads in the background), the write side
 * stages changes into the engine's current group-commit batch. Nothing staged is durable until the
 * promise of `StorageEngine.flush()` that covers it resolves.
 */
export interface GroupStorage extends Storage {
  readonly groupId: GroupId;
  /** Stage entries; stored entries at and after entries[0].index are replaced (a conflicting suffix). */
  append(entries: readonly Entry[]): void;
  setHardState(hs: HardState): void;
  /** Replace the whole log with a snapshot received from the leader. */
  applySnapshot(snapshot: Snapshot): void;
  /**
   * Record a snapshot taken by the application at `snapshot.meta.index` (<= applied) and delete every
   * entry at or before `compactIndex` (<= snapshot.meta.index).
   */
  compact(snapshot: Snapshot, compactIndex: Index): void;
  /** Called when a background load that made a read throw TemporarilyUnavailableError completed. */
  onEntriesLoaded(listener: () => void): void;
}

/** What a partition group's data entry says about its records (read from the record batch header). */
export interface EntryRecords {
  /** Must equal the end offset of the entries before it: offsets are dense along the log. */
  readonly baseOffset: number;
  readonly recordCount: number;
  readonly appendTimeMs: number;
}

export interface OpenGroupOptions {
  /** Membership for a group that has never been stored (bootstrap); ignored when state exists. */
  readonly bootstrap?: ConfState;
  /**
   * Partition groups only: describe a data entry's records so the store can key it by end offset
   * (making "find the batch holding offset N" one seek). Returns undefined for control entries
   * (a leader's no-op, a membership change). The metadata group passes nothing.
   */
  readonly describeEntry?: (entry: Entry) => EntryRecords | undefined;
  /**
   * Partition groups only (required with describeEntry): the end offset of the records covered by a
   * snapshot (read from the partition's snapshot data). When a snapshot from the leader replaces the
   * log, the store cannot derive it, and the next data entry's baseOffset must equal it.
   */
  readonly snapshotEndOffset?: (snapshot: Snapshot) => number;
}

/**
 * All groups of a node in one storage engine (DESIGN.md "One storage engine"): every change staged in
 * one event-loop turn, across all groups, goes to disk as one batch with one fsync.
 */
export interface StorageEngine {
  openGroup(groupId: GroupId, options?: OpenGroupOptions): Promise<GroupStorage>;
  /** Drop a group and all its data (a replica moved away, a topic deleted). */
  removeGroup(groupId: GroupId): void;
  /** Resolves when everything staged before this call is durable (fsynced unless fsync is disabled). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
