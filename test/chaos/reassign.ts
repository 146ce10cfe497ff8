/**
 * Partition reassignment for the membership fault: AdminService.ReassignPartitions on the
 * controller (the metadata leader), retried with backoff against a deadline, and a wait (bounded)
 * until the metadata shows the target replica set with no move in progress.
 */
import * as grpc from '@grpc/grpc-js';
import { fromProtoError, fromServiceError, loadGrpcObject } from '../../src/api/index.js';
import type { ReassignPartitionsResponse__Output } from '../../src/api/generated/runnel/v1/ReassignPartitionsResponse.js';
import { Backoff, Deadline, pollUntil } from '../e2e/harness/deadline.js';
import { addressOf, type HostPort } from '../e2e/harness/health.js';
import type { TestClient } from '../e2e/harness/test-client.js';

const callTimeoutMs = 3_000;

function callReassign(address: HostPort, topic: string, partition: number, replicas: readonly number[], deadline: Deadline): Promise<ReassignPartitionsResponse__Output> {
  const { runnel } = loadGrpcObject();
  const client = new runnel.v1.AdminService(addressOf(address), grpc.credentials.createInsecure());
  const request = { topics: [{ name: topic, partitions: [{ partition, replicas: [...replicas], cancel: false }] }], timeoutMs: callTimeoutMs };
  return new Promise((resolve, reject) => {
    client.ReassignPartitions(request, { deadline: deadline.callDeadline(callTimeoutMs) }, (err, res) => {
      client.close();
      if (err) reject(fromServiceError(err));
      else if (!res) reject(new Error('empty response'));
      else resolve(res);
    });
  });
}

/** Starts moving `topic`/`partition` to `replicas`; resolves once the controller recorded it. */
export async function reassign(client: TestClient, topic: string, partition: number, replicas: readonly number[], deadline: Deadline): Promise<void> {
  const backoff = new Backoff(50, 500);
  let last = 'not tried';
  while (!deadline.expired()) {
    try {
      const md = await client.metadata([topic], deadline);
      const controller = client.knownNodes().get(md.controllerId);
      if (controller) {
        const res = await callReassign(controller, topic, partition, replicas, deadline);
        const err = res.topics[0]?.partitions[0]?.error;
        if (!err) return;
        last = fromProtoError(err).message;
      } else last = 'no controller';
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await backoff.wait(deadline);
  }
  throw deadline.fail(`reassign ${topic}/${partition} to ${replicas.join(',')}: ${last}`);
}

/** Waits until the partition's voters are exactly `replicas` (any order) and it has no learners. */
export async function waitReplicas(client: TestClient, topic: string, partition: number, replicas: readonly number[], timeoutMs: number): Promise<void> {
  const want = [...replicas].sort().join(',');
  let seen = '';
  await pollUntil({ timeoutMs, intervalMs: 200, what: `${topic}/${partition} on replicas ${want}` }, async () => {
    const md = await client.metadata([topic], Deadline.in(2_000, 'metadata'));
    const p = md.topics[0]?.partitions.find((x) => x.partition === partition);
    seen = p ? `replicas ${[...p.replicas].sort().join(',')}, learners ${p.learners.join(',')}, leader ${p.leaderId}` : 'absent';
    return p && [...p.replicas].sort().join(',') === want && p.learners.length === 0 && p.leaderId !== 0 ? true : undefined;
  }, () => seen);
}
