#!/usr/bin/env node
/**
 * `runnel`: the single entry point, with subcommands mirroring Kafka's tools (DESIGN.md, "Operator
 * surface"). Only `cli` builds concrete LevelDB / gRPC / pino objects (node.ts).
 */
import './quiet-warnings.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { ConfigError, loadConfig, type NodeConfig } from '../config/index.js';
import { PID_FILE, startNode } from './node.js';
import { registerConsoleConsumer } from './commands/console-consumer.js';
import { registerConsoleProducer } from './commands/console-producer.js';
import { registerConsumerGroups } from './commands/consumer-groups.js';
import { registerDescribeCluster } from './commands/describe-cluster.js';
import { registerGetOffsets } from './commands/get-offsets.js';
import { registerConsumerPerfTest } from './commands/consumer-perf-test.js';
import { registerProducerPerfTest } from './commands/producer-perf-test.js';
import { registerTopics } from './commands/topics.js';

/** How long server-stop waits for the node to exit after SIGTERM. */
const STOP_WAIT_MS_MAX = 30_000;

function loadOrExit(path: string, overrides: readonly string[]): NodeConfig {
  try {
    return loadConfig(path, { overrides });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`runnel: invalid configuration:\n${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Errors reach the user as exactly one line. */
function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, '; ');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Set by server-start: the process lives on after the command's action returns. */
let serving = false;

async function serverStart(configPath: string, opts: { override: string[]; check?: boolean }): Promise<void> {
  const config = loadOrExit(configPath, opts.override);
  if (opts.check) {
    process.stdout.write(`runnel: ${configPath} is valid (node ${config.nodeId}, data in ${config.logDir})\n`);
    return;
  }
  serving = true;
  const node = await startNode(config);
  node.onFatal((err) => {
    node.logger.error({ err: err.message }, 'runnel: fatal error; exiting');
    process.exit(1);
  });
  let signalled = false;
  const onSignal = (signal: string): void => {
    if (signalled) {
      node.logger.warn({ signal }, 'runnel: second signal; exiting now');
      process.exit(1);
    }
    signalled = true;
    node.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        node.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'runnel: graceful stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

async function serverStop(opts: { config: string; override: string[] }): Promise<void> {
  const config = loadOrExit(opts.config, opts.override);
  const pidFile = join(config.logDir, PID_FILE);
  if (!existsSync(pidFile)) {
    process.stderr.write(`runnel: no node is running from ${config.logDir} (no ${PID_FILE})\n`);
    process.exitCode = 1;
    return;
  }
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    process.stderr.write(`runnel: process ${pid} from ${pidFile} is not running\n`);
    process.exitCode = 1;
    return;
  }
  const deadline = Date.now() + STOP_WAIT_MS_MAX;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      process.stdout.write(`runnel: node ${config.nodeId} (pid ${pid}) stopped\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(`runnel: node ${config.nodeId} (pid ${pid}) did not stop within ${STOP_WAIT_MS_MAX} ms\n`);
  process.exitCode = 1;
}

const program = new Command();
program
  .name('runnel')
  .description('Runnel: a ZooKeeper-free, Raft-based distributed event log')
  .version('0.1.0')
  // Usage errors (bad flag, missing argument): one line `runnel: <reason>`, exit 1. Subcommands
  // made with .command() inherit this.
  .configureOutput({ outputError: (str, write) => write(`runnel: ${oneLine(str.replace(/^error:\s*/, ''))}\n`) });

program
  .command('server-start')
  .description('start a Runnel node from a server.properties file')
  .argument('<config>', 'path to server.properties')
  .option('--override <key=value>', 'override a config key (repeatable)', collect, [])
  .option('--check', 'only validate the config (every key and value) and exit: 0 valid, 2 not')
  .action(serverStart);

program
  .command('server-stop')
  .description('stop the node started from a config file (SIGTERM through its pid file)')
  .option('--config <file>', 'path to server.properties', 'config/server.properties')
  .option('--override <key=value>', 'the overrides the node was started with (log.dirs, ...)', collect, [])
  .action(serverStop);

registerTopics(program);
registerConsoleProducer(program);
registerConsoleConsumer(program);
registerConsumerGroups(program);
registerGetOffsets(program);
registerDescribeCluster(program);
registerProducerPerfTest(program);
registerConsumerPerfTest(program);

/**
 * A client subcommand exits as soon as it is done: a connection still being attempted to a node that
 * cannot be reached (a host cut off drops the SYNs) would otherwise keep the process alive for the
 * kernel's connect timeout, long after the work is finished. server-start keeps running.
 */
function exitWhenDone(): void {
  if (serving) return;
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.stdout.write('', () => process.exit(code));
}

program.parseAsync(process.argv).then(exitWhenDone, (err: unknown) => {
  process.stderr.write(`runnel: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
  process.exit(1);
});
