/**
 * A 3-node NATS JetStream cluster of real `nats-server` processes on 127.0.0.1, the other half of
 * the Runnel-vs-JetStream benchmark: the same box, three servers, file storage on local disk.
 *
 * Each server gets its own config file in `dir` (server_name n1..n3, cluster `bench` with routes to
 * all three, JetStream store_dir `dir/nN`, no monitoring port) and its stdout/stderr in `dir/nN.log`.
 * Start resolves once the cluster can create an R3 stream (a meta leader is elected and all three
 * peers are known), not merely when the ports accept connections. Every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, StorageType, type NatsConnection } from 'nats';

export interface JetStreamClusterOptions {
  /** Config files, logs and the servers' store directories go here. */
  dir: string;
  /** Client ports are basePort..basePort+2, cluster (route) ports basePort+1000..basePort+1002. Default 14222. */
  basePort?: number;
  /** Progress lines (which server started, readiness); nothing is printed without it. */
  logger?: (line: string) => void;
}

export interface JetStreamCluster {
  /** Client URLs, e.g. nats://127.0.0.1:14222. */
  readonly servers: string[];
  /** SIGTERM to all, SIGKILL to any still running after 10 s. */
  stop(): Promise<void>;
}

interface ServerProcess {
  name: string;
  logFile: string;
  child: ChildProcess;
  exited: Promise<void>;
}

const NODE_COUNT = 3;
const ROUTE_PORT_OFFSET = 1000;
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const KILL_WAIT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 2_000;
const LOG_TAIL_LINES = 20;
const NATS_SERVER = process.env.NATS_SERVER_BIN ?? 'nats-server';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function serverConfig(index: number, dir: string, basePort: number): string {
  const routes = Array.from({ length: NODE_COUNT }, (_, j) => `    "nats-route://127.0.0.1:${basePort + ROUTE_PORT_OFFSET + j}"`);
  return [
    `server_name: n${index + 1}`,
    `listen: "127.0.0.1:${basePort + index}"`,
    `jetstream {`,
    `  store_dir: "${join(dir, `n${index + 1}`)}"`,
    `}`,
    `cluster {`,
    `  name: bench`,
    `  listen: "127.0.0.1:${basePort + ROUTE_PORT_OFFSET + index}"`,
    `  routes: [`,
    routes.join('\n'),
    `  ]`,
    `}`,
    '',
  ].join('\n');
}

function startServer(index: number, dir: string, basePort: number): ServerProcess {
  const name = `n${index + 1}`;
  mkdirSync(join(dir, name), { recursive: true });
  const configFile = join(dir, `${name}.conf`);
  writeFileSync(configFile, serverConfig(index, dir, basePort));
  const logFile = join(dir, `${name}.log`);
  const logFd = openSync(logFile, 'a');
  try {
    const child = spawn(NATS_SERVER, ['-c', configFile], { stdio: ['ignore', logFd, logFd] });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    return { name, logFile, child, exited };
  } finally {
    closeSync(logFd); // the child holds its own copy
  }
}

function logTail(server: ServerProcess): string {
  let text: string;
  try {
    text = readFileSync(server.logFile, 'utf8');
  } catch {
    text = '(no log)';
  }
  const lines = text.trimEnd().split('\n').slice(-LOG_TAIL_LINES);
  return `--- ${server.name} (${server.logFile}) ---\n${lines.join('\n')}`;
}

function hasExited(server: ServerProcess): boolean {
  return server.child.exitCode !== null || server.child.signalCode !== null;
}

async function stopServer(server: ServerProcess): Promise<void> {
  if (hasExited(server)) return;
  server.child.kill('SIGTERM');
  const graceful = await Promise.race([server.exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
  if (graceful) return;
  server.child.kill('SIGKILL');
  await Promise.race([server.exited, sleep(KILL_WAIT_MS)]);
}

/** Creates and deletes an R3 stream: succeeds only when the meta group has a leader and three peers. */
async function probeJetStream(nc: NatsConnection): Promise<void> {
  const jsm = await nc.jetstreamManager({ timeout: REQUEST_TIMEOUT_MS });
  await jsm.getAccountInfo();
  const name = `bench_ready_probe_${process.pid}`;
  await jsm.streams.add({ name, subjects: [`${name}.>`], num_replicas: NODE_COUNT, storage: StorageType.Memory });
  await jsm.streams.delete(name);
}

async function waitUntilReady(servers: string[], processes: ServerProcess[], logger: (line: string) => void): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (performance.now() < deadline) {
    const dead = processes.find(hasExited);
    if (dead) throw new Error(`nats-server ${dead.name} exited during startup (code ${dead.child.exitCode}, signal ${dead.child.signalCode})`);
    try {
      const nc = await connect({ servers, timeout: REQUEST_TIMEOUT_MS, reconnect: false });
      try {
        await probeJetStream(nc);
        return;
      } finally {
        await Promise.race([nc.close(), sleep(REQUEST_TIMEOUT_MS)]);
      }
    } catch (err) {
      lastError = err;
    }
    await sleep(250);
  }
  logger(`jetstream cluster not ready: ${String(lastError)}`);
  throw new Error(`JetStream cluster not ready after ${READY_TIMEOUT_MS} ms: ${String(lastError)}`);
}

export async function startJetStreamCluster(opts: JetStreamClusterOptions): Promise<JetStreamCluster> {
  const basePort = opts.basePort ?? 14222;
  const logger = opts.logger ?? (() => {});
  mkdirSync(opts.dir, { recursive: true });
  const processes = Array.from({ length: NODE_COUNT }, (_, i) => startServer(i, opts.dir, basePort));
  const servers = processes.map((_, i) => `nats://127.0.0.1:${basePort + i}`);
  const stop = async () => {
    await Promise.all(processes.map(stopServer));
  };
  logger(`started nats-server ${processes.map((p) => `${p.name} (pid ${p.child.pid})`).join(', ')} in ${opts.dir}`);
  const started = performance.now();
  try {
    await waitUntilReady(servers, processes, logger);
  } catch (err) {
    await stop();
    const tails = processes.map(logTail).join('\n');
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tails}`, { cause: err });
  }
  logger(`jetstream cluster ready in ${((performance.now() - started) / 1000).toFixed(1)} s: ${servers.join(',')}`);
  return { servers, stop };
}
