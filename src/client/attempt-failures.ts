/**
 * The failures of one operation that a client retries until its attempts or its time run out, and
 * the error it throws then. The last attempt of an operation usually ends at the operation's own
 * deadline (it gets only the time that is left), so its error, "the client deadline passed", says
 * nothing about why the earlier attempts failed: a TLS handshake refused, a connection refused, a
 * node's own answer. That cause is kept and reported with the timeout.
 */
import * as grpc from '@grpc/grpc-js';
import { RunnelError } from '../core/index.js';

/** A call the client itself gave up on at its deadline, with no answer or cause from a node. */
function clientDeadline(err: unknown): err is RunnelError {
  return err instanceof RunnelError && err.code === 'RUNNEL_ERR_TIMEOUT' && err.details['grpcStatus'] === grpc.status.DEADLINE_EXCEEDED;
}

export class AttemptFailures {
  private last: unknown;
  /** The latest failure that was not a bare client deadline. */
  private cause: unknown;

  note(err: unknown): void {
    this.last = err;
    if (!clientDeadline(err)) this.cause = err;
  }

  /** The error to throw when the operation ran out of attempts or time. */
  gaveUp(what: string): RunnelError {
    const last = this.last;
    if (clientDeadline(last) && this.cause !== undefined) {
      // Still RUNNEL_ERR_TIMEOUT, indefinite: the last attempt may have reached the node.
      return new RunnelError('RUNNEL_ERR_TIMEOUT', [`the client deadline passed; the attempt before failed with: ${messageOf(this.cause)}`], last.details);
    }
    if (last instanceof RunnelError) return last;
    return new RunnelError('RUNNEL_ERR_TIMEOUT', [`${what}: ${last === undefined ? 'no attempt succeeded' : messageOf(last)}`]);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
