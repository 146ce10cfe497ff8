/** Start real Runnel nodes in this process (real LevelDB in temp dirs, real gRPC on 127.0.0.x). */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { createLogger, startNode, type RunningNode } from '../../src/cli/node.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A port free on `host` right now (the OS picks it; the node binds it moments later). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface NodeSpec {
  readonly nodeId: number;
  readonly host: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dir: string;
}

/** A server.properties for `spec` in a cluster of `all`, with fast Raft timing for tests. */
export function configText(spec: NodeSpec, all: readonly NodeSpec[], extra: Record<string, string> = {}): string {
  const lines = {
    'node.id': String(spec.nodeId),
    'controller.quorum.voters': all.map((n) => `${n.nodeId}@${n.host}:${n.peerPort}`).join(','),
    listeners: `CLIENT://${spec.host}:${spec.clientPort},PEER://${spec.host}:${spec.peerPort}`,
    'log.dirs': spec.dir,
    'num.partitions': '1',
    'default.replication.factor': String(Math.min(all.length, 3)),
    'runnel.raft.tick.ms': '20',
    'runnel.raft.election.ticks': '10',
    'runnel.log.level': 'silent',
    ...extra,
  };
  return Object.entries(lines).map(([k, v]) => `${k}=${v}`).join('\n');
}

export async function nodeSpecs(hosts: readonly string[], root: string): Promise<NodeSpec[]> {
  const out: NodeSpec[] = [];
  for (const [i, host] of hosts.entries()) {
    out.push({ nodeId: i + 1, host, clientPort: await freePort(host), peerPort: await freePort(host), dir: join(root, `node${i + 1}`) });
  }
  return out;
}

export function start(spec: NodeSpec, all: readonly NodeSpec[], extra: Record<string, string> = {}): Promise<RunningNode> {
  const config = parseConfig(configText(spec, all, extra), join(spec.dir, 'server.properties'), { env: {} });
  // BROKER_TEST_LOG=debug npx vitest run test/broker: the nodes' JSON logs on stdout.
  const level = process.env['BROKER_TEST_LOG'];
  const logger = level ? createLogger({ ...config, logLevel: level as typeof config.logLevel }) : silentLogger;
  return startNode(config, { logger, heartbeatIntervalMs: 100, sessionTimeoutMs: 3_000, retentionCheckIntervalMs: 100 });
}
