import {
  assert,
  RunnelError,
  silentLogger,
  type GroupId,
  type Index,
  type Logger,
  type NodeId,
  type Offset,
  type Term,
} from '../core/index.js';
import { producerOf, stampBatch, type BatchRecords } from './batch-header.js';
import { validateBatch } from './batch-validation.js';
import { checkFetched } from './fetched-batches.js';
import { corrupt, invalid } from './log-errors.js';
import { baseOffsetOf, type PartitionStore, type StoredBatch } from './partition-store.js';
import { decodePartitionSnapshot, encodePartitionSnapshot } from './partition-snapshot.js';
import { lastSequence, ProducerStates, type BatchProducer } from './producer-state.js';
import { timestampMsMax } from './record-limits.js';
import { retentionCut, type RetentionPolicy } from './retention.js';

/** A Raft index and the partition's end offset once that entry is applied. */
export interface LogPoint {
  readonly index: Index;
  readonly offset: Offset;
}

export type OffsetSpec =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  /** The first offset whose batch was appended at or after timestampMs (Kafka's LogAppendTime). */
  | { readonly kind: 'timestamp'; readonly timestampMs: number };

export interface FetchResult {
  /** CRC-checked encoded batches, contiguous; the first may start before the requested offset. */
  readonly batches: readonly Uint8Array[];
  /** Where the next fetch continues: the end of the last batch, or the requested offset if none. */
  readonly nextOffset: Offset;
  readonly highWatermark: Offset;
  readonly logStartOffset: Offset;
}

export interface AppendResult {
  readonly baseOffset: Offset;
  readonly lastOffset: Offset;
  readonly appendTimeMs: number;
  /**
   * The batch repeats one an idempotent producer already wrote (a retry): nothing was proposed, and
   * the offsets are the original's, which may not be committed yet (lastOffset >= highWatermark).
   */
  readonly duplicate: boolean;
}

/** What the host compacts after retention: `GroupStorage.compact(snapshot at compactIndex, compactIndex)`. */
export interface RetentionPlan {
  readonly compactIndex: Index;
  readonly compactTerm: Term;
  readonly logStartOffset: Offset;
  /** The partition snapshot data at compactIndex (encodePartitionSnapshot). */
  readonly snapshot: Uint8Array;
}

export interface PartitionLogOptions {
  readonly store: PartitionStore;
  readonly nodeId: NodeId;
  readonly groupId: GroupId;
  /** The group's last Raft snapshot, if it ever took or received one. */
  readonly snapshot?: { readonly index: Index; readonly data: Uint8Array };
  /**
   * HardState.commit. Every entry up to it is committed and stored, and the log's only state is where
   * it ends, so the log counts as applied up to it (the host starts Raft with applied = commitIndex).
   */
  readonly commitIndex: Index;
  readonly logger?: Logger;
  /** Idempotent producers remembered at most (the least recently written go first). Default 10,000. */
  readonly producersMax?: number;
  /**
   * Producer state is rebuilt on open from the batches appended in the last this-many ms before
   * `nowMs`, and forgotten by `expireProducers` after as long without a write. Default 15 minutes.
   */
  readonly producerWindowMs?: number;
  /** The clock when opening (for the window); unset: rebuild from the whole log. */
  readonly nowMs?: number;
}

export const PRODUCER_DEFAULTS = { producersMax: 10_000, producerWindowMs: 15 * 60_000 } as const;
/** Bytes read per step while rebuilding producer state on open. */
const rebuildReadBytes = 4 << 20;

interface Leadership {
  readonly term: Term;
  /** The log end offset: the next offset to assign, uncommitted appends included. */
  endOffset: Offset;
}

const origin: LogPoint = { index: 0, offset: 0 };

/**
 * One partition's state machine over its Raft group's log. The host drives it: `apply` for each
 * committed entry in order, `restoreSnapshot` when Raft installs one, `startLeading` / `stopLeading`
 * around leadership, `append` to propose a producer's batch, `planRetention` periodically.
 */
export class PartitionLog {
  // Invariants (checkInvariants): compacted.index <= hw.index; compacted.offset <= hw.offset;
  // leading: hw.offset <= leader.endOffset.
  /**
   * Entries at or below compacted.index are deleted, or about to be by the host's compaction; the
   * log start offset is compacted.offset (retention deletes whole batches only).
   */
  private compacted: LogPoint;
  /** The last applied entry: the high watermark is its end offset (DESIGN: HW = commit index). */
  private hw: LogPoint;
  /** The greatest appendTimeMs applied or stamped; stamps never go below it. */
  private lastAppendTimeMs: number;
  private leader: Leadership | undefined;
  private retentionRunning = false;
  /** Bumped by restoreSnapshot so an await that straddles it drops its result. */
  private generation = 0;
  private readonly producers: ProducerStates;
  private readonly producerWindowMs: number;
  private readonly store: PartitionStore;
  private readonly nodeId: NodeId;
  private readonly logger: Logger;
  private readonly name: string;

  private constructor(options: PartitionLogOptions, compacted: LogPoint, hw: LogPoint, lastAppendTimeMs: number) {
    this.store = options.store;
    this.nodeId = options.nodeId;
    this.compacted = compacted;
    this.hw = hw;
    this.lastAppendTimeMs = lastAppendTimeMs;
    this.name = `partition group ${options.groupId}`;
    this.logger = (options.logger ?? silentLogger).child({ groupId: options.groupId });
    this.producers = new ProducerStates(options.producersMax ?? PRODUCER_DEFAULTS.producersMax, this.name);
    this.producerWindowMs = options.producerWindowMs ?? PRODUCER_DEFAULTS.producerWindowMs;
    this.checkInvariants();
  }

  /** Rebuild the state from the snapshot and the stored log (after a restart, or for a new group). */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const compacted = snapshotPoint(options.snapshot);
    const hw = await appliedPoint(options.store, compacted, options.commitIndex);
    const lastAppendTimeMs = await lastAppendTime(options.store, compacted.offset, hw);
    const log = new PartitionLog(options, compacted, hw, lastAppendTimeMs);
    await log.rebuildProducers(options.nowMs);
    return log;
  }

  /** Replay the producer fields of the committed batches inside the window (one seek, then a scan). */
  private async rebuildProducers(nowMs: number | undefined): Promise<void> {
    const hw = this.hw;
    let offset = this.compacted.offset;
    if (nowMs !== undefined) {
      const loc = await this.store.findByTime(nowMs - this.producerWindowMs, hw.index);
      if (loc === undefined) return;
      offset = Math.max(offset, baseOffsetOf(loc));
    }
    let batches = 0;
    while (offset < hw.offset) {
      const stored = await this.store.readFromOffset(offset, rebuildReadBytes, hw.index);
      assert(stored.length > 0, () => `${this.name}: offset ${offset} below the high watermark is not stored`);
      for (const b of stored) {
        const producer = producerOf(b.data);
        if (producer !== undefined) this.rememberApplied(producer, baseOffsetOf(b), b.recordCount, b.appendTimeMs);
        batches++;
      }
      offset = stored[stored.length - 1]!.endOffset;
    }
    if (this.producers.size > 0) this.logger.info({ producers: this.producers.size, batches }, 'partition log: rebuilt idempotent producer state');
  }

  private rememberApplied(p: BatchProducer, baseOffset: Offset, recordCount: number, appendTimeMs: number): void {
    const lastOffset = baseOffset + recordCount - 1;
    this.producers.recordApplied(p, { firstSeq: p.baseSequence, lastSeq: lastSequence(p.baseSequence, recordCount), baseOffset, lastOffset, appendTimeMs });
  }

  get logStartOffset(): Offset {
    return this.compacted.offset;
  }

  get highWatermark(): Offset {
    return this.hw.offset;
  }

  get appliedIndex(): Index {
    return this.hw.index;
  }

  /** Leader: the next offset to assign. Follower: the end of what it stores, committed or not. */
  get logEndOffset(): Offset {
    return this.leader?.endOffset ?? Math.max(this.hw.offset, this.store.last()?.endOffset ?? 0);
  }

  get isLeading(): boolean {
    return this.leader !== undefined;
  }

  /**
   * Called by the host when it applies the first entry of its own term as leader (its no-op): every
   * earlier entry is then committed and applied, so the log ends at the high watermark. No data may
   * be proposed in this term before.
   */
  startLeading(term: Term): void {
    assert(Number.isInteger(term) && term > 0 && term <= 0x7fffffff, () => `leader term ${term} must fit in int32`);
    // Restarting leadership without stopLeading would rewind the end offset over uncommitted appends.
    assert(this.leader === undefined, () => `${this.name}: startLeading(${term}) while leading term ${this.leader?.term}`);
    this.leader = { term, endOffset: this.hw.offset };
    this.producers.clearStamped();
    this.logger.info({ term, endOffset: this.hw.offset }, 'partition log leading');
  }

  /** Called on losing leadership: uncommitted appends are now Raft's to keep or drop. */
  stopLeading(): void {
    this.leader = undefined;
    this.producers.clearStamped();
  }

  /**
   * Validate a producer's encoded batch, stamp its base offset (the log end offset), append time
   * (never below the last one, whatever the clock says) and leader epoch in place, and hand it to
   * `propose` (RawNode.propose). If propose throws, nothing changes. A batch with a producer id is
   * first checked against the producer's sequence (producer-state.ts): a retry of a batch already
   * written is not proposed again but answered with its offsets (`duplicate`).
   */
  append(data: Uint8Array, nowMs: number, propose: (data: Uint8Array) => void): AppendResult {
    const leader = this.leader;
    if (leader === undefined) throw new RunnelError('RUNNEL_ERR_NOT_LEADER', [this.nodeId, this.name]);
    assert(Number.isSafeInteger(nowMs) && nowMs >= 0 && nowMs <= timestampMsMax, () => `clock reads ${nowMs}`);
    const { recordCount, header } = validateBatch(data);
    const producer: BatchProducer | undefined = header.producerId >= 0 ? header : undefined;
    if (producer !== undefined) {
      const seen = this.producers.check(producer, recordCount);
      if (seen.kind === 'duplicate') {
        const b = seen.batch;
        return { baseOffset: b.baseOffset, lastOffset: b.lastOffset, appendTimeMs: b.appendTimeMs, duplicate: true };
      }
    }
    const baseOffset = leader.endOffset;
    const appendTimeMs = Math.max(nowMs, this.lastAppendTimeMs);
    stampBatch(data, { baseOffset, appendTimeMs, leaderEpoch: leader.term });
    propose(data);
    leader.endOffset = baseOffset + recordCount;
    this.lastAppendTimeMs = appendTimeMs;
    const lastOffset = baseOffset + recordCount - 1;
    if (producer !== undefined) {
      const firstSeq = producer.baseSequence;
      this.producers.recordStamped(producer, { firstSeq, lastSeq: lastSequence(firstSeq, recordCount), baseOffset, lastOffset, appendTimeMs });
    }
    return { baseOffset, lastOffset, appendTimeMs, duplicate: false };
  }

  /** Forget idempotent producers that wrote nothing within the window before `nowMs`. */
  expireProducers(nowMs: number): number {
    return this.producers.expire(nowMs - this.producerWindowMs);
  }

  /** Idempotent producers remembered (committed state). */
  get producerCount(): number {
    return this.producers.size;
  }

  /**
   * Apply committed entry `index`: `records` is describeBatch(entry.data) for a data entry and
   * undefined for a control entry (a no-op, a membership change); `producer` is producerOf(entry.data)
   * for a batch of an idempotent producer. Offsets are dense, so a data entry must start exactly at
   * the high watermark.
   */
  apply(index: Index, records: BatchRecords | undefined, producer?: BatchProducer): void {
    assert(index === this.hw.index + 1, () => `${this.name}: applying entry ${index} after ${this.hw.index}`);
    if (records === undefined) {
      this.hw = { index, offset: this.hw.offset };
      return;
    }
    assert(records.baseOffset === this.hw.offset, () => `${this.name}: entry ${index} starts at offset ${records.baseOffset}, high watermark ${this.hw.offset}`);
    assert(records.recordCount >= 1, () => `${this.name}: entry ${index} has ${records.recordCount} records`);
    this.hw = { index, offset: records.baseOffset + records.recordCount };
    this.lastAppendTimeMs = Math.max(this.lastAppendTimeMs, records.appendTimeMs);
    if (producer !== undefined) {
      this.rememberApplied(producer, records.baseOffset, records.recordCount, records.appendTimeMs);
      this.producers.dropStampedBelow(this.hw.offset);
    }
    this.checkInvariants();
  }

  /** Raft installed a snapshot from the leader: the log now continues after `index`. */
  restoreSnapshot(index: Index, data: Uint8Array): void {
    assert(this.leader === undefined, () => `${this.name}: a leader never receives a snapshot`);
    assert(index > this.hw.index, () => `${this.name}: snapshot ${index} is not ahead of applied ${this.hw.index}`);
    const snap = decodePartitionSnapshot(data);
    // The snapshot carries no records: the log can only start where the snapshot ends.
    assert(snap.logStartOffset === snap.endOffset, () => `${this.name}: snapshot log start ${snap.logStartOffset} != end ${snap.endOffset}`);
    assert(snap.endOffset >= this.hw.offset, () => `${this.name}: snapshot end offset ${snap.endOffset} behind ${this.hw.offset}`);
    this.compacted = { index, offset: snap.endOffset };
    this.hw = this.compacted;
    this.producers.clear();
    this.generation++;
    this.checkInvariants();
    this.logger.info({ index, endOffset: snap.endOffset }, 'partition log restored from snapshot');
  }

  /**
   * Committed batches from the one holding `offset`, within `maxBytes` (at least one batch when any
   * is available). `offset` == high watermark returns nothing (the caller may long-poll);
   * outside [logStartOffset, highWatermark] is RUNNEL_ERR_OFFSET_OUT_OF_RANGE.
   */
  async fetch(offset: Offset, maxBytes: number): Promise<FetchResult> {
    if (!Number.isSafeInteger(offset)) throw invalid(`fetch offset ${offset}`);
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw invalid(`fetch maxBytes ${maxBytes}`);
    const hw = this.hw;
    const logStartOffset = this.compacted.offset;
    this.checkInRange(offset, logStartOffset, hw.offset);
    if (offset === hw.offset) return { batches: [], nextOffset: offset, highWatermark: hw.offset, logStartOffset };
    const stored = await this.store.readFromOffset(offset, maxBytes, hw.index);
    if (stored.length === 0) {
      this.checkInRange(offset, this.compacted.offset, this.hw.offset); // retention may have moved past it meanwhile
      throw this.reportCorrupt(corrupt(`offset ${offset} below the high watermark ${hw.offset} is not in the store`));
    }
    const batches = this.checkedFetch(stored, offset, maxBytes, hw.index);
    const nextOffset = stored[batches.length - 1]!.endOffset;
    return { batches, nextOffset, highWatermark: hw.offset, logStartOffset };
  }

  /** Kafka's ListOffsets: earliest = log start offset, latest = high watermark, or by append time. */
  async listOffsets(spec: OffsetSpec): Promise<Offset> {
    switch (spec.kind) {
      case 'earliest':
        return this.compacted.offset;
      case 'latest':
        return this.hw.offset;
      case 'timestamp':
        return this.offsetForTime(spec.timestampMs);
    }
  }

  /**
   * Decide which whole batches at the head retention deletes (never past the high watermark), move
   * the log start offset there at once (so fetches stop before the host deletes), and return what the
   * host compacts. undefined when nothing is due, or another plan is still being made.
   */
  async planRetention(nowMs: number, policy: RetentionPolicy): Promise<RetentionPlan | undefined> {
    if (this.retentionRunning) return undefined;
    this.retentionRunning = true;
    try {
      return await this.makeRetentionPlan(nowMs, policy);
    } finally {
      this.retentionRunning = false;
    }
  }

  private async makeRetentionPlan(nowMs: number, policy: RetentionPolicy): Promise<RetentionPlan | undefined> {
    const generation = this.generation;
    const from = this.compacted.index;
    const cut = await retentionCut(this.store, from, this.hw.index, nowMs, policy);
    if (cut <= from) return undefined;
    const loc = await this.store.locate(cut);
    assert(loc !== undefined, () => `${this.name}: retention cut ${cut} is not stored`);
    if (generation !== this.generation) return undefined;
    this.compacted = { index: cut, offset: loc.endOffset };
    this.checkInvariants();
    this.logger.info({ compactIndex: cut, logStartOffset: loc.endOffset }, 'retention moved the log start offset');
    const snapshot = encodePartitionSnapshot({ logStartOffset: loc.endOffset, endOffset: loc.endOffset, producers: [] });
    return { compactIndex: cut, compactTerm: loc.term, logStartOffset: loc.endOffset, snapshot };
  }

  private async offsetForTime(timestampMs: number): Promise<Offset> {
    if (!Number.isSafeInteger(timestampMs)) throw invalid(`list offsets timestamp ${timestampMs}`);
    const hw = this.hw;
    const logStartOffset = this.compacted.offset;
    const loc = await this.store.findByTime(timestampMs, hw.index);
    // The store may still hold batches retention has given up: nothing before the log start counts.
    return loc === undefined ? hw.offset : Math.max(baseOffsetOf(loc), logStartOffset);
  }

  private checkedFetch(stored: readonly StoredBatch[], offset: Offset, maxBytes: number, maxIndex: Index): Uint8Array[] {
    try {
      return checkFetched(stored, offset, maxBytes, maxIndex);
    } catch (err) {
      if (!(err instanceof RunnelError)) throw err;
      this.checkInRange(offset, this.compacted.offset, this.hw.offset); // retention may have moved past it meanwhile
      throw this.reportCorrupt(err);
    }
  }

  private reportCorrupt(err: RunnelError): RunnelError {
    this.logger.error({ err, details: err.details }, 'corrupt partition data');
    return err;
  }

  private checkInRange(offset: Offset, logStartOffset: Offset, hwOffset: Offset): void {
    if (offset < logStartOffset || offset > hwOffset) {
      throw new RunnelError('RUNNEL_ERR_OFFSET_OUT_OF_RANGE', [offset, logStartOffset, hwOffset, this.name], {
        logStartOffset,
        highWatermark: hwOffset,
      });
    }
  }

  private checkInvariants(): void {
    assert(this.compacted.index <= this.hw.index, () => `${this.name}: compacted ${this.compacted.index} > applied ${this.hw.index}`);
    assert(this.compacted.offset <= this.hw.offset, () => `${this.name}: log start ${this.compacted.offset} > high watermark ${this.hw.offset}`);
    const end = this.leader?.endOffset ?? this.hw.offset;
    assert(this.hw.offset <= end, () => `${this.name}: high watermark ${this.hw.offset} > log end ${end}`);
  }
}

function snapshotPoint(snapshot: PartitionLogOptions['snapshot']): LogPoint {
  if (snapshot === undefined || snapshot.index === 0) return origin;
  const s = decodePartitionSnapshot(snapshot.data);
  assert(s.logStartOffset === s.endOffset, () => `snapshot log start ${s.logStartOffset} != end ${s.endOffset}`);
  return { index: snapshot.index, offset: s.endOffset };
}

async function appliedPoint(store: PartitionStore, compacted: LogPoint, commitIndex: Index): Promise<LogPoint> {
  if (commitIndex <= compacted.index) return compacted;
  const loc = await store.locate(commitIndex);
  assert(loc !== undefined, () => `committed entry ${commitIndex} is not stored`);
  return { index: commitIndex, offset: loc.endOffset };
}

/** The append time of the last committed batch: the batch holding hw - 1, one seek. */
async function lastAppendTime(store: PartitionStore, logStart: Offset, hw: LogPoint): Promise<number> {
  if (hw.offset <= logStart) return 0;
  const [last] = await store.readFromOffset(hw.offset - 1, 1, hw.index);
  assert(last !== undefined, () => `the batch holding offset ${hw.offset - 1} is not stored`);
  return last.appendTimeMs;
}
