import { z } from 'zod';
import { RunnelError, type Logger, type Term } from '../../core/index.js';
import type { StateMachine } from '../../multiraft/index.js';
import { EntryType, type Entry, type Snapshot } from '../../raft/index.js';
import { decodeGroupCommand, groupIdLengthMax, groupStateSchema, type GroupCommand, type GroupStateRecord } from './group-command.js';

/** A group's committed offset for one partition. */
export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
}

/** Groups one `__consumer_offsets` partition remembers at most; a commit for one more is refused. */
export const groupsPerPartitionMax = 10_000;
/** Partitions with offsets per group at most. */
export const offsetsPerGroupMax = 100_000;

const snapshotSchema = z.object({
  v: z.literal(1),
  states: z.array(z.object({ groupId: z.string().min(1).max(groupIdLengthMax), state: groupStateSchema })).default([]),
  groups: z.array(
    z.object({
      groupId: z.string().min(1).max(groupIdLengthMax),
      offsets: z.array(z.object({ topic: z.string(), partition: z.number().int().min(0), offset: z.number().int().min(0), metadata: z.string(), commitTimestampMs: z.number().int() })),
    }),
  ),
});

function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * The state machine of one `__consumer_offsets` partition's Raft group: every group's committed
 * offsets, applied from the log in order on every replica and compacted by Raft snapshots (so the
 * log never grows past the snapshot threshold: Kafka's "compacted by key", done by snapshotting the
 * state). In memory only (appliedIndex() = 0): MultiRaft restores the stored snapshot and re-delivers
 * the committed log after a restart.
 *
 * `readyTerm` is the term of the last leader no-op applied: a coordinator serves reads only once
 * its own no-op is applied, so it never answers from behind what its predecessor committed.
 */
export class OffsetsStateMachine implements StateMachine {
  private readonly groups = new Map<string, Map<string, CommittedOffset>>();
  /** Each group's membership as last persisted by its coordinator (absent: no members). */
  private readonly states = new Map<string, GroupStateRecord>();
  private readyTermValue: Term = 0;
  /** Commands refused on apply (bounds): the proposer reads the reason here after its commit. */
  private readonly refusals = new Map<number, RunnelError>();

  constructor(private readonly logger: Logger) {}

  get readyTerm(): Term {
    return this.readyTermValue;
  }

  appliedIndex(): number {
    return 0;
  }

  apply(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.type !== EntryType.Normal) continue;
      if (e.data.byteLength === 0) {
        this.readyTermValue = Math.max(this.readyTermValue, e.term);
        continue;
      }
      const refusal = this.applyCommand(decodeGroupCommand(e.data));
      if (refusal) this.rememberRefusal(e.index, refusal);
    }
  }

  /** The refusal of the command at `index`, if it was refused (and is recent). */
  refusalAt(index: number): RunnelError | undefined {
    return this.refusals.get(index);
  }

  private rememberRefusal(index: number, err: RunnelError): void {
    this.refusals.set(index, err);
    if (this.refusals.size > 1_000) this.refusals.delete(this.refusals.keys().next().value!);
  }

  private applyCommand(c: GroupCommand): RunnelError | undefined {
    if (c.type === 'delete-group') {
      this.groups.delete(c.groupId);
      this.states.delete(c.groupId);
      return undefined;
    }
    if (c.type === 'group-state') {
      if (c.state.members.length === 0) this.states.delete(c.groupId);
      else if (this.states.has(c.groupId) || this.states.size < groupsPerPartitionMax) this.states.set(c.groupId, c.state);
      else return new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`too many groups (${groupsPerPartitionMax}) in this offsets partition`]);
      return undefined;
    }
    let offsets = this.groups.get(c.groupId);
    if (offsets === undefined) {
      if (this.groups.size >= groupsPerPartitionMax) return new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`too many groups (${groupsPerPartitionMax}) in this offsets partition`]);
      offsets = new Map();
      this.groups.set(c.groupId, offsets);
    }
    const fresh = c.offsets.filter((o) => !offsets.has(tpKey(o.topic, o.partition))).length;
    if (offsets.size + fresh > offsetsPerGroupMax) return new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`group ${c.groupId} would have more than ${offsetsPerGroupMax} committed offsets`]);
    for (const o of c.offsets) offsets.set(tpKey(o.topic, o.partition), { ...o, commitTimestampMs: c.timestampMs });
    return undefined;
  }

  restore(snapshot: Snapshot): void {
    this.groups.clear();
    this.states.clear();
    if (snapshot.data.byteLength > 0) {
      const parsed = snapshotSchema.safeParse(JSON.parse(new TextDecoder().decode(snapshot.data)));
      if (!parsed.success) throw new RunnelError('RUNNEL_ERR_CORRUPT', [`offsets snapshot: ${parsed.error.issues[0]?.message ?? 'invalid'}`]);
      for (const g of parsed.data.groups) this.groups.set(g.groupId, new Map(g.offsets.map((o) => [tpKey(o.topic, o.partition), o])));
      for (const s of parsed.data.states) this.states.set(s.groupId, s.state);
    }
    this.logger.info({ index: snapshot.meta.index, groups: this.groups.size }, 'offsets: restored from a snapshot');
  }

  snapshot(): Uint8Array {
    const groups = [...this.groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([groupId, offsets]) => ({ groupId, offsets: [...offsets.values()] }));
    const states = [...this.states].sort(([a], [b]) => (a < b ? -1 : 1)).map(([groupId, state]) => ({ groupId, state }));
    return new TextEncoder().encode(JSON.stringify({ v: 1, groups, states }));
  }

  // ---- reads ----

  groupIds(): string[] {
    return [...new Set([...this.groups.keys(), ...this.states.keys()])];
  }

  /** The group's persisted membership, if it has members. */
  groupState(groupId: string): GroupStateRecord | undefined {
    return this.states.get(groupId);
  }

  hasGroup(groupId: string): boolean {
    return this.groups.has(groupId) || this.states.has(groupId);
  }

  /** The group's committed offset for a partition, if any. */
  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(groupId)?.get(tpKey(topic, partition));
  }

  /** Every committed offset of a group. */
  allCommitted(groupId: string): CommittedOffset[] {
    return [...(this.groups.get(groupId)?.values() ?? [])];
  }
}
