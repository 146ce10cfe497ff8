import type { Logger } from '../../src/core/index.js';

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly obj: Record<string, unknown>;
}

/** A Logger that records every line (with its child bindings) for assertions. */
export function captureLogger(lines: LogLine[] = [], bindings: Record<string, unknown> = {}): Logger & { lines: LogLine[] } {
  const fn =
    (level: LogLine['level']) =>
    (a: object | string, b?: string): void => {
      const obj = typeof a === 'string' ? {} : (a as Record<string, unknown>);
      lines.push({ level, msg: typeof a === 'string' ? a : (b ?? ''), obj: { ...bindings, ...obj } });
    };
  return {
    lines,
    debug: fn('debug'),
    info: fn('info'),
    warn: fn('warn'),
    error: fn('error'),
    child: (more) => captureLogger(lines, { ...bindings, ...more }),
  };
}

/** Poll `cond` every few ms until it holds; fail after timeoutMs naming what was awaited. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
