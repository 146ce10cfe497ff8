import { RunnelError } from '../core/index.js';

/** Bytes that do not decode to a metadata record or image: never applied, always reported. */
export function corrupt(what: string): RunnelError {
  return new RunnelError('RUNNEL_ERR_CORRUPT', [what]);
}
