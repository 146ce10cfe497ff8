import type { Index } from '../core/index.js';

/** The requested index is older than the first index in storage (it was compacted into a snapshot). */
export class CompactedError extends Error {
  override readonly name = 'CompactedError';
  constructor(readonly index: Index) {
    super(`index ${index} is compacted`);
  }
}

/** The requested index is beyond the last index in storage. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  constructor(readonly index: Index) {
    super(`index ${index} is not yet available`);
  }
}

/**
 * Storage cannot serve this right now but will later (a snapshot being built, entries being loaded
 * from disk into the read cache). The leader simply tries again on a later heartbeat response.
 */
export class TemporarilyUnavailableError extends Error {
  override readonly name = 'TemporarilyUnavailableError';
}

export type ProposalDropReason =
  | 'not leader'
  | 'leadership transfer in progress'
  | 'leader is being removed'
  | 'uncommitted log too large'
  | 'a membership change is already pending'
  | 'leader has not committed an entry in its term yet'
  | 'invalid membership change';

/** A proposal was not appended; it surely did not happen, so retrying (elsewhere) is safe. */
export class ProposalDroppedError extends Error {
  override readonly name = 'ProposalDroppedError';
  constructor(readonly reason: ProposalDropReason, detail = '') {
    super(`proposal dropped: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}
