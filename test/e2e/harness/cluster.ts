/**
 * A local cluster of real node processes in a temp directory: every node a metadata voter, ports
 * from a per-run random base on 127.0.0.1 (or, with hostMode 'loopback-hosts', node N on 127.0.0.N
 * with the same two ports on each host, like the 3-VM deploy; Linux routes all of 127/8 to lo).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostPort } from './health.js';
import { NodeProcess, type NodeSpec } from './node-process.js';
import { pickFreePorts } from './ports.js';

export type HostMode = 'ports' | 'loopback-hosts';

export interface ClusterOptions {
  readonly size: number;
  readonly hostMode: HostMode;
  /** Extra server.properties keys for every node (e.g. runnel.log.level). */
  readonly config?: Readonly<Record<string, string>>;
  /** Extra environment for a node's process, by node id. */
  readonly env?: (nodeId: number, workDir: string) => Readonly<Record<string, string>>;
}

function specs(root: string, size: number, hostMode: HostMode, ports: readonly number[]): NodeSpec[] {
  return Array.from({ length: size }, (_, i) => {
    const nodeId = i + 1;
    const host = hostMode === 'ports' ? '127.0.0.1' : `127.0.0.${nodeId}`;
    const base = hostMode === 'ports' ? 2 * i : 0;
    const workDir = join(root, `node${nodeId}`);
    return {
      nodeId,
      client: { host, port: ports[base]! },
      peer: { host, port: ports[base + 1]! },
      dataDir: join(workDir, 'data'),
      workDir,
    };
  });
}

function nodeConfig(spec: NodeSpec, voters: string, size: number, extra: Readonly<Record<string, string>>): Record<string, string> {
  return {
    'node.id': String(spec.nodeId),
    'controller.quorum.voters': voters,
    listeners: `CLIENT://${spec.client.host}:${spec.client.port},PEER://${spec.peer.host}:${spec.peer.port}`,
    'log.dirs': spec.dataDir,
    'num.partitions': String(size),
    'default.replication.factor': String(size),
    'auto.create.topics.enable': 'false',
    ...extra,
  };
}

export class Cluster {
  private constructor(
    readonly root: string,
    readonly nodes: readonly NodeProcess[],
  ) {}

  /** Writes the configs and starts every node (without waiting for health: see waitHealthy). */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const hosts = options.hostMode === 'ports' ? ['127.0.0.1'] : Array.from({ length: options.size }, (_, i) => `127.0.0.${i + 1}`);
    const ports = await pickFreePorts(hosts, options.hostMode === 'ports' ? 2 * options.size : 2);
    const root = mkdtempSync(join(tmpdir(), 'runnel-e2e-'));
    const all = specs(root, options.size, options.hostMode, ports);
    const voters = all.map((s) => `${s.nodeId}@${s.peer.host}:${s.peer.port}`).join(',');
    const nodes = all.map((s) => new NodeProcess(s, nodeConfig(s, voters, options.size, options.config ?? {}), options.env?.(s.nodeId, s.workDir)));
    const cluster = new Cluster(root, nodes);
    for (const n of nodes) n.start();
    return cluster;
  }

  node(nodeId: number): NodeProcess {
    const n = this.nodes.find((x) => x.nodeId === nodeId);
    if (!n) throw new Error(`no node ${nodeId} in this cluster`);
    return n;
  }

  /** CLIENT addresses of every node (running or not). */
  clientAddresses(): HostPort[] {
    return this.nodes.map((n) => n.spec.client);
  }

  /** Waits until every running node says SERVING, all against one deadline. */
  async waitHealthy(timeoutMs: number): Promise<void> {
    await Promise.all(this.nodes.filter((n) => n.running).map((n) => n.waitHealthy(timeoutMs)));
  }

  /** Graceful stop of every node, one after another (each leaves while a majority remains). */
  async stopAll(): Promise<void> {
    for (const n of this.nodes) await n.stop();
  }

  /** SIGKILL whatever still runs, and remove the temp directory unless asked to keep it. */
  async destroy(keep: boolean): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.kill()));
    if (!keep) rmSync(this.root, { recursive: true, force: true });
  }

  /** Every node's log tail, for a failure message. */
  logTails(): string {
    return this.nodes.map((n) => n.logTail()).join('\n');
  }
}
