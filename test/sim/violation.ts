/**
 * A broken property, thrown by the checkers the moment it is seen. The simulation adds the seed,
 * the step and the reproduction command (see failure.ts).
 */
export type Property =
  | 'election safety'
  | 'log matching'
  | 'leader completeness'
  | 'state machine safety'
  | 'committed entry changed'
  | 'commit durability'
  | 'commit index went backwards'
  | 'applied state hash'
  | 'liveness: leader after heal'
  | 'liveness: heal proposals committed and applied'
  | 'core assertion or exception';

export class Violation extends Error {
  override readonly name = 'Violation';
  constructor(
    readonly property: Property,
    readonly detail: string,
  ) {
    super(`${property} violated: ${detail}`);
  }
}

/** Throw a Violation about node `id`. */
export function fail(property: Property, id: number, detail: string): never {
  throw new Violation(property, `n${id}: ${detail}`);
}
