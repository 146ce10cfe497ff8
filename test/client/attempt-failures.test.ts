/**
 * The error a client throws when it runs out of attempts (src/client/attempt-failures.ts). The last
 * attempt of an operation gets only the time left, so it usually ends at the client's own deadline;
 * the cause of the earlier failures (a TLS handshake refused, a connection refused) must still reach
 * the user, and the error must stay indefinite. The last case drives a real AdminClient over real
 * sockets: one bootstrap port that refuses connections, one that accepts TCP and never speaks.
 */
import { createServer, type Server, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { fromServiceError } from '../../src/api/errors.js';
import { AttemptFailures } from '../../src/client/attempt-failures.js';
import { AdminClient } from '../../src/client/index.js';
import { RunnelError } from '../../src/core/index.js';

const clientDeadline = () => fromServiceError({ code: grpc.status.DEADLINE_EXCEEDED, details: 'Deadline exceeded after 1.000s' });
const tlsRefused = () =>
  fromServiceError({ code: grpc.status.UNAVAILABLE, details: 'No connection established. Last error: Error: unable to verify the first certificate' });

describe('AttemptFailures', () => {
  it('reports the cause of the earlier attempts with a timeout at the client deadline, still indefinite', () => {
    const f = new AttemptFailures();
    f.note(tlsRefused());
    f.note(clientDeadline());
    const err = f.gaveUp('ListTopics did not succeed');
    expect(err.code).toBe('RUNNEL_ERR_TIMEOUT');
    expect(err.definite).toBe(false);
    expect(err.message).toContain('the client deadline passed');
    expect(err.message).toContain('unable to verify the first certificate');
  });

  it('keeps the latest cause when several differ', () => {
    const f = new AttemptFailures();
    f.note(tlsRefused());
    f.note(new RunnelError('RUNNEL_ERR_NOT_LEADER', [2, 'the metadata log']));
    f.note(clientDeadline());
    expect(f.gaveUp('x').message).toContain('node 2 is not the leader');
  });

  it('throws a bare timeout as it is when every attempt timed out', () => {
    const f = new AttemptFailures();
    const last = clientDeadline();
    f.note(clientDeadline());
    f.note(last);
    expect(f.gaveUp('x')).toBe(last);
  });

  it("throws the last failure as it is when it is a node's answer", () => {
    const f = new AttemptFailures();
    const last = new RunnelError('RUNNEL_ERR_PROPOSAL_DROPPED', ['no controller is known yet']);
    f.note(clientDeadline());
    f.note(last);
    expect(f.gaveUp('x')).toBe(last);
  });

  it('wraps a failure that is not a RunnelError, and an operation with no attempt at all, as a timeout', () => {
    const f = new AttemptFailures();
    expect(f.gaveUp('Metadata').message).toBe('timed out (Metadata: no attempt succeeded); the write may or may not have happened');
    f.note(new Error('socket hang up'));
    const err = f.gaveUp('Metadata');
    expect(err.code).toBe('RUNNEL_ERR_TIMEOUT');
    expect(err.message).toContain('Metadata: socket hang up');
  });
});

describe('a client giving up over real sockets', () => {
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  /** A TCP port: `silent` accepts and never answers; otherwise it is closed again (refuses). */
  async function port(silent: boolean): Promise<number> {
    const server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const p = (server.address() as { port: number }).port;
    if (silent) servers.push(server);
    else await new Promise((r) => server.close(r));
    return p;
  }

  it('names the refused connection although its last attempt ended at the deadline', async () => {
    const refused = await port(false);
    const silent = await port(true);
    // Every round asks the refusing node (refused at once), then the silent one (until its deadline).
    const admin = new AdminClient({
      bootstrapServers: [`127.0.0.1:${refused}`, `127.0.0.1:${silent}`],
      requestTimeoutMs: 300,
      operationTimeoutMs: 1_000,
      retryBackoffMs: 10,
      retryBackoffMaxMs: 20,
    });
    try {
      const err = await admin.listTopics().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RunnelError);
      expect((err as RunnelError).code).toBe('RUNNEL_ERR_TIMEOUT');
      expect((err as RunnelError).message).toContain('the client deadline passed');
      expect((err as RunnelError).message).toMatch(/ECONNREFUSED|UNAVAILABLE/);
    } finally {
      admin.close();
    }
  });
});
