/**
 * Where a group's requests go: its coordinator, found with FindCoordinator on any node (known nodes,
 * then the bootstrap list) and cached until it answers NOT_COORDINATOR or cannot be reached. Every
 * call is retried with backoff — re-finding the coordinator — until its deadline: only calls that are
 * safe to repeat go through here (heartbeats, commits of the same offsets, reads).
 */
import { RunnelError } from '../core/index.js';
import type { Error__Output as ProtoError } from '../api/generated/runnel/v1/Error.js';
import type { FindCoordinatorRequest } from '../api/generated/runnel/v1/FindCoordinatorRequest.js';
import type { FindCoordinatorResponse__Output } from '../api/generated/runnel/v1/FindCoordinatorResponse.js';
import { Backoff, isRetriable, itemError, leaderHint, unary, type Conn, type Connections, type ResolvedClientOptions } from './connection.js';
import { AttemptFailures } from './attempt-failures.js';
import type { MetadataCache } from './metadata-cache.js';

/** A group's coordinator as FindCoordinator names it. */
export interface CoordinatorNode {
  readonly nodeId: number;
  /** `host:port` of its CLIENT listener. */
  readonly address: string;
}

/** Codes that mean "ask elsewhere, or again shortly". */
const routingCodes: ReadonlySet<string> = new Set(['RUNNEL_ERR_NOT_COORDINATOR', 'RUNNEL_ERR_COORDINATOR_NOT_AVAILABLE']);

/** Whether a failed call may be retried (on the coordinator found again): routing errors, retriable definite ones, lost calls. */
function retriable(err: unknown): boolean {
  return err instanceof RunnelError && (routingCodes.has(err.code) || isRetriable(err) || !err.definite);
}

export class GroupCoordinator {
  private current: CoordinatorNode | undefined;

  constructor(
    private readonly conns: Connections,
    private readonly metadata: MetadataCache,
    private readonly options: ResolvedClientOptions,
    readonly groupId: string,
  ) {}

  /** Forget the coordinator: the next call finds it again. */
  forget(): void {
    this.current = undefined;
  }

  /** The coordinator, asking any node until one names it or `deadlineMs` (a Date.now() value) passes. */
  async find(deadlineMs: number): Promise<CoordinatorNode> {
    if (this.current) return this.current;
    const backoff = new Backoff(this.options.retryBackoffMs, this.options.retryBackoffMaxMs);
    const failures = new AttemptFailures();
    for (let attempt = 0; attempt < this.options.attemptsMax && Date.now() < deadlineMs; attempt++) {
      for (const address of this.metadata.addresses()) {
        try {
          this.current = await this.findOn(this.conns.get(address), this.timeoutMs(deadlineMs));
          return this.current;
        } catch (err) {
          failures.note(err);
          if (!retriable(err)) throw err;
        }
        if (Date.now() >= deadlineMs) break;
      }
      await backoff.wait(deadlineMs);
    }
    throw failures.gaveUp(`no coordinator found for group ${this.groupId}`);
  }

  /**
   * `send` on the coordinator. An answer whose `routingError` is NOT_COORDINATOR or
   * COORDINATOR_NOT_AVAILABLE, and a failed call that may be retried, make it find the coordinator
   * again and retry with backoff until `deadlineMs`; another definite failure is thrown.
   */
  async call<Res>(
    what: string,
    deadlineMs: number,
    send: (conn: Conn, timeoutMs: number) => Promise<Res>,
    routingError: (res: Res) => ProtoError | null | undefined,
  ): Promise<Res> {
    const backoff = new Backoff(this.options.retryBackoffMs, this.options.retryBackoffMaxMs);
    const failures = new AttemptFailures();
    for (let attempt = 0; attempt < this.options.attemptsMax && Date.now() < deadlineMs; attempt++) {
      try {
        const coordinator = await this.find(deadlineMs);
        const res = await send(this.conns.get(coordinator.address), this.timeoutMs(deadlineMs));
        const err = itemError(routingError(res));
        if (err && routingCodes.has(err.code)) throw err;
        return res;
      } catch (err) {
        failures.note(err);
        if (!retriable(err)) throw err;
        this.reroute(err);
      }
      await backoff.wait(deadlineMs);
    }
    throw failures.gaveUp(`${what} for group ${this.groupId} did not succeed`);
  }

  /** One unary GroupService call (`method` of the coordinator's connection) through `call`; an answer's `error` is thrown. */
  async request<Req, Res extends { readonly error: ProtoError | null }>(
    what: string,
    deadlineMs: number,
    method: (conn: Conn) => Parameters<typeof unary<Req, Res>>[0],
    req: Req,
  ): Promise<Res> {
    const res = await this.call(what, deadlineMs, (conn, timeoutMs) => unary<Req, Res>(method(conn), req, timeoutMs), (r) => r.error);
    const err = itemError(res.error);
    if (err) throw err;
    return res;
  }

  private reroute(err: unknown): void {
    // A NOT_COORDINATOR that names the coordinator is followed at once; anything else finds it again.
    this.current = err instanceof RunnelError && err.code === 'RUNNEL_ERR_NOT_COORDINATOR' ? leaderHint(err) : undefined;
  }

  private async findOn(conn: Conn, timeoutMs: number): Promise<CoordinatorNode> {
    const res = await unary<FindCoordinatorRequest, FindCoordinatorResponse__Output>(
      conn.group.FindCoordinator.bind(conn.group),
      { groupId: this.groupId },
      timeoutMs,
    );
    const err = itemError(res.error);
    if (err) throw err;
    const c = res.coordinator;
    if (!c || c.nodeId === 0 || c.host === '') throw new RunnelError('RUNNEL_ERR_COORDINATOR_NOT_AVAILABLE', [this.groupId, 'no coordinator in the answer']);
    return { nodeId: c.nodeId, address: `${c.host}:${c.port}` };
  }

  private timeoutMs(deadlineMs: number): number {
    return Math.min(this.options.requestTimeoutMs, Math.max(1, deadlineMs - Date.now()));
  }
}
