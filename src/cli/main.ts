#!/usr/bin/env node
/**
 * `runnel`: the single entry point, with subcommands mirroring Kafka's tools (DESIGN.md, "Operator
 * surface"). Only `cli` builds concrete LevelDB / gRPC / pino objects.
 */
import { Command } from 'commander';

const program = new Command();
program
  .name('runnel')
  .description('Runnel: a ZooKeeper-free, Raft-based distributed event log')
  .version('0.1.0')
  .showHelpAfterError();

program
  .command('server-start')
  .description('start a Runnel node from a server.properties file')
  .argument('<config>', 'path to server.properties')
  .action((config: string) => {
    process.stderr.write(
      `runnel: cannot start a node from ${config} yet: the node process (storage, transport, gRPC API) ` +
        'is not built yet. This build ships the Raft core; try `npm test` or `npm run sim -- --seeds 1000`.\n',
    );
    process.exitCode = 1;
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`runnel: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
