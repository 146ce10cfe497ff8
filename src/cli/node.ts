/**
 * The wiring of one Runnel node (the only place that builds concrete LevelDB, gRPC and pino objects,
 * DESIGN.md): storage engine, peer transport, MultiRaft, broker, and the CLIENT gRPC server.
 * `server-start` runs it as a process; tests run several in one process.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { addClientServices, clientServerOptions, GrpcControllerClient } from '../api/index.js';
import { Broker, BROKER_DEFAULTS } from '../broker/index.js';
import { bindAddress, formatEndpoint, type NodeConfig } from '../config/index.js';
import type { Logger } from '../core/index.js';
import { MultiRaft } from '../multiraft/index.js';
import { nodeCredentials } from './node-tls.js';
import { LevelDbEngine } from '../storage/index.js';
import { GrpcTransport } from '../transport/index.js';

export interface StartNodeOptions {
  /** Defaults to pino on stdout (JSON lines) at runnel.log.level. */
  readonly logger?: Logger;
  /** Broker liveness timing (tests shorten it). */
  readonly heartbeatIntervalMs?: number;
  readonly sessionTimeoutMs?: number;
  /** How often retention runs (default 60 s). */
  readonly retentionCheckIntervalMs?: number;
}

export interface RunningNode {
  readonly config: NodeConfig;
  readonly broker: Broker;
  readonly multiRaft: MultiRaft;
  readonly logger: Logger;
  /** The bound CLIENT port. */
  readonly clientPort: number;
  /** Resolves when the node has stopped (graceful stop or fatal error). */
  readonly stopped: Promise<void>;
  /** Graceful stop: stop accepting, move leadership away, flush, close everything. Idempotent. */
  stop(): Promise<void>;
  /** Called when MultiRaft fails (a storage write failed): the process should exit non-zero. */
  onFatal(listener: (err: Error) => void): void;
}

/** How long a graceful stop waits for each step. */
export const STOP_TIMEOUTS_MS = { leave: 2_000, transferLeadership: 5_000, drainCalls: 2_000 } as const;

export const PID_FILE = 'runnel.pid';
const DB_DIR = 'db';

/** One id for the whole cluster: every node lists the same voters. */
export function clusterIdOf(config: NodeConfig): string {
  const voters = config.controllerQuorumVoters.map((v) => `${v.nodeId}@${formatEndpoint(v.endpoint)}`).join(',');
  return 'runnel-' + createHash('sha256').update(voters).digest('hex').slice(0, 16);
}

export function createLogger(config: NodeConfig): Logger {
  return pino({ level: config.logLevel }, pino.destination({ dest: 1, sync: true }));
}

function bindServer(server: grpc.Server, address: string, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port)));
  });
}

export async function startNode(config: NodeConfig, options: StartNodeOptions = {}): Promise<RunningNode> {
  const logger = options.logger ?? createLogger(config);
  mkdirSync(config.logDir, { recursive: true });
  const clusterId = clusterIdOf(config);
  const peers = config.controllerQuorumVoters.filter((v) => v.nodeId !== config.nodeId).map((v) => [v.nodeId, formatEndpoint(v.endpoint)] as const);
  // The peer listener first: a port in use fails start-up before any data is created or opened.
  const credentials = nodeCredentials(config);
  const transport = await GrpcTransport.start({
    nodeId: config.nodeId,
    clusterId,
    listenAddress: bindAddress(config.listeners.peer),
    peers,
    logger,
    serverCredentials: credentials.peerServer,
    channelCredentials: credentials.peerChannel,
  });
  let engine: LevelDbEngine;
  try {
    engine = await LevelDbEngine.open({ dir: join(config.logDir, DB_DIR), fsync: config.storageFsync, logger });
  } catch (err) {
    await transport.close();
    throw err;
  }
  const multiRaft = new MultiRaft({
    nodeId: config.nodeId,
    engine,
    transport,
    logger,
    tickMs: config.raftTickMs,
    raft: { electionTicks: config.raftElectionTicks, heartbeatTicks: config.raftHeartbeatTicks },
    pendingProposalsMax: BROKER_DEFAULTS.pendingProposalsMax,
  });
  const broker = new Broker({
    nodeId: config.nodeId,
    clusterId,
    clientAddress: formatEndpoint(config.advertisedListeners.client),
    peerAddress: formatEndpoint(config.advertisedListeners.peer),
    metadataVoters: config.controllerQuorumVoters.map((v) => v.nodeId),
    storage: engine,
    multiRaft,
    transport,
    controllerClient: new GrpcControllerClient(credentials.clientChannel),
    logger,
    numPartitions: config.numPartitions,
    defaultReplicationFactor: config.defaultReplicationFactor,
    offsetsTopicPartitions: config.offsetsTopicPartitions,
    offsetsTopicReplicationFactor: config.offsetsTopicReplicationFactor,
    autoCreateTopics: config.autoCreateTopicsEnable,
    requestMaxBytes: config.requestMaxBytes,
    retentionMs: config.logRetentionMs,
    retentionBytes: config.logRetentionBytes,
    pendingProposalsMax: BROKER_DEFAULTS.pendingProposalsMax,
    ...(options.heartbeatIntervalMs ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
    ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
    ...(options.retentionCheckIntervalMs ? { retentionCheckIntervalMs: options.retentionCheckIntervalMs } : {}),
  });
  const server = new grpc.Server(clientServerOptions(config.requestMaxBytes));
  let clientPort: number;
  try {
    await broker.start();
    addClientServices(server, broker);
    clientPort = await bindServer(server, bindAddress(config.listeners.client), credentials.clientServer);
  } catch (err) {
    server.forceShutdown();
    await broker.close();
    await multiRaft.close();
    await transport.close();
    await engine.close();
    throw err;
  }
  const pidFile = join(config.logDir, PID_FILE);
  writeFileSync(pidFile, `${process.pid}\n`);
  const protocols = config.securityProtocols;
  logger.info({ client: formatEndpoint(config.advertisedListeners.client), peer: transport.address, clusterId, dir: config.logDir, security: `CLIENT:${protocols.client},PEER:${protocols.peer}` }, 'runnel: node started');

  let stopping: Promise<void> | undefined;
  let markStopped!: () => void;
  const stopped = new Promise<void>((r) => (markStopped = r));
  const fatalListeners: Array<(err: Error) => void> = [];
  multiRaft.onFatal((err) => {
    for (const l of fatalListeners) l(err);
  });

  const stop = async (): Promise<void> => {
    logger.info('runnel: stopping (graceful)');
    const drained = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await broker.leave(STOP_TIMEOUTS_MS.leave);
    const drain = await multiRaft.transferAllLeadership(STOP_TIMEOUTS_MS.transferLeadership);
    logger.info({ moved: drain.moved, remaining: drain.remaining.length, unmovable: drain.unmovable.length }, 'runnel: leadership transferred');
    await Promise.race([drained, new Promise((r) => setTimeout(r, STOP_TIMEOUTS_MS.drainCalls))]);
    server.forceShutdown();
    await broker.close();
    await multiRaft.close();
    await transport.close();
    await engine.close();
    rmSync(pidFile, { force: true });
    logger.info('runnel: stopped');
    markStopped();
  };

  return {
    config,
    broker,
    multiRaft,
    logger,
    clientPort,
    stopped,
    stop: () => (stopping ??= stop()),
    onFatal: (l) => fatalListeners.push(l),
  };
}
