/**
 * Reads the nodes' committed logs offline, after every node has stopped: opens each node's LevelDB
 * with src/storage (the same engine the node uses), opens every Raft group it holds and reads its
 * entries. Clients only ever read from leaders, so this is the only way to see what the followers
 * hold. Nothing is changed on purpose (opening a LevelDB rewrites its own manifest; a torn tail would
 * be cut, as a restart would).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GroupId } from '../../../src/core/index.js';
import { decodeBatch } from '../../../src/log/index.js';
import { EntryType, type Entry } from '../../../src/raft/index.js';
import { KeyKind, LevelDbEngine } from '../../../src/storage/index.js';
import type { ReadRecord } from './checker.js';

const readChunkBytesMax = 4 * 1024 * 1024;
const groupsPerNodeMax = 10_000;
const comparisonProblemsMax = 20;

export interface StoredGroup {
  readonly groupId: number;
  /** The first entry still stored (1 unless the log was compacted). */
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** The commit index in the group's persisted hard state. */
  readonly commit: number;
  /** Entries firstIndex..lastIndex. */
  readonly entries: readonly Entry[];
}

/** The LevelDB directory: log.dirs itself or a direct subdirectory (LevelDB keeps a CURRENT file). */
export function findLevelDbDir(dataDir: string): string {
  if (existsSync(join(dataDir, 'CURRENT'))) return dataDir;
  for (const d of readdirSync(dataDir, { withFileTypes: true })) {
    if (d.isDirectory() && existsSync(join(dataDir, d.name, 'CURRENT'))) return join(dataDir, d.name);
  }
  throw new Error(`no LevelDB (a CURRENT file) in ${dataDir} or its subdirectories`);
}

async function groupIds(engine: LevelDbEngine): Promise<GroupId[]> {
  const ids: GroupId[] = [];
  const range = { gte: Buffer.from([KeyKind.HardState]), lt: Buffer.from([KeyKind.HardState + 1]), limit: groupsPerNodeMax + 1 };
  for await (const key of engine.rawDb().keys(range)) ids.push(Buffer.from(key).readUInt32BE(1));
  if (ids.length > groupsPerNodeMax) throw new Error(`more than ${groupsPerNodeMax} groups in one node: raise groupsPerNodeMax`);
  return ids;
}

/** Every stored group of one node's data directory, with all its entries. */
export async function readNodeLogs(dataDir: string): Promise<Map<number, StoredGroup>> {
  const engine = await LevelDbEngine.open({ dir: findLevelDbDir(dataDir), fsync: true });
  try {
    const out = new Map<number, StoredGroup>();
    for (const groupId of await groupIds(engine)) {
      const store = await engine.openGroup(groupId);
      const firstIndex = store.firstIndex();
      const lastIndex = store.lastIndex();
      const entries: Entry[] = [];
      for (let lo = firstIndex; lo <= lastIndex; ) {
        const chunk = await store.readEntries(lo, lastIndex + 1, readChunkBytesMax);
        entries.push(...chunk);
        lo = chunk[chunk.length - 1]!.index + 1;
      }
      out.set(groupId, { groupId, firstIndex, lastIndex, commit: store.getHardState().commit, entries });
    }
    return out;
  } finally {
    await engine.close();
  }
}

export interface GroupComparison {
  readonly groupId: number;
  /** The highest commit index any replica persisted: the group's commit index. */
  readonly clusterCommit: number;
  /** Entries lo..hi were compared across every replica. */
  readonly lo: number;
  readonly hi: number;
  /** The records in committed data entries (partition groups), in log order. */
  readonly records: readonly ReadRecord[];
  readonly problems: readonly string[];
}

function sameEntry(a: Entry, b: Entry): boolean {
  return a.index === b.index && a.term === b.term && a.type === b.type && Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;
}

function describeEntry(e: Entry | undefined): string {
  return e ? `{index ${e.index}, term ${e.term}, type ${e.type}, ${e.data.byteLength} bytes}` : 'missing';
}

function entryAt(g: StoredGroup, index: number): Entry | undefined {
  return g.entries[index - g.firstIndex];
}

/** The records of the committed data entries of a partition group's log. */
function committedRecords(g: StoredGroup, commit: number): ReadRecord[] {
  const out: ReadRecord[] = [];
  for (const e of g.entries) {
    if (e.index > commit) break;
    if (e.type !== EntryType.Normal || e.data.byteLength === 0) continue;
    const batch = decodeBatch(e.data);
    for (let i = 0; i < batch.recordCount; i++) out.push({ offset: batch.offset(i), value: Buffer.from(batch.value(i)).toString() });
  }
  return out;
}

/**
 * One group across replicas: every replica must hold it; entries up to the group's commit index
 * that every replica stores, and knows to be committed, must be byte-identical (index, term, type,
 * payload); and for a partition group (id > 0) every replica must store every committed data entry.
 * Entries a replica stores past the commit index are not compared (an uncommitted suffix may legally
 * differ), nor are committed control entries that a replica missed because it stopped first (e.g.
 * the no-op of a leader elected after it left).
 */
export function compareGroup(groupId: number, replicas: ReadonlyMap<number, StoredGroup | undefined>): GroupComparison {
  const problems: string[] = [];
  const held = [...replicas].filter((r): r is [number, StoredGroup] => r[1] !== undefined);
  for (const [nodeId, g] of replicas) if (!g) problems.push(`group ${groupId}: node ${nodeId} does not hold it`);
  if (held.length === 0) return { groupId, clusterCommit: 0, lo: 0, hi: -1, records: [], problems };
  const [, leaderLike] = held.reduce((a, b) => (b[1].commit > a[1].commit ? b : a));
  const clusterCommit = leaderLike.commit;
  const lo = Math.max(...held.map(([, g]) => g.firstIndex));
  const hi = Math.min(clusterCommit, ...held.map(([, g]) => g.lastIndex));
  for (let i = lo; i <= hi && problems.length < comparisonProblemsMax; i++) {
    const ref = entryAt(leaderLike, i)!;
    for (const [nodeId, g] of held) {
      // Past its own commit index a replica may still hold a stale suffix it has not been told to
      // replace (it was cut off, then stopped before catching up): legal in Raft, not compared.
      if (i > g.commit) continue;
      const e = entryAt(g, i);
      if (!e || !sameEntry(ref, e)) problems.push(`group ${groupId} entry ${i}: node ${nodeId} has ${describeEntry(e)}, node with commit ${clusterCommit} has ${describeEntry(ref)}`);
    }
  }
  if (groupId !== 0) {
    const lastData = [...leaderLike.entries].reverse().find((e) => e.index <= clusterCommit && e.type === EntryType.Normal && e.data.byteLength > 0);
    for (const [nodeId, g] of held) {
      if (lastData && g.lastIndex < lastData.index) problems.push(`group ${groupId}: node ${nodeId} stores entries up to ${g.lastIndex}, committed data goes up to ${lastData.index}`);
    }
    if (lo > 1) problems.push(`group ${groupId}: a replica's log starts at ${lo} (compacted), so entries before it could not be compared`);
  }
  const records = groupId === 0 ? [] : committedRecords(leaderLike, clusterCommit);
  return { groupId, clusterCommit, lo, hi, records, problems };
}

/** compareGroup over every group any node holds. */
export function compareNodes(logs: ReadonlyMap<number, ReadonlyMap<number, StoredGroup>>): GroupComparison[] {
  const ids = new Set<number>();
  for (const groups of logs.values()) for (const id of groups.keys()) ids.add(id);
  return [...ids].sort((a, b) => a - b).map((id) => compareGroup(id, new Map([...logs].map(([nodeId, groups]) => [nodeId, groups.get(id)]))));
}
