/**
 * Where the AdminClient's calls go: changes to the controller (the metadata group's leader),
 * following NOT_LEADER hints; reads to the first node that answers. Both retry what is safe with
 * backoff, within `attemptsMax` and `operationTimeoutMs`.
 */
import { RunnelError } from '../core/index.js';
import { Backoff, isRetriable, type Conn, type Connections, type ResolvedClientOptions } from './connection.js';
import { AttemptFailures } from './attempt-failures.js';
import type { MetadataCache } from './metadata-cache.js';

type Op<T> = (conn: Conn, timeoutMs: number) => Promise<T>;

export class AdminRouting {
  constructor(
    private readonly conns: Connections,
    private readonly metadata: MetadataCache,
    private readonly options: ResolvedClientOptions,
  ) {}

  /**
   * A per-item change on the controller. `call` sends it; `results` maps the answer and is told
   * whether an earlier attempt failed with an unknown outcome (so an "already done" answer to the
   * retry can count as done). Indefinite failures are retried: every caller's change is idempotent
   * once `results` forgives its "already done" answer.
   */
  async changeItems<Res, R extends { error: RunnelError | null }>(
    what: string,
    call: Op<Res>,
    results: (res: Res, unknownOutcome: boolean) => R[] | Promise<R[]>,
  ): Promise<R[]> {
    let unknownOutcome = false;
    return this.onController(
      what,
      async (conn, timeoutMs) => {
        const res = await call(conn, timeoutMs).catch((err: unknown) => {
          if (err instanceof RunnelError && !err.definite) unknownOutcome = true;
          throw err;
        });
        const out = await results(res, unknownOutcome);
        throwIfAllNotLeader(out);
        return out;
      },
    );
  }

  /**
   * Runs `op` against the controller, following NOT_LEADER hints, retrying definite retriable
   * failures and indefinite ones (see changeItems).
   */
  private async onController<T>(what: string, op: Op<T>): Promise<T> {
    const deadline = Date.now() + this.options.operationTimeoutMs;
    const backoff = new Backoff(this.options.retryBackoffMs, this.options.retryBackoffMaxMs);
    const failures = new AttemptFailures();
    for (let attempt = 0; attempt < this.options.attemptsMax && Date.now() < deadline; attempt++) {
      try {
        if (this.metadata.controllerId === 0 || this.metadata.nodeAddress(this.metadata.controllerId) === undefined) await this.metadata.refresh([]);
        const address = this.metadata.nodeAddress(this.metadata.controllerId);
        if (address === undefined) throw new RunnelError('RUNNEL_ERR_PROPOSAL_DROPPED', ['no controller is known yet']);
        return await op(this.conns.get(address), Math.min(this.options.requestTimeoutMs, Math.max(1, deadline - Date.now())));
      } catch (err) {
        failures.note(err);
        if (!(err instanceof RunnelError)) throw err;
        if (err.code === 'RUNNEL_ERR_NOT_LEADER') {
          this.metadata.onControllerHint(err);
          if (this.metadata.controllerId !== 0) continue; // re-route at once
        } else if (err.definite && !isRetriable(err)) {
          throw err;
        }
        await backoff.wait(deadline);
      }
    }
    throw failures.gaveUp(`${what} did not succeed`);
  }

  /** Runs a read on the first node that answers (known nodes, then bootstrap), with retries. */
  async onAnyNode<T>(what: string, op: Op<T>): Promise<T> {
    const deadline = Date.now() + this.options.operationTimeoutMs;
    const backoff = new Backoff(this.options.retryBackoffMs, this.options.retryBackoffMaxMs);
    const failures = new AttemptFailures();
    for (let attempt = 0; attempt < this.options.attemptsMax && Date.now() < deadline; attempt++) {
      const addresses = [...new Set([...this.knownAddresses(), ...this.options.bootstrapServers])];
      for (const address of addresses) {
        try {
          return await op(this.conns.get(address), Math.min(this.options.requestTimeoutMs, Math.max(1, deadline - Date.now())));
        } catch (err) {
          failures.note(err);
          if (err instanceof RunnelError && err.definite && !isRetriable(err)) throw err;
        }
      }
      await backoff.wait(deadline);
    }
    throw failures.gaveUp(`${what} did not succeed`);
  }

  private knownAddresses(): string[] {
    const id = this.metadata.controllerId;
    const a = id === 0 ? undefined : this.metadata.nodeAddress(id);
    return a === undefined ? [] : [a];
  }
}

/** A non-controller answers every item with NOT_LEADER: treat it as a whole-call NOT_LEADER to re-route. */
function throwIfAllNotLeader(results: readonly { error: RunnelError | null }[]): void {
  const first = results[0]?.error;
  if (first?.code === 'RUNNEL_ERR_NOT_LEADER' && results.every((r) => r.error?.code === 'RUNNEL_ERR_NOT_LEADER')) throw first;
}
