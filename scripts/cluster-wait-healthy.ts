/**
 * Waits until one node's grpc.health.v1 Check (service "") says SERVING, for scripts/cluster-up.sh.
 *
 *   npx tsx scripts/cluster-wait-healthy.ts --address 127.0.0.1:9192 --pid 1234 --timeout-ms 30000
 *
 * Exit status: 0 SERVING; 1 not SERVING before the deadline; 2 the process (--pid) exited first;
 * 64 bad arguments. Polls: never assumes how long a start takes.
 */
import * as grpc from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadGrpcObject } from '../src/api/index.js';

const pollIntervalMs = 200;
const callTimeoutMs = 1_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function check(address: string): Promise<string> {
  const { grpc: g } = loadGrpcObject();
  const client = new g.health.v1.Health(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.Check({ service: '' }, { deadline: new Date(Date.now() + callTimeoutMs) }, (err, res) => {
      client.close();
      resolve(err ? `unreachable (${err.details || err.message})` : String(res?.status));
    });
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { address: { type: 'string' }, pid: { type: 'string' }, 'timeout-ms': { type: 'string' } } });
  const address = values.address;
  const timeoutMs = Number(values['timeout-ms'] ?? 30_000);
  const pid = values.pid === undefined ? undefined : Number(values.pid);
  if (!address || !Number.isFinite(timeoutMs) || (pid !== undefined && !Number.isInteger(pid))) {
    process.stderr.write('usage: cluster-wait-healthy.ts --address HOST:PORT [--pid PID] [--timeout-ms MS]\n');
    return 64;
  }
  const deadline = Date.now() + timeoutMs;
  let last = 'not checked';
  for (;;) {
    if (pid !== undefined && !alive(pid)) {
      process.stderr.write(`${address}: process ${pid} exited (last health status: ${last})\n`);
      return 2;
    }
    last = await check(address);
    if (last === 'SERVING') return 0;
    if (Date.now() >= deadline) {
      process.stderr.write(`${address}: not SERVING after ${timeoutMs} ms (last health status: ${last})\n`);
      return 1;
    }
    await sleep(Math.min(pollIntervalMs, Math.max(0, deadline - Date.now())));
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`cluster-wait-healthy: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
