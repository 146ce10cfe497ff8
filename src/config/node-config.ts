import type { NodeId } from '../core/index.js';

/** A host and port. `host` is '' for "all interfaces" (listeners only); IPv6 hosts have no brackets. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** The two listeners every node has: CLIENT serves the gRPC API, PEER carries Raft traffic. */
export interface Listeners {
  readonly client: Endpoint;
  readonly peer: Endpoint;
}

/** One entry of `controller.quorum.voters`: a metadata-group voter and its PEER address. */
export interface Voter {
  readonly nodeId: NodeId;
  readonly endpoint: Endpoint;
}

/** `listener.security.protocol.map`: whether each listener speaks TLS. */
export interface SecurityProtocols {
  readonly client: 'PLAINTEXT' | 'SSL';
  readonly peer: 'PLAINTEXT' | 'SSL';
}

/** The PEM files of `ssl.*`, absolute; present when a listener is SSL. */
export interface SslFiles {
  readonly caPath: string;
  readonly certificatePath: string;
  readonly keyPath: string;
  /** `ssl.client.auth=required`: CLIENT-listener clients must present a certificate the CA signed. */
  readonly clientAuthRequired: boolean;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** A node's validated, deeply frozen configuration (see docs/CONFIG.md for every key). */
export interface NodeConfig {
  /** `node.id` */
  readonly nodeId: NodeId;
  /** `listeners`: where this node binds. */
  readonly listeners: Listeners;
  /** `advertised.listeners`: where others reach this node (defaults to `listeners`). */
  readonly advertisedListeners: Listeners;
  /** `log.dirs`: the one data directory, absolute. */
  readonly logDir: string;
  /** `controller.quorum.voters`, in the order written. */
  readonly controllerQuorumVoters: readonly Voter[];
  /** Whether this node's `node.id` is among `controller.quorum.voters`. */
  readonly isMetadataVoter: boolean;
  /** `num.partitions`: partitions of a topic created without a count. */
  readonly numPartitions: number;
  /** `default.replication.factor`: replicas of a topic created without a factor. */
  readonly defaultReplicationFactor: number;
  /** `offsets.topic.num.partitions`: partitions of `__consumer_offsets`. */
  readonly offsetsTopicPartitions: number;
  /** `offsets.topic.replication.factor`: its replication factor (capped at the live nodes). */
  readonly offsetsTopicReplicationFactor: number;
  /** Resolved from `log.retention.ms|minutes|hours` (Kafka's precedence); -1 = unlimited. */
  readonly logRetentionMs: number;
  /** `log.retention.bytes` per partition; -1 = unlimited. */
  readonly logRetentionBytes: number;
  /** `auto.create.topics.enable` */
  readonly autoCreateTopicsEnable: boolean;
  /** `runnel.raft.tick.ms` */
  readonly raftTickMs: number;
  /** `runnel.raft.election.ticks` (> heartbeat ticks) */
  readonly raftElectionTicks: number;
  /** `runnel.raft.heartbeat.ticks` */
  readonly raftHeartbeatTicks: number;
  /** `runnel.storage.fsync`; false is UNSAFE (acknowledged writes can be lost on power failure). */
  readonly storageFsync: boolean;
  /** `runnel.request.max.bytes`: the largest gRPC message accepted or sent on the CLIENT listener. */
  readonly requestMaxBytes: number;
  /** `runnel.log.level` (pino) */
  readonly logLevel: LogLevel;
  /** `listener.security.protocol.map` */
  readonly securityProtocols: SecurityProtocols;
  /** `ssl.*`: set when a listener is SSL. */
  readonly ssl: SslFiles | undefined;
  /** The config file this was loaded from, absolute. */
  readonly configPath: string;
}

/** `host:port` for dialling or display, with IPv6 hosts in brackets. */
export function formatEndpoint(e: Endpoint): string {
  return `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

/**
 * The address to bind a listener to. An empty host binds every IPv4 interface (`0.0.0.0`); write
 * `[::]` for every IPv6 (and, on most systems, IPv4) interface.
 */
export function bindAddress(e: Endpoint): string {
  return e.host === '' ? `0.0.0.0:${e.port}` : formatEndpoint(e);
}
