import { RunnelError, type GroupId, type Index } from '../core/index.js';

/**
 * Stored bytes failed verification (a CRC32C mismatch, a value that does not match its key, a hole
 * in the log, a log tail that would have to be cut below the committed index). The corrupt value is
 * never returned. Code RUNNEL_ERR_CORRUPT (gRPC DATA_LOSS).
 */
export class CorruptionError extends RunnelError {
  constructor(
    readonly groupId: GroupId,
    /** What was being read: 'entry', 'entry index', 'hard state', 'snapshot', ... */
    readonly what: string,
    /** The log index concerned, or -1 when the record is not an entry. */
    readonly index: Index,
    detail: string,
  ) {
    super('RUNNEL_ERR_CORRUPT', [`group ${groupId} ${what}${index >= 0 ? ` ${index}` : ''}: ${detail}`], {
      groupId,
      what,
      index,
    });
  }
}
