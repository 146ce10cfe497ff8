/** `runnel describe-cluster`: cluster id, controller and nodes (kafka-cluster.sh / kafka-metadata-quorum.sh style). */
import type { Command } from 'commander';
import { AdminClient } from '../../client/index.js';
import { clientCommand, cliClientOptions, bootstrapList, reaching, type TlsFlags } from './common.js';

async function describeCluster(opts: { bootstrapServer?: string } & TlsFlags): Promise<void> {
  const servers = bootstrapList(opts.bootstrapServer);
  await reaching(servers, async () => {
    const admin = new AdminClient({ bootstrapServers: servers, ...cliClientOptions(opts) });
    try {
      const c = await admin.describeCluster();
      const lines: string[] = [];
      if (c.clusterId !== '') lines.push(`Cluster ID: ${c.clusterId}`);
      lines.push(`Controller: ${c.controllerId === 0 ? 'none' : c.controllerId}`);
      for (const n of [...c.nodes].sort((a, b) => a.nodeId - b.nodeId)) lines.push(`${n.nodeId} ${n.host}:${n.port}`);
      process.stdout.write(lines.join('\n') + '\n');
    } finally {
      admin.close();
    }
  });
}

export function registerDescribeCluster(program: Command): void {
  clientCommand(program, 'describe-cluster', 'print the cluster id, the controller and each node')
    .action(describeCluster);
}
