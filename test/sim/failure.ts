/**
 * A failed run, ready to print: the property, the step, the seed's one-line reproduction command
 * and the tail of the trace.
 */
import { formatEvent, type Trace } from './trace.js';
import { Violation, type Property } from './violation.js';

export interface RunIdentity {
  readonly seed: number;
  readonly nodeCount: 3 | 5;
  readonly faultSteps: number;
}

/** Fault-phase steps when --steps is not given (the CLI and the repro command share it). */
export const DEFAULT_FAULT_STEPS = 15000;

export function reproCommand(id: RunIdentity): string {
  const steps = id.faultSteps === DEFAULT_FAULT_STEPS ? '' : ` --steps ${id.faultSteps}`;
  return `npm run sim -- --seed ${id.seed} --nodes ${id.nodeCount}${steps}`;
}

export class SimFailure extends Error {
  override readonly name = 'SimFailure';

  constructor(
    readonly property: Property,
    readonly detail: string,
    readonly id: RunIdentity,
    readonly step: number,
    readonly timeMs: number,
    readonly traceLines: readonly string[],
    /** The Violation or exception that stopped the run. */
    readonly source: unknown,
  ) {
    super(`${property} violated at step ${step} (t=${timeMs}ms), seed ${id.seed}, ${id.nodeCount} nodes: ${detail}\n` +
      `  reproduce: ${reproCommand(id)}`);
  }

  static from(e: unknown, id: RunIdentity, trace: Trace, timeMs: number): SimFailure {
    if (e instanceof SimFailure) return e;
    const events = trace.full() ?? trace.tail();
    const lines = events.map(formatEvent);
    if (e instanceof Violation) return new SimFailure(e.property, e.detail, id, trace.step, timeMs, lines, e);
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    return new SimFailure('core assertion or exception', detail, id, trace.step, timeMs, lines, e);
  }

  /** The full report: headline, reproduction command, then the trace (tail or whole). */
  report(): string {
    const heading = this.traceLines.length > 40 ? 'full trace' : `last ${this.traceLines.length} events`;
    return [
      `SIM FAILURE: ${this.property} violated at step ${this.step} (t=${this.timeMs}ms), seed ${this.id.seed}, ${this.id.nodeCount} nodes`,
      `  ${this.detail}`,
      `  reproduce: ${reproCommand(this.id)}`,
      `${heading}:`,
      ...this.traceLines.map((l) => `  ${l}`),
      `reproduce: ${reproCommand(this.id)}`,
    ].join('\n');
  }
}
