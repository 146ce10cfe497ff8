import { RunnelError } from '../core/index.js';

/**
 * Producer ids for InitProducerId without a metadata record per id (KIP-730 hands out blocks; here the
 * block is implied): a node's liveness epoch is the metadata log index of the record that last
 * registered or unfenced it, so no two nodes, and no two incarnations of one node, ever share one.
 * A node hands out `epoch * idsPerLivenessEpoch + n` for n = 0, 1, ... while that epoch lasts.
 */
export const idsPerLivenessEpoch = 2 ** 20;
/** Keeps every id a safe integer (and an int64 on the wire). */
const livenessEpochMax = Math.floor(Number.MAX_SAFE_INTEGER / idsPerLivenessEpoch) - 1;

export class ProducerIdAllocator {
  private epoch = 0;
  private next = 0;

  allocate(livenessEpoch: number): number {
    if (!Number.isSafeInteger(livenessEpoch) || livenessEpoch < 1 || livenessEpoch > livenessEpochMax) {
      throw new RunnelError('RUNNEL_ERR_INTERNAL', [`liveness epoch ${livenessEpoch} cannot make producer ids`]);
    }
    if (livenessEpoch !== this.epoch) {
      this.epoch = livenessEpoch;
      this.next = 0;
    }
    if (this.next >= idsPerLivenessEpoch) {
      throw new RunnelError('RUNNEL_ERR_PROPOSAL_DROPPED', [`this node handed out all ${idsPerLivenessEpoch} producer ids of its registration; ask another node`]);
    }
    return livenessEpoch * idsPerLivenessEpoch + this.next++;
  }
}
