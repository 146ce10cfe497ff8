import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  bindAddress,
  describeConfig,
  envName,
  formatEndpoint,
  loadConfig,
  parseConfig,
  type LoadConfigOptions,
  type NodeConfig,
} from '../../src/config/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const path = 'config/server.properties';
const cwd = '/srv/runnel';

/** A valid minimal config; `lines` replace or add keys (a value of null removes the key). */
function text(lines: Record<string, string | null> = {}): string {
  const base: Record<string, string | null> = {
    'node.id': '1',
    listeners: 'CLIENT://127.0.0.1:9092,PEER://127.0.0.1:9093',
    'log.dirs': '../data',
    'controller.quorum.voters': '1@127.0.0.1:9093',
    ...lines,
  };
  return Object.entries(base)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

function load(body: string, options: LoadConfigOptions = {}): NodeConfig {
  return parseConfig(body, path, { env: {}, cwd, ...options });
}

/** The ConfigError message of loading `body`. */
function errorOf(body: string, options: LoadConfigOptions = {}): string {
  try {
    load(body, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('shipped config files', () => {
  it('config/server.properties is the single-node default', () => {
    const c = loadConfig(join(root, 'config/server.properties'), { env: {} });
    expect(c.nodeId).toBe(1);
    expect(c.listeners).toEqual({ client: { host: '127.0.0.1', port: 9092 }, peer: { host: '127.0.0.1', port: 9093 } });
    expect(c.advertisedListeners).toEqual(c.listeners);
    expect(c.logDir).toBe(join(root, 'data'));
    expect(c.controllerQuorumVoters).toEqual([{ nodeId: 1, endpoint: { host: '127.0.0.1', port: 9093 } }]);
    expect(c.isMetadataVoter).toBe(true);
    expect(c.defaultReplicationFactor).toBe(1);
    expect(c.autoCreateTopicsEnable).toBe(false);
    expect(c.logRetentionMs).toBe(168 * 3_600_000);
    expect(c.storageFsync).toBe(true);
    expect(c.configPath).toBe(join(root, 'config/server.properties'));
  });

  it('config/cluster/node{1,2,3}.properties form one 3-node cluster on distinct ports and dirs', () => {
    const nodes = [1, 2, 3].map((n) => loadConfig(join(root, `config/cluster/node${n}.properties`), { env: {} }));
    const ports = nodes.flatMap((c) => [c.listeners.client.port, c.listeners.peer.port]);
    expect(ports).toEqual([9192, 9193, 9292, 9293, 9392, 9393]);
    expect(nodes.map((c) => c.nodeId)).toEqual([1, 2, 3]);
    expect(nodes.map((c) => c.logDir)).toEqual([1, 2, 3].map((n) => join(root, 'data', `node${n}`)));
    for (const c of nodes) {
      expect(c.controllerQuorumVoters).toEqual(nodes[0]!.controllerQuorumVoters);
      expect(c.isMetadataVoter).toBe(true);
      expect(c.defaultReplicationFactor).toBe(3);
    }
  });
});

describe('values', () => {
  it('applies every default', () => {
    const c = load(text());
    expect(c).toMatchObject({
      numPartitions: 1,
      defaultReplicationFactor: 1,
      logRetentionMs: 604_800_000,
      logRetentionBytes: -1,
      autoCreateTopicsEnable: false,
      raftTickMs: 100,
      raftElectionTicks: 10,
      raftHeartbeatTicks: 1,
      storageFsync: true,
      requestMaxBytes: 8 * 1024 * 1024,
      logLevel: 'info',
    });
  });

  it('is deeply frozen', () => {
    const c = load(text());
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.listeners.client)).toBe(true);
    expect(Object.isFrozen(c.controllerQuorumVoters)).toBe(true);
    expect(Object.isFrozen(c.controllerQuorumVoters[0]!.endpoint)).toBe(true);
  });

  it('parses every key', () => {
    const c = load(
      text({
        'node.id': '2',
        listeners: 'PEER://:9093 , CLIENT://[::1]:9092',
        'advertised.listeners': 'CLIENT://client.example:19092,PEER://10.0.0.2:9093',
        'controller.quorum.voters': '1@10.0.0.1:9093, 2@10.0.0.2:9093,3@[fd00::3]:9093',
        'num.partitions': '6',
        'default.replication.factor': '3',
        'log.retention.bytes': '1073741824',
        'auto.create.topics.enable': 'TRUE',
        'runnel.raft.tick.ms': '50',
        'runnel.raft.election.ticks': '20',
        'runnel.raft.heartbeat.ticks': '2',
        'runnel.storage.fsync': 'False',
        'runnel.request.max.bytes': '65536',
        'runnel.log.level': 'debug',
      }),
    );
    expect(c).toMatchObject({
      nodeId: 2,
      listeners: { client: { host: '::1', port: 9092 }, peer: { host: '', port: 9093 } },
      advertisedListeners: { client: { host: 'client.example', port: 19092 }, peer: { host: '10.0.0.2', port: 9093 } },
      numPartitions: 6,
      defaultReplicationFactor: 3,
      logRetentionBytes: 1_073_741_824,
      autoCreateTopicsEnable: true,
      raftTickMs: 50,
      raftElectionTicks: 20,
      raftHeartbeatTicks: 2,
      storageFsync: false,
      requestMaxBytes: 65_536,
      logLevel: 'debug',
      isMetadataVoter: true,
    });
    expect(c.controllerQuorumVoters.map((v) => formatEndpoint(v.endpoint))).toEqual(['10.0.0.1:9093', '10.0.0.2:9093', '[fd00::3]:9093']);
    expect(bindAddress(c.listeners.peer)).toBe('0.0.0.0:9093');
    expect(bindAddress(c.listeners.client)).toBe('[::1]:9092');
  });

  it('trims whitespace around values', () => {
    expect(load(text({ 'node.id': '  7  ', 'controller.quorum.voters': '7@127.0.0.1:9093 ' })).nodeId).toBe(7);
  });

  it('allows a node that is not a metadata voter', () => {
    const c = load(text({ 'node.id': '4', 'controller.quorum.voters': '1@10.0.0.1:9093' }));
    expect(c.isMetadataVoter).toBe(false);
  });

  it('resolves retention with Kafka\'s precedence: ms, then minutes, then hours', () => {
    expect(load(text({ 'log.retention.hours': '1' })).logRetentionMs).toBe(3_600_000);
    expect(load(text({ 'log.retention.hours': '1', 'log.retention.minutes': '2' })).logRetentionMs).toBe(120_000);
    expect(load(text({ 'log.retention.hours': '1', 'log.retention.minutes': '2', 'log.retention.ms': '5' })).logRetentionMs).toBe(5);
    expect(load(text({ 'log.retention.hours': '-1' })).logRetentionMs).toBe(-1);
    expect(load(text({ 'log.retention.minutes': '-1', 'log.retention.hours': '5' })).logRetentionMs).toBe(-1);
    expect(load(text({ 'log.retention.ms': '-1', 'log.retention.hours': '5' })).logRetentionMs).toBe(-1);
  });

  it('resolves log.dirs against the file\'s directory, or the working directory for env and overrides', () => {
    expect(load(text()).logDir).toBe('/srv/runnel/data');
    expect(load(text({ 'log.dirs': '/var/lib/runnel' })).logDir).toBe('/var/lib/runnel');
    expect(load(text(), { env: { RUNNEL_LOG_DIRS: 'd1' } }).logDir).toBe('/srv/runnel/d1');
    expect(load(text(), { overrides: ['log.dirs=d2'] }).logDir).toBe('/srv/runnel/d2');
  });
});

describe('environment and --override', () => {
  it('names environment variables after keys, dropping the runnel. prefix of Runnel\'s own', () => {
    expect(envName('node.id')).toBe('RUNNEL_NODE_ID');
    expect(envName('log.retention.ms')).toBe('RUNNEL_LOG_RETENTION_MS');
    expect(envName('runnel.raft.tick.ms')).toBe('RUNNEL_RAFT_TICK_MS');
    const names = describeConfig().map((k) => k.env);
    expect(new Set(names).size).toBe(names.length);
  });

  it('reads every key from its environment variable', () => {
    const c = load(text(), { env: { RUNNEL_RAFT_TICK_MS: '20', RUNNEL_LOG_LEVEL: 'warn', RUNNEL_NUM_PARTITIONS: '4', PATH: '/bin' } });
    expect([c.raftTickMs, c.logLevel, c.numPartitions]).toEqual([20, 'warn', 4]);
  });

  it('layers defaults < file < environment < overrides', () => {
    const body = text({ 'num.partitions': '2', 'default.replication.factor': '2' });
    const env = { RUNNEL_NUM_PARTITIONS: '3', RUNNEL_LOG_RETENTION_BYTES: '100' };
    const c = load(body, { env, overrides: ['num.partitions=4', 'runnel.raft.tick.ms=7'] });
    expect(c.defaultReplicationFactor).toBe(2); // file
    expect(c.logRetentionBytes).toBe(100); // env over default
    expect(c.numPartitions).toBe(4); // override over env over file
    expect(c.raftTickMs).toBe(7); // override over default
  });

  it('lets the environment supply a required key', () => {
    expect(load(text({ 'node.id': null, 'controller.quorum.voters': null }), {
      env: { RUNNEL_NODE_ID: '3', RUNNEL_CONTROLLER_QUORUM_VOTERS: '3@127.0.0.1:9093' },
    }).nodeId).toBe(3);
  });

  it('keeps = in an override value and trims the key', () => {
    expect(load(text(), { overrides: [' runnel.log.level =error'] }).logLevel).toBe('error');
    expect(load(text({ 'node.id': '5', 'controller.quorum.voters': '5@127.0.0.1:9093' }), {
      overrides: ['advertised.listeners=CLIENT://a:1,PEER://127.0.0.1:9093'],
    }).advertisedListeners.client).toEqual({ host: 'a', port: 1 });
  });
});

describe('errors name the key and where it was set', () => {
  const cases: [string, string, LoadConfigOptions?][] = [
    // file: unknown keys, with hints
    ['node.id=1\nlistenrs=x', 'config/server.properties:2: unknown key "listenrs" (did you mean "listeners"?)'],
    [`${text()}\nlog.dir=/x`, 'config/server.properties:5: unknown key "log.dir" (did you mean "log.dirs"?)'],
    [`${text()}\nbroker.id=1`, 'config/server.properties:5: unknown key "broker.id" (did you mean "node.id"?)'],
    [`${text()}\nzookeeper.connect=zk:2181`, 'config/server.properties:5: unknown key "zookeeper.connect" (Runnel needs no ZooKeeper: remove it)'],
    [`${text()}\nprocess.roles=broker,controller`, 'config/server.properties:5: unknown key "process.roles" (every Runnel node is both broker and controller: remove it)'],
    [`${text()}\ncompletely.different=1`, 'config/server.properties:5: unknown key "completely.different"'],
    // file: syntax
    [`${text()}\nnode.id=2`, 'config/server.properties:5: duplicate key "node.id" (first set on line 1)'],
    [`${text()}\nx=\\uzzzz`, 'config/server.properties:5: malformed \\u escape "\\uzzzz"'],
    // missing required keys (all reported)
    [
      text({ 'node.id': null, 'log.dirs': null }),
      'config/server.properties: missing required key "node.id"\nconfig/server.properties: missing required key "log.dirs"',
    ],
    [text({ listeners: null }), 'config/server.properties: missing required key "listeners"'],
    [text({ 'controller.quorum.voters': null }), 'config/server.properties: missing required key "controller.quorum.voters"'],
    // malformed values
    [text({ 'node.id': '0' }), 'config/server.properties:1: node.id: expected an integer >= 1, got "0"'],
    [text({ 'node.id': 'one' }), 'config/server.properties:1: node.id: expected an integer >= 1, got "one"'],
    [text({ 'node.id': '1.5' }), 'config/server.properties:1: node.id: expected an integer >= 1, got "1.5"'],
    [text({ 'node.id': '2147483648' }), 'config/server.properties:1: node.id: expected an integer <= 2147483647, got "2147483648"'],
    [text({ 'node.id': '' }), 'config/server.properties:1: node.id: empty value (remove the line to use the default)'],
    [text({ 'num.partitions': '0' }), 'config/server.properties:5: num.partitions: expected an integer >= 1, got "0"'],
    [text({ 'default.replication.factor': '0' }), 'config/server.properties:5: default.replication.factor: expected an integer >= 1, got "0"'],
    [text({ 'log.retention.ms': '-2' }), 'config/server.properties:5: log.retention.ms: expected an integer in -1..9007199254740991, got "-2"'],
    [text({ 'log.retention.bytes': '9007199254740992' }), 'config/server.properties:5: log.retention.bytes: expected an integer in -1..9007199254740991, got "9007199254740992"'],
    [text({ 'log.retention.hours': '-5' }), 'config/server.properties:5: log.retention.hours: expected an integer >= -1, got "-5"'],
    [text({ 'auto.create.topics.enable': 'yes' }), 'config/server.properties:5: auto.create.topics.enable: expected true or false, got "yes"'],
    [text({ 'runnel.storage.fsync': '1' }), 'config/server.properties:5: runnel.storage.fsync: expected true or false, got "1"'],
    [text({ 'runnel.request.max.bytes': '1024' }), 'config/server.properties:5: runnel.request.max.bytes: expected an integer >= 65536, got "1024"'],
    [text({ 'runnel.log.level': 'verbose' }), 'config/server.properties:5: runnel.log.level: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    [text({ 'runnel.raft.election.ticks': '1' }), 'config/server.properties:5: runnel.raft.election.ticks: expected an integer >= 2, got "1"'],
    [text({ 'log.dirs': '/a,/b' }), 'config/server.properties:3: log.dirs: expected one directory (Runnel keeps one LevelDB per node, so log.dirs takes no list)'],
    // listeners
    [text({ listeners: 'CLIENT://127.0.0.1:9092' }), 'config/server.properties:2: listeners: missing the PEER listener (Runnel has two listeners: CLIENT for the gRPC API and PEER for Raft traffic between nodes)'],
    [text({ listeners: 'PEER://127.0.0.1:9093' }), 'config/server.properties:2: listeners: missing the CLIENT listener (Runnel has two listeners: CLIENT for the gRPC API and PEER for Raft traffic between nodes)'],
    [text({ listeners: 'PLAINTEXT://:9092,PEER://:9093' }), 'config/server.properties:2: listeners: unknown listener name "PLAINTEXT" (Runnel has two listeners: CLIENT for the gRPC API and PEER for Raft traffic between nodes)'],
    [text({ listeners: 'CLIENT://a:1,CLIENT://a:2,PEER://a:3' }), 'config/server.properties:2: listeners: listener CLIENT given twice'],
    [text({ listeners: 'CLIENT:127.0.0.1:9092,PEER://a:3' }), 'config/server.properties:2: listeners: malformed listener "CLIENT:127.0.0.1:9092" (expected NAME://host:port)'],
    [text({ listeners: 'CLIENT://127.0.0.1,PEER://a:3' }), 'config/server.properties:2: listeners: listener CLIENT: malformed address "127.0.0.1" (expected host:port)'],
    [text({ listeners: 'CLIENT://127.0.0.1:0,PEER://a:3' }), 'config/server.properties:2: listeners: listener CLIENT: port 0 out of range 1..65535 in "127.0.0.1:0"'],
    [text({ listeners: 'CLIENT://127.0.0.1:70000,PEER://a:3' }), 'config/server.properties:2: listeners: listener CLIENT: port 70000 out of range 1..65535 in "127.0.0.1:70000"'],
    [text({ listeners: 'CLIENT://127.0.0.1:9092,PEER://:9092' }), 'config/server.properties:2: listeners: CLIENT and PEER cannot share port 9092'],
    [
      text({ listeners: 'CLIENT://0.0.0.0:9092,PEER://127.0.0.1:9093' }),
      'config/server.properties:2: listeners: CLIENT binds every interface (host "0.0.0.0"), so advertised.listeners must say where to reach this node',
    ],
    [
      text({ 'advertised.listeners': 'CLIENT://[::]:9092,PEER://127.0.0.1:9093' }),
      'config/server.properties:5: advertised.listeners: CLIENT host "::" is not an address others can dial',
    ],
    // voters
    [text({ 'controller.quorum.voters': '1@127.0.0.1' }), 'config/server.properties:4: controller.quorum.voters: voter 1: malformed address "127.0.0.1" (expected host:port)'],
    [text({ 'controller.quorum.voters': '127.0.0.1:9093' }), 'config/server.properties:4: controller.quorum.voters: malformed voter "127.0.0.1:9093" (expected id@host:port)'],
    [text({ 'controller.quorum.voters': '0@127.0.0.1:9093' }), 'config/server.properties:4: controller.quorum.voters: voter id 0 out of range 1..2147483647'],
    [text({ 'controller.quorum.voters': '1@:9093' }), 'config/server.properties:4: controller.quorum.voters: voter 1: missing host in ":9093"'],
    [text({ 'controller.quorum.voters': '1@127.0.0.1:9093,1@127.0.0.2:9093' }), 'config/server.properties:4: controller.quorum.voters: voter 1 listed twice'],
    [text({ 'controller.quorum.voters': '1@127.0.0.1:9093,2@127.0.0.1:9093' }), 'config/server.properties:4: controller.quorum.voters: voters 1 and 2 share the address 127.0.0.1:9093'],
    [
      text({ 'controller.quorum.voters': '1@127.0.0.1:9193' }),
      'config/server.properties:4: controller.quorum.voters: the entry of node 1 (127.0.0.1:9193) differs from its advertised PEER listener (127.0.0.1:9093)',
    ],
    // raft ticks
    [text({ 'runnel.raft.heartbeat.ticks': '10' }), 'config/server.properties:5: runnel.raft.heartbeat.ticks: must be less than runnel.raft.election.ticks (10), got 10'],
    [
      text({ 'runnel.raft.election.ticks': '3', 'runnel.raft.heartbeat.ticks': '3' }),
      'config/server.properties:5: runnel.raft.election.ticks: must be greater than runnel.raft.heartbeat.ticks (3), got 3',
    ],
    // environment
    [text(), 'env RUNNEL_NODE_ID: node.id: expected an integer >= 1, got "two"', { env: { RUNNEL_NODE_ID: 'two' } }],
    [text(), 'env RUNNEL_LOG_DIR: unknown key "log.dir" (did you mean "log.dirs"?)', { env: { RUNNEL_LOG_DIR: '/x' } }],
    [text(), 'env RUNNEL_RAFT_TICKMS: unknown key "raft.tickms" (did you mean "runnel.raft.tick.ms"?)', { env: { RUNNEL_RAFT_TICKMS: '5' } }],
    [text(), 'env RUNNEL_NUM_PARTITIONS: num.partitions: empty value (remove the line to use the default)', { env: { RUNNEL_NUM_PARTITIONS: '' } }],
    // overrides
    [text(), '--override: runnel.log.level: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"', { overrides: ['runnel.log.level=verbose'] }],
    [text(), '--override: unknown key "num.partition" (did you mean "num.partitions"?)', { overrides: ['num.partition=3'] }],
    [text(), '--override: expected key=value, got "node.id"', { overrides: ['node.id'] }],
    [text(), '--override: num.partitions: given twice', { overrides: ['num.partitions=1', 'num.partitions=2'] }],
    [
      text(),
      '--override: controller.quorum.voters: the entry of node 1 (127.0.0.1:1) differs from its advertised PEER listener (127.0.0.1:9093)',
      { overrides: ['controller.quorum.voters=1@127.0.0.1:1'] },
    ],
  ];

  it.each(cases)('%s', (body, message, options) => {
    expect(errorOf(body, options)).toBe(message);
  });

  it('reports every malformed value at once, in file order', () => {
    expect(errorOf(text({ 'node.id': 'x', 'num.partitions': '-1', 'runnel.log.level': 'loud' }))).toBe(
      [
        'config/server.properties:1: node.id: expected an integer >= 1, got "x"',
        'config/server.properties:5: num.partitions: expected an integer >= 1, got "-1"',
        'config/server.properties:6: runnel.log.level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      ].join('\n'),
    );
  });

  it('names a file it cannot read', () => {
    expect(() => loadConfig('/nonexistent/server.properties', { env: {} })).toThrow(
      '/nonexistent/server.properties: cannot read the config file (ENOENT)',
    );
  });

  it('carries the issues and the catalog code', () => {
    try {
      load(text({ 'node.id': '0' }));
      expect.unreachable();
    } catch (err) {
      const e = err as ConfigError;
      expect(e.code).toBe('RUNNEL_ERR_INVALID_CONFIG');
      expect(e.issues).toEqual([{ source: { kind: 'file', path, line: 1 }, message: 'node.id: expected an integer >= 1, got "0"' }]);
    }
  });
});

describe('loadConfig on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves a relative log.dirs against the file\'s directory, whatever the working directory', () => {
    writeFileSync(join(dir, 'node.properties'), text({ 'log.dirs': 'data' }));
    expect(loadConfig(join(dir, 'node.properties'), { env: {}, cwd: '/' }).logDir).toBe(join(dir, 'data'));
  });

  it('reads process.env when no env is given', () => {
    writeFileSync(join(dir, 'env.properties'), text());
    process.env.RUNNEL_NUM_PARTITIONS = '9';
    try {
      expect(loadConfig(join(dir, 'env.properties')).numPartitions).toBe(9);
    } finally {
      delete process.env.RUNNEL_NUM_PARTITIONS;
    }
  });
});

describe('describeConfig', () => {
  it('lists every key once, each default valid and every required key without one', () => {
    const keys = describeConfig();
    expect(new Set(keys.map((k) => k.key)).size).toBe(keys.length);
    for (const k of keys) {
      expect(k.doc.length).toBeGreaterThan(20);
      expect(k.required).toBe(k.default === undefined);
    }
    expect(keys.filter((k) => k.required).map((k) => k.key)).toEqual(['node.id', 'listeners', 'log.dirs', 'controller.quorum.voters']);
  });

  it('no key is another key with runnel. in front (environment names stay unambiguous)', () => {
    const keys = new Set(describeConfig().map((k) => k.key));
    for (const k of keys) expect(keys.has(`runnel.${k}`)).toBe(false);
  });
});

describe('issue order', () => {
  it('lists the file\'s problems by line, then missing keys, then the environment, then flags', () => {
    const body = ['runnel.log.level=loud', 'node.id=x', 'listeners=CLIENT://127.0.0.1:9092,PEER://127.0.0.1:9093', 'log.dirs=d'].join('\n');
    expect(errorOf(body, { env: { RUNNEL_NUM_PARTITIONS: '0' }, overrides: ['runnel.raft.tick.ms=0'] })).toBe(
      [
        'config/server.properties:1: runnel.log.level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
        'config/server.properties:2: node.id: expected an integer >= 1, got "x"',
        'config/server.properties: missing required key "controller.quorum.voters"',
        'env RUNNEL_NUM_PARTITIONS: num.partitions: expected an integer >= 1, got "0"',
        '--override: runnel.raft.tick.ms: expected an integer >= 1, got "0"',
      ].join('\n'),
    );
  });

  it('reads a relative config path against the given working directory', () => {
    expect(loadConfig('config/server.properties', { env: {}, cwd: root }).logDir).toBe(join(root, 'data'));
  });
});

describe('TLS settings', () => {
  const pemDir = mkdtempSync(join(tmpdir(), 'runnel-config-tls-'));
  afterAll(() => rmSync(pemDir, { recursive: true, force: true }));
  const pem = join(pemDir, 'x.pem');
  const notPem = join(pemDir, 'x.txt');
  writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  writeFileSync(notPem, 'hello\n');
  const ssl = (extra: Record<string, string | null> = {}) =>
    text({ 'listener.security.protocol.map': 'CLIENT:SSL,PEER:SSL', 'ssl.ca.location': pem, 'ssl.certificate.location': pem, 'ssl.key.location': pem, ...extra });

  it('is plaintext by default, and SSL with the three PEM files', () => {
    expect(load(text())).toMatchObject({ securityProtocols: { client: 'PLAINTEXT', peer: 'PLAINTEXT' }, ssl: undefined });
    expect(load(ssl({ 'ssl.client.auth': 'required' }))).toMatchObject({
      securityProtocols: { client: 'SSL', peer: 'SSL' },
      ssl: { caPath: pem, certificatePath: pem, keyPath: pem, clientAuthRequired: true },
    });
    expect(load(ssl({ 'listener.security.protocol.map': 'PEER:SSL' })).securityProtocols).toEqual({ client: 'PLAINTEXT', peer: 'SSL' });
  });

  it('names the key of a missing, unreadable or non-PEM file, and refuses what it cannot do', () => {
    expect(errorOf(ssl({ 'ssl.key.location': null }))).toContain('ssl.key.location is required');
    expect(errorOf(ssl({ 'ssl.ca.location': join(pemDir, 'absent.pem') }))).toMatch(/ssl\.ca\.location: .*absent\.pem: cannot read it \(ENOENT\)/);
    expect(errorOf(ssl({ 'ssl.certificate.location': notPem }))).toContain('not a PEM file');
    expect(errorOf(ssl({ 'ssl.client.auth': 'requested' }))).toContain('requested is not supported');
    expect(errorOf(ssl({ 'listener.security.protocol.map': 'CLIENT:SASL_SSL,PEER:SSL' }))).toContain('SASL is not supported yet');
    expect(errorOf(ssl({ 'listener.security.protocol.map': 'BROKER:SSL' }))).toContain('unknown listener name "BROKER"');
    expect(errorOf(ssl({ 'listener.security.protocol.map': 'PEER:SSL', 'ssl.client.auth': 'required' }))).toContain('required needs CLIENT:SSL');
    expect(errorOf(text({ 'ssl.ca.location': pem }))).toContain('no listener is SSL');
    expect(errorOf(text({ 'ssl.truststore.location': pem }))).toContain('ssl.ca.location');
  });
});
