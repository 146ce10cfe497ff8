/** ListOffsets for one partition on its leader, as the consumer's positions and listOffsets need it. */
import { RunnelError } from '../core/index.js';
import type { ListOffsetsRequest } from '../api/generated/runnel/v1/ListOffsetsRequest.js';
import type { ListOffsetsResponse__Output } from '../api/generated/runnel/v1/ListOffsetsResponse.js';
import type { OffsetSpec } from '../api/generated/runnel/v1/OffsetSpec.js';
import { itemError, unary, type Connections } from './connection.js';
import type { MetadataCache } from './metadata-cache.js';
import type { TopicPartition } from './record-accumulator.js';

/** The offset, or why to look the leader up again and retry (none known, NOT_LEADER, PROPOSAL_DROPPED, a lost call). */
export type LeaderOffset = { readonly offset: number } | { readonly retry: RunnelError | undefined };

/**
 * Asks `tp`'s leader (as `metadata` knows it) for the offset of `spec`. A NOT_LEADER answer updates
 * `metadata`; a definite failure that retrying cannot fix is thrown.
 */
export async function leaderOffset(
  conns: Connections,
  metadata: MetadataCache,
  requestTimeoutMs: number,
  tp: TopicPartition,
  spec: OffsetSpec,
  timestampMs: number,
): Promise<LeaderOffset> {
  const address = metadata.leaderAddress(tp.topic, tp.partition);
  if (address === undefined) return { retry: undefined };
  const conn = conns.get(address);
  try {
    const res = await unary<ListOffsetsRequest, ListOffsetsResponse__Output>(
      conn.fetch.ListOffsets.bind(conn.fetch),
      { topics: [{ topic: tp.topic, partitions: [{ partition: tp.partition, spec, timestampMs }] }] },
      requestTimeoutMs,
    );
    const p = res.topics[0]?.partitions[0];
    const err = itemError(p?.error);
    if (p && !err) return { offset: Number(p.offset) };
    if (err?.code === 'RUNNEL_ERR_NOT_LEADER') metadata.onNotLeader(tp.topic, tp.partition, err);
    else if (err && !(err.definite && err.code === 'RUNNEL_ERR_PROPOSAL_DROPPED')) throw err;
    return { retry: err ?? undefined };
  } catch (err) {
    if (!(err instanceof RunnelError) || (err.definite && err.code !== 'RUNNEL_ERR_NOT_LEADER' && err.code !== 'RUNNEL_ERR_PROPOSAL_DROPPED')) throw err;
    if (err.code === 'RUNNEL_ERR_NOT_LEADER') metadata.onNotLeader(tp.topic, tp.partition, err);
    return { retry: err };
  }
}
