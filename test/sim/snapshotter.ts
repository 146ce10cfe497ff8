/**
 * The host's snapshot policy: once a node has applied enough entries past its last snapshot, it
 * snapshots its state machine at the applied index and compacts its log, keeping only a few entries
 * below the snapshot. Followers that fall behind the compaction point then need a snapshot install.
 */
import type { Rng } from '../../src/core/index.js';
import type { SimNode } from './sim-node.js';
import type { SimParams } from './params.js';
import type { SimStats } from './stats.js';
import { TraceKind, type Trace } from './trace.js';

export class Snapshotter {
  constructor(
    private readonly rng: Rng,
    private readonly params: SimParams,
    private readonly stats: SimStats,
    private readonly trace: Trace,
  ) {}

  /** Call between Readies (nothing pending), right after the node applied entries. */
  maybeSnapshot(n: SimNode): void {
    const applied = n.sm.appliedIndex;
    const storage = n.storage;
    if (applied - storage.snapshot().meta.index < this.params.snapshotEveryEntries) return;
    const raft = n.node.raft;
    // A snapshot received but not yet handed out in a Ready has already replaced the membership
    // history, so the configuration at `applied` is not known until that Ready is processed.
    if (n.pending || raft.log.unstable.snapshot || raft.log.applied !== applied) return;
    storage.createSnapshot(applied, n.node.confStateAt(applied), n.sm.encode());
    const compactIndex = Math.max(storage.firstIndex() - 1, applied - this.rng.int(0, this.params.snapshotKeepEntriesMax + 1));
    storage.compact(compactIndex);
    this.stats.snapshotsCreated++;
    this.trace.note(TraceKind.Fault, n.id, `snapshot at ${applied}, log compacted to ${compactIndex}`);
  }
}
