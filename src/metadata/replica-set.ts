import type { NodeId } from '../core/index.js';
import type { MetadataImage } from './metadata-image.js';
import { replicationFactorMax } from './metadata-limits.js';

/**
 * Why a replica list cannot be a partition's replica set in `image`, or undefined. Registered is
 * required (an image invariant); alive is not, because liveness may change between proposal and
 * apply and a fenced replica is still a member of its Raft group. Request validation additionally
 * requires live nodes (request-validation.ts).
 */
export function replicaSetProblem(image: MetadataImage, replicas: readonly NodeId[]): string | undefined {
  if (replicas.length === 0) return 'a replica set cannot be empty';
  if (replicas.length > replicationFactorMax) return `${replicas.length} replicas exceed ${replicationFactorMax}`;
  if (new Set(replicas).size !== replicas.length) return `replicas [${replicas.join(', ')}] repeat a node`;
  const unknown = replicas.find((n) => !image.nodes.has(n));
  return unknown === undefined ? undefined : `node ${unknown} is not registered`;
}

/** Why a topic's partition assignments are unacceptable, or undefined: each is a replica set of size `rf`. */
export function assignmentsProblem(
  image: MetadataImage,
  assignments: readonly (readonly NodeId[])[],
  rf: number,
): string | undefined {
  for (let p = 0; p < assignments.length; p++) {
    const replicas = assignments[p]!;
    if (replicas.length !== rf) return `partition ${p} has ${replicas.length} replicas, not the replication factor ${rf}`;
    const problem = replicaSetProblem(image, replicas);
    if (problem !== undefined) return `partition ${p}: ${problem}`;
  }
  return undefined;
}
