/**
 * The final full read from every replica, offline: after every node has stopped gracefully, each
 * node's committed Raft logs are read from its data directory (test/e2e/harness/offline-logs.ts),
 * the run's partition groups are told apart by the values they hold, each is compared byte for byte
 * across its final replica set, and every replica's committed records become 'replica' events.
 */
import { decodeBatch } from '../../src/log/index.js';
import { EntryType } from '../../src/raft/index.js';
import { partitionOfValue } from '../e2e/harness/workload.js';
import { compareGroup, readNodeLogs, type StoredGroup } from '../e2e/harness/offline-logs.js';
import type { ReplicaEvent, ReplicaProblemEvent } from './history.js';

type NodeLogs = ReadonlyMap<number, ReadonlyMap<number, StoredGroup>>;

/** The values of a replica's data entries up to `commit`, with their offsets. */
function* committedRecords(g: StoredGroup, commit: number): Generator<{ offset: number; value: string }> {
  for (const e of g.entries) {
    if (e.index > commit) return;
    if (e.type !== EntryType.Normal || e.data.byteLength === 0) continue;
    const batch = decodeBatch(e.data);
    for (let i = 0; i < batch.recordCount; i++) yield { offset: batch.offset(i), value: Buffer.from(batch.value(i)).toString() };
  }
}

/** The run's partition a group holds, from its first committed value; undefined for other groups. */
function partitionOfGroup(logs: NodeLogs, groupId: number, run: string): number | undefined {
  for (const groups of logs.values()) {
    const g = groups.get(groupId);
    if (!g) continue;
    try {
      for (const r of committedRecords(g, g.commit)) return r.value.startsWith(`${run}|`) ? partitionOfValue(r.value) : undefined;
    } catch {
      return undefined; // not a partition log (e.g. a __consumer_offsets group)
    }
  }
  return undefined;
}

export async function readReplicas(dataDirs: ReadonlyMap<number, string>): Promise<Map<number, Map<number, StoredGroup>>> {
  const logs = new Map<number, Map<number, StoredGroup>>();
  for (const [nodeId, dir] of dataDirs) logs.set(nodeId, await readNodeLogs(dir));
  return logs;
}

/**
 * 'replica' events for every replica in `replicasOf(partition)` of every partition of the run, and
 * 'replica-problem' events for what compareGroup finds (a replica missing the group or a committed
 * entry, entries that differ).
 */
export function replicaEvents(logs: NodeLogs, run: string, replicasOf: (partition: number) => readonly number[]): (ReplicaEvent | ReplicaProblemEvent)[] {
  const out: (ReplicaEvent | ReplicaProblemEvent)[] = [];
  const groupIds = new Set<number>();
  for (const groups of logs.values()) for (const id of groups.keys()) if (id !== 0) groupIds.add(id);
  for (const groupId of [...groupIds].sort((a, b) => a - b)) {
    const partition = partitionOfGroup(logs, groupId, run);
    if (partition === undefined) continue;
    const replicas = new Map(replicasOf(partition).map((n) => [n, logs.get(n)?.get(groupId)]));
    const cmp = compareGroup(groupId, replicas);
    for (const detail of cmp.problems) out.push({ type: 'replica-problem', partition, detail });
    for (const [node, g] of replicas) {
      if (!g) continue;
      // Up to what this replica knows is committed: past that it may hold a stale suffix (see compareGroup).
      for (const r of committedRecords(g, Math.min(cmp.clusterCommit, g.commit))) out.push({ type: 'replica', node, partition, offset: r.offset, value: r.value });
    }
  }
  return out;
}
