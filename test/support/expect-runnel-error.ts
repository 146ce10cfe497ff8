import { expect } from 'vitest';
import { RunnelError, type ErrorCode } from '../../src/core/index.js';

/** `fn` must throw a RunnelError with catalog code `code`. */
export function expectThrowsCode(fn: () => unknown, code: ErrorCode | string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RunnelError);
    expect((err as RunnelError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}
