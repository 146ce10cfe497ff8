import { assert, type Index, type Offset, type Term } from '../../src/core/index.js';
import { describeBatch, type EntryLocation, type PartitionStore, type StoredBatch } from '../../src/log/index.js';

interface MemoryEntry extends EntryLocation {
  /** undefined for a control entry (a no-op); an encoded batch otherwise. */
  readonly data: Uint8Array | undefined;
}

/**
 * A faithful in-memory model of the PartitionStore contract for tests: entries contiguous by index,
 * end offsets from the batch headers (as describeEntry would give the LevelDB store), reads ordered by
 * offset honouring maxIndex and maxBytes. Its mutators mirror GroupStorage: append (replacing a
 * conflicting suffix), compact, restore from a snapshot.
 */
export class MemoryPartitionStore implements PartitionStore {
  private entries: MemoryEntry[] = [];
  /** Where the log continues after compaction or a restore: index, end offset and bytes so far. */
  private before = { index: 0, endOffset: 0, bytes: 0 };
  /** Lets a test damage what reads return. */
  onRead: (b: StoredBatch) => StoredBatch = (b) => b;

  append(index: Index, term: Term, data: Uint8Array | undefined): void {
    this.truncateFrom(index);
    const prev = this.entries.at(-1);
    assert(index === (prev?.index ?? this.before.index) + 1, `append ${index} leaves a gap`);
    const prevEnd = prev?.endOffset ?? this.before.endOffset;
    const bytesBefore = prev ? prev.bytesBefore + prev.bytes : this.before.bytes;
    const rec = data === undefined ? undefined : describeBatch(data);
    if (rec) assert(rec.baseOffset === prevEnd, `entry ${index} starts at ${rec.baseOffset}, log ends at ${prevEnd}`);
    this.entries.push({
      index,
      term,
      recordCount: rec?.recordCount ?? 0,
      endOffset: prevEnd + (rec?.recordCount ?? 0),
      appendTimeMs: rec?.appendTimeMs ?? 0,
      bytesBefore,
      bytes: data?.length ?? 0,
      data: data?.slice(), // a copy, like a write to disk
    });
  }

  /** Drop entries at and after `index` (a new leader overwrote them). */
  truncateFrom(index: Index): void {
    this.entries = this.entries.filter((e) => e.index < index);
  }

  /** Delete every entry at or before `index`. */
  compact(index: Index): void {
    const last = this.entries.filter((e) => e.index <= index).at(-1);
    if (last === undefined) return;
    this.before = { index: last.index, endOffset: last.endOffset, bytes: last.bytesBefore + last.bytes };
    this.entries = this.entries.filter((e) => e.index > index);
  }

  /** Replace the whole log with a snapshot at `index` whose log ends at `endOffset`. */
  restore(index: Index, endOffset: Offset): void {
    this.entries = [];
    this.before = { index, endOffset, bytes: 0 };
  }

  async readFromOffset(offset: Offset, maxBytes: number, maxIndex: Index): Promise<StoredBatch[]> {
    await Promise.resolve();
    const data = this.entries.filter((e) => e.data !== undefined && e.index <= maxIndex);
    const start = data.findIndex((e) => e.endOffset > offset);
    if (start < 0 || data[start]!.endOffset - data[start]!.recordCount > offset) return [];
    const out: StoredBatch[] = [];
    let bytes = 0;
    for (const e of data.slice(start)) {
      if (out.length > 0 && bytes + e.bytes > maxBytes) break;
      bytes += e.bytes;
      out.push(this.onRead({ ...e, data: e.data! }));
    }
    return out;
  }

  async findByTime(timeMs: number, maxIndex: Index): Promise<EntryLocation | undefined> {
    await Promise.resolve();
    return this.entries.find((e) => e.data !== undefined && e.index <= maxIndex && e.appendTimeMs >= timeMs);
  }

  first(): EntryLocation | undefined {
    return this.entries[0];
  }

  last(): EntryLocation | undefined {
    return this.entries.at(-1);
  }

  async locate(index: Index): Promise<EntryLocation | undefined> {
    await Promise.resolve();
    return this.entries.find((e) => e.index === index);
  }

  /** Every stored entry, for checks. */
  all(): readonly (EntryLocation & { readonly data: Uint8Array | undefined })[] {
    return this.entries;
  }

  get lastIndex(): Index {
    return this.entries.at(-1)?.index ?? this.before.index;
  }
}
