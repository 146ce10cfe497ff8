/**
 * Every key a `server.properties` may hold: its type, default and documentation. docs/CONFIG.md is
 * generated from this table (scripts/gen-config-doc.ts), so the doc and the parser cannot disagree.
 */
import * as v from './values.js';

export interface KeySpec {
  readonly key: string;
  /** The type as the docs show it. */
  readonly type: string;
  /** The raw default, parsed by the same schema as a written value; undefined when required or derived. */
  readonly default?: string;
  /** Set for keys without a default that start-up requires. */
  readonly required?: true;
  /** For a default that depends on other keys (shown in the docs instead of a value). */
  readonly derivedDefault?: string;
  readonly doc: string;
  /** Kafka's key of the same name means the same thing. */
  readonly kafka: boolean;
  readonly schema: v.ValueSchema<unknown>;
}

const mib = 1_048_576;

export const keySpecs: readonly KeySpec[] = [
  {
    key: 'node.id',
    type: 'int >= 1',
    required: true,
    kafka: true,
    doc: 'This node\'s id, unique in the cluster and never reused for a different node. A voter\'s id must match its entry in controller.quorum.voters.',
    schema: v.int(1),
  },
  {
    key: 'listeners',
    type: 'listeners',
    required: true,
    kafka: true,
    doc: 'Where this node binds, as NAME://host:port pairs separated by commas. Runnel has exactly two listener names: CLIENT serves the public gRPC API (produce, fetch, metadata, admin, health) and PEER carries Raft traffic between nodes. An empty host binds every IPv4 interface (0.0.0.0); IPv6 hosts go in brackets ([::1]). Example: CLIENT://127.0.0.1:9092,PEER://127.0.0.1:9093.',
    schema: v.listeners,
  },
  {
    key: 'advertised.listeners',
    type: 'listeners',
    derivedDefault: 'listeners',
    kafka: true,
    doc: 'Where clients and other nodes reach this node, in the same form as listeners; metadata responses carry the CLIENT address, peers dial the PEER address. Must be set when a listener binds every interface (empty host, 0.0.0.0 or [::]), since that is not an address anyone can dial. A voter\'s advertised PEER address must equal its entry in controller.quorum.voters.',
    schema: v.listeners,
  },
  {
    key: 'log.dirs',
    type: 'directory',
    required: true,
    kafka: true,
    doc: 'The directory holding this node\'s data: one LevelDB with every Raft group\'s log, hard state and snapshots. One directory, not Kafka\'s comma-separated list. A relative path in the config file resolves against the file\'s directory; in an environment variable or --override, against the working directory.',
    schema: v.directory,
  },
  {
    key: 'controller.quorum.voters',
    type: 'voters',
    required: true,
    kafka: true,
    doc: 'The voters of the metadata group (the cluster image: nodes, topics, replica sets, configs) as id@host:port entries separated by commas, where host:port is each voter\'s PEER address. Every node of a cluster must list the same voters. A node whose node.id is not listed is not a metadata voter. Example: 1@10.0.0.1:9093,2@10.0.0.2:9093,3@10.0.0.3:9093.',
    schema: v.voters,
  },
  {
    key: 'num.partitions',
    type: 'int >= 1',
    default: '1',
    kafka: true,
    doc: 'Partitions of a topic created without a partition count (auto-created, or CreateTopics with partitions unset).',
    schema: v.int(1),
  },
  {
    key: 'default.replication.factor',
    type: 'int >= 1',
    default: '1',
    kafka: true,
    doc: 'Replicas of a topic created without a replication factor. 1 suits the single-node default; use 3 on a 3-node cluster. Each partition is its own Raft group over its replicas, so RF 3 survives one node down.',
    schema: v.int(1),
  },
  {
    key: 'offsets.topic.num.partitions',
    type: 'int 1..1000',
    default: '5',
    kafka: true,
    doc: 'Partitions of the internal __consumer_offsets topic, created when a consumer group is first used; a group lives in the partition its id hashes to (as in Kafka), whose leader is the group\'s coordinator. Each is a Raft group. Kafka\'s default is 50; Runnel\'s 5 spreads coordinators over a small cluster without 50 Raft groups. Changing it after the topic exists has no effect.',
    schema: v.int(1, 1000),
  },
  {
    key: 'offsets.topic.replication.factor',
    type: 'int >= 1',
    default: '3',
    kafka: true,
    doc: 'Replicas of each __consumer_offsets partition (capped at the live nodes when the topic is created), so committed offsets survive the loss of a minority of them.',
    schema: v.int(1),
  },
  {
    key: 'log.retention.ms',
    type: 'long >= -1',
    derivedDefault: 'log.retention.minutes',
    kafka: true,
    doc: 'How long a partition keeps a record batch after it was appended, in ms; -1 keeps it forever. Takes precedence over log.retention.minutes and log.retention.hours (as in Kafka).',
    schema: v.long(-1),
  },
  {
    key: 'log.retention.minutes',
    type: 'int >= -1',
    derivedDefault: 'log.retention.hours',
    kafka: true,
    doc: 'Retention in minutes, used when log.retention.ms is not set; -1 keeps batches forever.',
    schema: v.int(-1),
  },
  {
    key: 'log.retention.hours',
    type: 'int >= -1',
    default: '168',
    kafka: true,
    doc: 'Retention in hours, used when neither log.retention.ms nor log.retention.minutes is set; -1 keeps batches forever. 168 hours is 7 days, Kafka\'s default.',
    schema: v.int(-1),
  },
  {
    key: 'log.retention.bytes',
    type: 'long >= -1',
    default: '-1',
    kafka: true,
    doc: 'The most bytes a partition keeps; the oldest batches go first. -1 = no size limit. Retention only removes committed batches.',
    schema: v.long(-1),
  },
  {
    key: 'auto.create.topics.enable',
    type: 'boolean',
    default: 'false',
    kafka: true,
    doc: 'Whether producing to or fetching from an unknown topic creates it (with num.partitions and default.replication.factor). Off by default, unlike Kafka: a typo in a topic name should be an UNKNOWN_TOPIC error, not a new topic that silently takes the writes.',
    schema: v.bool,
  },
  {
    key: 'runnel.raft.tick.ms',
    type: 'int >= 1',
    default: '100',
    kafka: false,
    doc: 'The Raft clock: every group ticks once per this many ms. Election and heartbeat timeouts are counted in ticks.',
    schema: v.int(1),
  },
  {
    key: 'runnel.raft.election.ticks',
    type: 'int >= 2',
    default: '10',
    kafka: false,
    doc: 'Ticks without hearing from a leader before a follower starts an election (randomised in [n, 2n) ticks). Must be greater than runnel.raft.heartbeat.ticks. With the defaults a failed leader is replaced after 1 to 2 s.',
    schema: v.int(2),
  },
  {
    key: 'runnel.raft.heartbeat.ticks',
    type: 'int >= 1',
    default: '1',
    kafka: false,
    doc: 'Ticks between a leader\'s heartbeats. Heartbeats are sent per peer node, not per group.',
    schema: v.int(1),
  },
  {
    key: 'runnel.storage.fsync',
    type: 'boolean',
    default: 'true',
    kafka: false,
    doc: 'Whether writes are fsynced before they count (before a vote, an acknowledgement or a commit). false is UNSAFE: a power failure or kernel crash can lose acknowledged records and break Raft\'s guarantees (a node may forget a vote). Only for throwaway benchmarks.',
    schema: v.bool,
  },
  {
    key: 'runnel.request.max.bytes',
    type: `int in 65536..${v.intMax}`,
    default: String(8 * mib),
    kafka: false,
    doc: 'The largest gRPC message the CLIENT listener accepts or sends, in bytes (8 MiB). A larger request fails with RESOURCE_EXHAUSTED. Plays the part of Kafka\'s socket.request.max.bytes. One record batch is further bounded by the log\'s batch limit (1 MiB).',
    schema: v.int(65_536),
  },
  {
    key: 'listener.security.protocol.map',
    type: 'CLIENT:protocol,PEER:protocol (PLAINTEXT or SSL)',
    default: 'CLIENT:PLAINTEXT,PEER:PLAINTEXT',
    kafka: true,
    doc: 'Whether each listener speaks TLS: PLAINTEXT or SSL. With PEER:SSL the nodes authenticate each other with mutual TLS: each presents its certificate (ssl.certificate.location) and accepts only peers with a certificate the CA (ssl.ca.location) signed. With CLIENT:SSL clients connect with TLS and check the node\'s certificate; ssl.client.auth says whether they must present one too. Every node of a cluster needs the same map. deploy/gen-certs.sh makes a CA and per-node certificates (deploy/README.md).',
    schema: v.securityProtocolMap,
  },
  {
    key: 'ssl.ca.location',
    type: 'file (PEM)',
    derivedDefault: 'none; required when a listener is SSL',
    kafka: false,
    doc: 'The CA certificate(s), PEM, that signed the nodes\' certificates (and the clients\', with ssl.client.auth=required). Required when a listener is SSL. A relative path in the config file resolves against the file\'s directory. The name is librdkafka\'s; Kafka\'s brokers use a truststore instead.',
    schema: v.file,
  },
  {
    key: 'ssl.certificate.location',
    type: 'file (PEM)',
    derivedDefault: 'none; required when a listener is SSL',
    kafka: false,
    doc: 'This node\'s certificate, PEM (leaf first, then any intermediates), signed by ssl.ca.location. Its subject alternative names must include the host of each SSL listener in advertised.listeners and controller.quorum.voters: clients and peers check it. Required when a listener is SSL.',
    schema: v.file,
  },
  {
    key: 'ssl.key.location',
    type: 'file (PEM)',
    derivedDefault: 'none; required when a listener is SSL',
    kafka: false,
    doc: 'The unencrypted private key of ssl.certificate.location, PEM. Keep it readable by the node\'s user only. Required when a listener is SSL.',
    schema: v.file,
  },
  {
    key: 'ssl.client.auth',
    type: 'none or required',
    default: 'none',
    kafka: true,
    doc: 'Whether clients of an SSL CLIENT listener must present a certificate signed by ssl.ca.location (mutual TLS); required refuses every other client. Over an SSL PEER listener both sides always present certificates.',
    schema: v.clientAuth,
  },
  {
    key: 'runnel.log.level',
    type: `one of ${v.logLevels.join(', ')}`,
    default: 'info',
    kafka: false,
    doc: 'The level of the node\'s log (pino, JSON lines on stdout).',
    schema: v.logLevel,
  },
];

export const keySpecByName: ReadonlyMap<string, KeySpec> = new Map(keySpecs.map((s) => [s.key, s]));

/**
 * Kafka `server.properties` keys Runnel does not take, with what to do instead. An unknown key that is
 * listed here gets this hint in its error; docs/CONFIG.md lists them in the Kafka mapping.
 */
export const kafkaKeyHints: ReadonlyMap<string, string> = new Map([
  ['broker.id', 'did you mean "node.id"?'],
  ['log.dir', 'did you mean "log.dirs"?'],
  ['ssl.truststore.location', 'Runnel reads PEM files: set "ssl.ca.location" to the CA certificate'],
  ['ssl.keystore.location', 'Runnel reads PEM files: set "ssl.certificate.location" and "ssl.key.location"'],
  ['socket.request.max.bytes', 'did you mean "runnel.request.max.bytes"?'],
  ['message.max.bytes', 'a record batch is bounded at 1 MiB by the log; the request size by "runnel.request.max.bytes"'],
  ['process.roles', 'every Runnel node is both broker and controller: remove it'],
  ['zookeeper.connect', 'Runnel needs no ZooKeeper: remove it'],
  ['controller.listener.names', 'Runnel\'s listener names are fixed (CLIENT and PEER): remove it'],
  ['inter.broker.listener.name', 'Runnel\'s listener names are fixed (CLIENT and PEER): remove it'],
  ['min.insync.replicas', 'acks=all waits for a Raft majority of the replicas: remove it'],
  ['unclean.leader.election.enable', 'Raft never elects a leader that lacks committed records: remove it'],
  ['transaction.state.log.replication.factor', 'no equivalent in Runnel: remove it'],
  ['transaction.state.log.min.isr', 'no equivalent in Runnel: remove it'],
  ['log.flush.interval.messages', 'Runnel fsyncs every write before acknowledging it (see "runnel.storage.fsync"): remove it'],
  ['log.flush.interval.ms', 'Runnel fsyncs every write before acknowledging it (see "runnel.storage.fsync"): remove it'],
  ['log.segment.bytes', 'Runnel stores batches in LevelDB, not segment files: remove it'],
  ['log.retention.check.interval.ms', 'no equivalent in Runnel: remove it'],
  ['num.network.threads', 'no equivalent in Runnel (one event loop per node): remove it'],
  ['num.io.threads', 'no equivalent in Runnel (one event loop per node): remove it'],
  ['num.recovery.threads.per.data.dir', 'no equivalent in Runnel: remove it'],
  ['socket.send.buffer.bytes', 'no equivalent in Runnel: remove it'],
  ['socket.receive.buffer.bytes', 'no equivalent in Runnel: remove it'],
  ['group.initial.rebalance.delay.ms', 'no equivalent in Runnel yet: remove it'],
]);
