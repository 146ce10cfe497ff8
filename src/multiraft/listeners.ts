import type { Logger } from '../core/index.js';

/** A small typed listener list (multiraft imports no node builtins, so no EventEmitter). */
export class Listeners<T> {
  private readonly fns = new Set<(value: T) => void>();

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  /** Returns a function that removes the listener. */
  add(fn: (value: T) => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }

  /** A listener that throws is logged and does not stop the others (nor the Ready pass). */
  emit(value: T): void {
    for (const fn of this.fns) {
      try {
        fn(value);
      } catch (err) {
        this.logger.error({ err }, `multiraft: ${this.what} listener threw`);
      }
    }
  }
}
