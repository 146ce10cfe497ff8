import { RunnelError } from '../core/index.js';

/** Stored or received bytes that fail a checksum or do not parse: reported, never served. */
export function corrupt(what: string, details: Record<string, unknown> = {}): RunnelError {
  return new RunnelError('RUNNEL_ERR_CORRUPT', [what], details);
}

/** A producer's batch that breaks a rule of the format or a bound (definite: nothing was written). */
export function invalid(what: string): RunnelError {
  return new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [what]);
}
