import { type ErrorCode, RunnelError } from '../core/index.js';
import type { MetadataImage } from './metadata-image.js';

/**
 * What applying one committed record did. Every replica reaches the same outcome, so the proposer
 * can answer its client from its own apply: `applied` is success, `rejected` is the catalog error to
 * report (the record is in the log, but changed nothing), `ignored` is a harmless no-op (a stale
 * leader report, a fence that lost a race with a heartbeat) nobody needs to be told about.
 */
export type ApplyOutcome =
  | { readonly status: 'applied' }
  | { readonly status: 'ignored'; readonly reason: string }
  | { readonly status: 'rejected'; readonly code: ErrorCode; readonly args: readonly (string | number)[] };

export interface ApplyResult {
  readonly image: MetadataImage;
  readonly outcome: ApplyOutcome;
}

export function applied(image: MetadataImage): ApplyResult {
  return { image, outcome: { status: 'applied' } };
}

export function ignored(image: MetadataImage, reason: string): ApplyResult {
  return { image, outcome: { status: 'ignored', reason } };
}

export function rejected(image: MetadataImage, code: ErrorCode, ...args: (string | number)[]): ApplyResult {
  return { image, outcome: { status: 'rejected', code, args } };
}

/** The catalog error a proposer reports for a rejected record, undefined otherwise. */
export function outcomeError(outcome: ApplyOutcome): RunnelError | undefined {
  return outcome.status === 'rejected' ? new RunnelError(outcome.code, outcome.args) : undefined;
}
