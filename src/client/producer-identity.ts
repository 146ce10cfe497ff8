/**
 * An idempotent producer's identities (Kafka's producer id; the epoch is always 0 here). One id from
 * InitProducerId (any node) is shared by every partition, until a partition reports a sequence gap
 * that no pending batch can fill (see Producer): that partition alone then takes a fresh id and
 * numbers its batches from 0 again; the other partitions keep theirs, so none of them is re-ordered
 * by the change.
 */
import type { InitProducerIdRequest } from '../api/generated/runnel/v1/InitProducerIdRequest.js';
import type { InitProducerIdResponse__Output } from '../api/generated/runnel/v1/InitProducerIdResponse.js';
import { unary } from './connection.js';
import type { MetadataCache } from './metadata-cache.js';

export class ProducerIdentity {
  private shared: Promise<number> | undefined;
  /** Partitions (by key) that replaced the shared id. */
  private readonly fresh = new Map<string, Promise<number>>();
  /** The id each partition last used, for `replace` to tell a stale report from a current one. */
  private readonly inUse = new Map<string, number>();

  constructor(private readonly metadata: MetadataCache) {}

  /** The producer id for a partition's next new batch (asking a node first if needed; rejects if none answers). */
  async producerIdFor(partitionKey: string): Promise<number> {
    const id = await (this.fresh.get(partitionKey) ?? this.sharedId());
    this.inUse.set(partitionKey, id);
    return id;
  }

  /** The partition's id `stale` hit a permanent sequence gap: it takes a fresh one (once per stale id). */
  replace(partitionKey: string, stale: number): void {
    if (this.inUse.get(partitionKey) !== stale) return;
    this.inUse.delete(partitionKey);
    const next = this.initProducerId();
    // On failure the partition tries again on its next gap report.
    next.catch(() => this.fresh.delete(partitionKey));
    this.fresh.set(partitionKey, next);
  }

  private sharedId(): Promise<number> {
    this.shared ??= this.initProducerId().catch((err: unknown) => {
      this.shared = undefined;
      throw err;
    });
    return this.shared;
  }

  private async initProducerId(): Promise<number> {
    const r = await this.metadata.askAnyNode('InitProducerId', (conn, timeoutMs) =>
      unary<InitProducerIdRequest, InitProducerIdResponse__Output>(conn.produce.InitProducerId.bind(conn.produce), {}, timeoutMs),
    );
    return r.producerId;
  }
}
