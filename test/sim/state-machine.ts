/**
 * The replicated state machine each simulated node applies committed entries to: small on purpose
 * (applied index, count of application entries, running hash of everything applied), because its
 * only job is to make divergence visible. Its snapshot is those three numbers.
 */
import { assert } from '../../src/core/index.js';
import { EntryType, type Entry, type Snapshot } from '../../src/raft/index.js';
import { chainHash, INITIAL_STATE_HASH } from './hash.js';

const SNAPSHOT_FIELDS = 3;

export class StateMachine {
  appliedIndex = 0;
  /** Normal entries with data (application proposals); no-ops and membership entries excluded. */
  appCount = 0;
  /** chainHash over every applied entry's fingerprint, index by index from 1. */
  hash = INITIAL_STATE_HASH;

  /** Apply the next entry; the caller (the checker) has verified that it is the next index. */
  apply(e: Entry, fingerprint: number): void {
    this.appliedIndex = e.index;
    if (e.type === EntryType.Normal && e.data.length > 0) this.appCount++;
    this.hash = chainHash(this.hash, e.index, fingerprint);
  }

  encode(): Uint8Array {
    const f = new Float64Array([this.appliedIndex, this.appCount, this.hash]);
    return new Uint8Array(f.buffer);
  }

  /** The state a snapshot carries; an empty payload is the bootstrap snapshot (nothing applied). */
  static fromSnapshot(s: Snapshot): StateMachine {
    const sm = new StateMachine();
    if (s.data.length === 0) {
      assert(s.meta.index === 0, () => `snapshot at ${s.meta.index} has no state-machine data`);
      return sm;
    }
    assert(s.data.length === SNAPSHOT_FIELDS * 8, () => `snapshot data of ${s.data.length} bytes`);
    const f = new Float64Array(s.data.slice().buffer);
    sm.appliedIndex = f[0]!;
    sm.appCount = f[1]!;
    sm.hash = f[2]!;
    return sm;
  }
}
