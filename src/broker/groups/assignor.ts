/**
 * The server-side assignor (KIP-848's "uniform" assignor, sticky): spreads the partitions of the
 * subscribed topics evenly over the members — each gets ⌊n/m⌋ or ⌈n/m⌉ — keeping every partition
 * with its previous owner where that keeps the spread even, so a membership change moves as few
 * partitions as possible. Pure and deterministic (members and partitions in sorted order).
 *
 * Members with different subscriptions: a partition goes only to a member subscribed to its topic
 * (least loaded first); the spread is then even among the members eligible for it.
 */

export interface AssignorMember {
  readonly id: string;
  readonly topics: readonly string[];
}

/** "topic\0partition": a partition as the group code keys it. */
export type TpKey = string;

export function tpKey(topic: string, partition: number): TpKey {
  return `${topic}\u0000${partition}`;
}

export function splitTpKey(key: TpKey): { topic: string; partition: number } {
  const at = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/**
 * @param partitionsOf the partition count of a topic, undefined if it does not exist (its
 *   subscribers then get nothing from it).
 * @param previous each member's previous target.
 */
export function assignUniform(
  members: readonly AssignorMember[],
  partitionsOf: (topic: string) => number | undefined,
  previous: ReadonlyMap<string, ReadonlySet<TpKey>>,
): Map<string, Set<TpKey>> {
  const sorted = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const result = new Map<string, Set<TpKey>>(sorted.map((m) => [m.id, new Set<TpKey>()]));
  if (sorted.length === 0) return result;
  const subscribers = new Map<string, string[]>();
  for (const m of sorted) for (const t of new Set(m.topics)) subscribers.set(t, [...(subscribers.get(t) ?? []), m.id]);
  const partitions: { key: TpKey; eligible: readonly string[] }[] = [];
  for (const topic of [...subscribers.keys()].sort()) {
    const count = partitionsOf(topic) ?? 0;
    for (let p = 0; p < count; p++) partitions.push({ key: tpKey(topic, p), eligible: subscribers.get(topic)! });
  }
  const n = partitions.length;
  const m = sorted.length;
  const floor = Math.floor(n / m);
  let extras = n % m; // members that may hold floor + 1
  const unassigned: { key: TpKey; eligible: readonly string[] }[] = [];
  const load = (id: string) => result.get(id)!.size;
  const ownerOf = new Map<TpKey, string>();
  for (const [id, set] of previous) for (const key of set) ownerOf.set(key, id);
  // Sticky pass: a partition stays with its previous owner while that owner is under its share.
  for (const part of partitions) {
    const owner = ownerOf.get(part.key);
    const keep = owner !== undefined && result.has(owner) && part.eligible.includes(owner) && (load(owner) < floor || (load(owner) === floor && extras > 0));
    if (!keep) {
      unassigned.push(part);
      continue;
    }
    if (load(owner) === floor) extras--;
    result.get(owner)!.add(part.key);
  }
  // The rest to the least loaded eligible member (ties: the smaller id).
  for (const part of unassigned) {
    let best: string | undefined;
    for (const id of part.eligible) if (best === undefined || load(id) < load(best)) best = id;
    result.get(best!)!.add(part.key);
  }
  return result;
}
