/**
 * The chaos run's cluster of real node processes, built on test/e2e/harness: with network 'ports'
 * it is the harness's Cluster as is (every node on 127.0.0.1, no partitions possible); with
 * 'netns' every node runs in its own network namespace (netns.ts) at 10.77.0.N, started through a
 * tiny launcher script (`exec ip netns exec <ns> node ...`, which keeps the pid: signals reach the
 * node itself).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../e2e/harness/cluster.js';
import type { HostPort } from '../e2e/harness/health.js';
import { NodeProcess } from '../e2e/harness/node-process.js';
import type { NetnsNetwork } from './netns.js';
import { syncTrackingEnv } from './unsynced.js';

const clientPort = 9092;
const peerPort = 9093;
const syncLogName = 'synced.log';

/** With a sync-tracker library: every node logs its syncs to <workDir>/synced.log (unsynced.ts). */
function envFor(syncTracker: string | undefined): (nodeId: number, workDir: string) => Record<string, string> {
  return (_nodeId, workDir) => (syncTracker === undefined ? {} : syncTrackingEnv(syncTracker, join(workDir, syncLogName)));
}

export class ChaosCluster {
  private constructor(
    readonly root: string,
    readonly nodes: readonly NodeProcess[],
    /** Per node id: the launcher that starts it inside its namespace (netns mode only). */
    private readonly launchers: ReadonlyMap<number, string>,
    private readonly ownsRoot: boolean,
    private readonly harness: Cluster | undefined,
    private readonly syncTracked: boolean,
  ) {}

  /**
   * Every node on 127.0.0.1 with its own ports (the harness's Cluster), already starting. With
   * `syncTracker` (a built sync-tracker library) every node logs its syncs (syncLogOf).
   */
  static async onLoopback(size: number, config: Readonly<Record<string, string>>, syncTracker?: string): Promise<ChaosCluster> {
    const c = await Cluster.start({ size, hostMode: 'ports', config, env: envFor(syncTracker) });
    return new ChaosCluster(c.root, c.nodes, new Map(), false, c, syncTracker !== undefined);
  }

  /**
   * Every node in its own network namespace of `net` (already set up), started now. `nodeMain`
   * replaces dist/cli/main.js (e.g. a deliberately weakened build, to see the checker catch it).
   */
  static inNamespaces(net: NetnsNetwork, config: Readonly<Record<string, string>>, nodeMain?: string, syncTracker?: string): ChaosCluster {
    const root = mkdtempSync(join(tmpdir(), 'runnel-chaos-'));
    const voters = net.nodeIds.map((id) => `${id}@${net.addressOf(id)}:${peerPort}`).join(',');
    const launchers = new Map<number, string>();
    const nodes = net.nodeIds.map((nodeId) => {
      const host = net.addressOf(nodeId);
      const workDir = join(root, `node${nodeId}`);
      const spec = { nodeId, client: { host, port: clientPort }, peer: { host, port: peerPort }, dataDir: join(workDir, 'data'), workDir };
      const launcher = join(root, `launch-node${nodeId}.sh`);
      const main = nodeMain === undefined ? '' : `shift\nset -- "${nodeMain}" "$@"\n`;
      writeFileSync(launcher, `#!/bin/sh\n${main}exec ip netns exec ${net.nsName(nodeId)} "${process.execPath}" "$@"\n`);
      chmodSync(launcher, 0o755);
      launchers.set(nodeId, launcher);
      return new NodeProcess(spec, {
        'node.id': String(nodeId),
        'controller.quorum.voters': voters,
        listeners: `CLIENT://${host}:${clientPort},PEER://${host}:${peerPort}`,
        'log.dirs': spec.dataDir,
        'auto.create.topics.enable': 'false',
        ...config,
      }, envFor(syncTracker)(nodeId, workDir));
    });
    const cluster = new ChaosCluster(root, nodes, launchers, true, undefined, syncTracker !== undefined);
    for (const n of nodes) cluster.start(n.nodeId);
    return cluster;
  }

  node(nodeId: number): NodeProcess {
    const n = this.nodes.find((x) => x.nodeId === nodeId);
    if (!n) throw new Error(`no node ${nodeId} in this cluster`);
    return n;
  }

  /**
   * Starts a node (first start or restart). NodeProcess spawns `process.execPath`; in netns mode
   * that is swapped for the node's launcher for the duration of the (synchronous) spawn.
   */
  start(nodeId: number): void {
    const launcher = this.launchers.get(nodeId);
    const node = this.node(nodeId);
    if (launcher === undefined) return node.start();
    const real = process.execPath;
    process.execPath = launcher;
    try {
      node.start();
    } finally {
      process.execPath = real;
    }
  }

  /** Where the node logs its syncs, when the cluster runs with the sync tracker. */
  syncLogOf(nodeId: number): string | undefined {
    return this.syncTracked ? join(this.node(nodeId).spec.workDir, syncLogName) : undefined;
  }

  clientAddresses(): HostPort[] {
    return this.nodes.map((n) => n.spec.client);
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    await Promise.all(this.nodes.filter((n) => n.running).map((n) => n.waitHealthy(timeoutMs)));
  }

  async destroy(keep: boolean): Promise<void> {
    if (this.harness) return this.harness.destroy(keep);
    await Promise.allSettled(this.nodes.map((n) => n.kill()));
    if (!keep && this.ownsRoot) rmSync(this.root, { recursive: true, force: true });
  }
}
