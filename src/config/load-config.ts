/**
 * Loads a node's configuration: defaults, then the `server.properties` file, then `RUNNEL_*`
 * environment variables, then `--override key=value` flags (later layers win). Every layer is
 * validated the same way; unknown keys, missing required keys and malformed values stop start-up with
 * a ConfigError naming the key and where it was set.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { NodeId } from '../core/index.js';
import { ConfigError, type ConfigIssue, type ConfigSource } from './config-error.js';
import { keySpecByName, keySpecs, kafkaKeyHints } from './keys.js';
import { formatEndpoint, type Endpoint, type Listeners, type LogLevel, type NodeConfig, type SecurityProtocols, type SslFiles, type Voter } from './node-config.js';
import { parseProperties, PropertiesSyntaxError } from './properties.js';

export interface LoadConfigOptions {
  /** Environment to read `RUNNEL_*` overrides from; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `key=value` pairs from `--override` flags, in order. */
  readonly overrides?: readonly string[];
  /** Directory that relative log.dirs from env/overrides resolve against; defaults to process.cwd(). */
  readonly cwd?: string;
}

/** The prefix of environment overrides: `RUNNEL_NODE_ID` sets `node.id`. */
export const envPrefix = 'RUNNEL_';

/** Runnel's own keys; their environment variables drop it (`RUNNEL_RAFT_TICK_MS`, not `RUNNEL_RUNNEL_...`). */
const ownPrefix = 'runnel.';

/** `node.id` -> `RUNNEL_NODE_ID`; `runnel.raft.tick.ms` -> `RUNNEL_RAFT_TICK_MS`. */
export function envName(key: string): string {
  const name = key.startsWith(ownPrefix) ? key.slice(ownPrefix.length) : key;
  return envPrefix + name.toUpperCase().replace(/\./g, '_');
}

/** The key an environment variable sets (the inverse of envName; keys hold no underscores). */
function keyOfEnvName(name: string): string {
  const key = name.slice(envPrefix.length).toLowerCase().replace(/_/g, '.');
  return !keySpecByName.has(key) && keySpecByName.has(ownPrefix + key) ? ownPrefix + key : key;
}

/** A raw setting from one layer. */
interface RawSetting {
  readonly key: string;
  readonly value: string;
  readonly source: ConfigSource;
}

/** Reads and validates the config at `path`; throws ConfigError listing every problem found. */
export function loadConfig(path: string, options: LoadConfigOptions = {}): NodeConfig {
  let text: string;
  try {
    text = readFileSync(resolve(options.cwd ?? process.cwd(), path), 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError([{ source: { kind: 'file', path }, message: `cannot read the config file (${reason})` }]);
  }
  return parseConfig(text, path, options);
}

/** As loadConfig, with the file's text given; `path` names it in errors and anchors relative paths. */
export function parseConfig(text: string, path: string, options: LoadConfigOptions = {}): NodeConfig {
  const settings = [
    ...fileSettings(text, path),
    ...envSettings(options.env ?? process.env),
    ...overrideSettings(options.overrides ?? []),
  ];
  const issues: ConfigIssue[] = [];
  for (const s of settings) checkKnown(s, issues);
  throwIf(issues);

  const layered = new Map<string, RawSetting>();
  for (const s of settings) layered.set(s.key, s);
  const values = new Map<string, Parsed>();
  for (const spec of keySpecs) {
    const parsed = parseKey(spec.key, layered.get(spec.key), path, issues);
    if (parsed) values.set(spec.key, parsed);
  }
  throwIf(issues);

  const config = buildConfig(new Resolver(values, issues), path, options.cwd ?? process.cwd());
  throwIf(issues);
  return deepFreeze(config);
}

/** Throws every issue found, in the order an operator reads them: the file by line, then env, then flags. */
function throwIf(issues: readonly ConfigIssue[]): void {
  if (issues.length > 0) throw new ConfigError([...issues].sort((a, b) => rank(a.source) - rank(b.source)));
}

const afterLines = 1e12; // beyond any line number

function rank(source: ConfigSource): number {
  switch (source.kind) {
    case 'file':
      return source.line ?? afterLines;
    case 'env':
      return afterLines + 1;
    default:
      return afterLines + 2;
  }
}

function fileSettings(text: string, path: string): RawSetting[] {
  try {
    return parseProperties(text).map((p) => ({ key: p.key, value: p.value, source: { kind: 'file', path, line: p.line } }));
  } catch (err) {
    if (!(err instanceof PropertiesSyntaxError)) throw err;
    throw new ConfigError([{ source: { kind: 'file', path, line: err.line }, message: err.detail }]);
  }
}

function envSettings(env: Readonly<Record<string, string | undefined>>): RawSetting[] {
  const out: RawSetting[] = [];
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (!name.startsWith(envPrefix) || value === undefined) continue;
    const key = keyOfEnvName(name);
    out.push({ key, value, source: { kind: 'env', name } });
  }
  return out;
}

function overrideSettings(pairs: readonly string[]): RawSetting[] {
  const seen = new Set<string>();
  const out: RawSetting[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    if (eq < 0) throw new ConfigError([{ source: { kind: 'override' }, message: `expected key=value, got ${JSON.stringify(pair)}` }]);
    if (seen.has(key)) throw new ConfigError([{ source: { kind: 'override' }, message: `${key}: given twice` }]);
    seen.add(key);
    out.push({ key, value: pair.slice(eq + 1), source: { kind: 'override' } });
  }
  return out;
}

function checkKnown(s: RawSetting, issues: ConfigIssue[]): void {
  if (keySpecByName.has(s.key)) return;
  const hint = kafkaKeyHints.get(s.key) ?? suggestion(s.key);
  issues.push({ source: s.source, message: `unknown key "${s.key}"${hint ? ` (${hint})` : ''}` });
}

function suggestion(key: string): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const spec of keySpecs) {
    const distance = Math.min(editDistance(key, spec.key), editDistance(ownPrefix + key, spec.key));
    if (!best || distance < best.distance) best = { key: spec.key, distance };
  }
  const allowed = Math.max(2, Math.floor(key.length / 6));
  return best && best.distance <= allowed ? `did you mean "${best.key}"?` : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** A key's typed value and where it came from. */
interface Parsed {
  readonly value: unknown;
  readonly source: ConfigSource;
  readonly explicit: boolean;
}

function parseKey(key: string, raw: RawSetting | undefined, path: string, issues: ConfigIssue[]): Parsed | undefined {
  const spec = keySpecByName.get(key)!;
  const text = raw?.value ?? spec.default;
  const source: ConfigSource = raw?.source ?? { kind: 'default' };
  if (text === undefined) {
    if (spec.required) issues.push({ source: { kind: 'file', path }, message: `missing required key "${key}"` });
    return undefined;
  }
  const trimmed = text.trim();
  if (trimmed === '') {
    issues.push({ source, message: `${key}: empty value (remove the line to use the default)` });
    return undefined;
  }
  const result = spec.schema.safeParse(trimmed);
  if (!result.success) {
    issues.push({ source, message: `${key}: ${result.error.issues[0]?.message ?? 'invalid value'}` });
    return undefined;
  }
  return { value: result.data, source, explicit: raw !== undefined };
}

/** Typed access to parsed values, collecting cross-key problems. */
class Resolver {
  constructor(
    private readonly values: ReadonlyMap<string, Parsed>,
    readonly issues: ConfigIssue[],
  ) {}

  get<T>(key: string): T {
    return this.values.get(key)!.value as T;
  }

  /** A key without a default: undefined when not written. */
  maybe<T>(key: string): T | undefined {
    return this.values.get(key)?.value as T | undefined;
  }

  /** Whether the key was written (in the file, env or an override) rather than defaulted. */
  has(key: string): boolean {
    return this.values.get(key)?.explicit ?? false;
  }

  source(key: string): ConfigSource {
    return this.values.get(key)!.source;
  }

  fail(key: string, message: string): void {
    this.issues.push({ source: this.source(key), message: `${key}: ${message}` });
  }
}

function buildConfig(r: Resolver, path: string, cwd: string): NodeConfig {
  const nodeId = r.get<NodeId>('node.id');
  const advertisedListeners = resolveAdvertised(r);
  const voters = r.get<Voter[]>('controller.quorum.voters');
  checkOwnVoterEntry(r, nodeId, voters, advertisedListeners);
  checkTicks(r);
  return {
    nodeId,
    listeners: r.get<Listeners>('listeners'),
    advertisedListeners,
    logDir: resolveLogDir(r, cwd),
    controllerQuorumVoters: voters,
    isMetadataVoter: voters.some((v) => v.nodeId === nodeId),
    numPartitions: r.get<number>('num.partitions'),
    defaultReplicationFactor: r.get<number>('default.replication.factor'),
    offsetsTopicPartitions: r.get<number>('offsets.topic.num.partitions'),
    offsetsTopicReplicationFactor: r.get<number>('offsets.topic.replication.factor'),
    logRetentionMs: resolveRetentionMs(r),
    logRetentionBytes: r.get<number>('log.retention.bytes'),
    autoCreateTopicsEnable: r.get<boolean>('auto.create.topics.enable'),
    raftTickMs: r.get<number>('runnel.raft.tick.ms'),
    raftElectionTicks: r.get<number>('runnel.raft.election.ticks'),
    raftHeartbeatTicks: r.get<number>('runnel.raft.heartbeat.ticks'),
    storageFsync: r.get<boolean>('runnel.storage.fsync'),
    requestMaxBytes: r.get<number>('runnel.request.max.bytes'),
    logLevel: r.get<LogLevel>('runnel.log.level'),
    securityProtocols: r.get<SecurityProtocols>('listener.security.protocol.map'),
    ssl: resolveSsl(r, cwd),
    configPath: resolve(cwd, path),
  };
}

const wildcardHosts = new Set(['', '0.0.0.0', '::']);

function resolveAdvertised(r: Resolver): Listeners {
  const key = r.has('advertised.listeners') ? 'advertised.listeners' : 'listeners';
  const advertised = r.get<Listeners>(key);
  for (const [name, endpoint] of [['CLIENT', advertised.client], ['PEER', advertised.peer]] as const) {
    if (!wildcardHosts.has(endpoint.host)) continue;
    r.fail(
      key,
      key === 'listeners'
        ? `${name} binds every interface (host "${endpoint.host}"), so advertised.listeners must say where to reach this node`
        : `${name} host "${endpoint.host}" is not an address others can dial`,
    );
  }
  return advertised;
}

function checkOwnVoterEntry(r: Resolver, nodeId: NodeId, voters: readonly Voter[], advertised: Listeners): void {
  const own = voters.find((v) => v.nodeId === nodeId);
  if (!own || sameEndpoint(own.endpoint, advertised.peer)) return;
  r.fail(
    'controller.quorum.voters',
    `the entry of node ${nodeId} (${formatEndpoint(own.endpoint)}) differs from its advertised PEER listener (${formatEndpoint(advertised.peer)})`,
  );
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.host === b.host && a.port === b.port;
}

function checkTicks(r: Resolver): void {
  const election = r.get<number>('runnel.raft.election.ticks');
  const heartbeat = r.get<number>('runnel.raft.heartbeat.ticks');
  if (election > heartbeat) return;
  if (r.has('runnel.raft.election.ticks')) {
    r.fail('runnel.raft.election.ticks', `must be greater than runnel.raft.heartbeat.ticks (${heartbeat}), got ${election}`);
  } else {
    r.fail('runnel.raft.heartbeat.ticks', `must be less than runnel.raft.election.ticks (${election}), got ${heartbeat}`);
  }
}

/** Kafka's precedence: log.retention.ms, else .minutes, else .hours; -1 in the winning key = unlimited. */
function resolveRetentionMs(r: Resolver): number {
  if (r.has('log.retention.ms')) return r.get<number>('log.retention.ms');
  if (r.has('log.retention.minutes')) return unlimitedOr(r.get<number>('log.retention.minutes'), 60_000);
  return unlimitedOr(r.get<number>('log.retention.hours'), 3_600_000);
}

function unlimitedOr(n: number, msPerUnit: number): number {
  return n === -1 ? -1 : n * msPerUnit;
}

/** Relative to the config file's directory when set in the file, else to the working directory. */
function resolvePath(r: Resolver, key: string, cwd: string): string {
  const path = r.get<string>(key);
  const source = r.source(key);
  return source.kind === 'file' ? resolve(cwd, dirname(source.path), path) : resolve(cwd, path);
}

function resolveLogDir(r: Resolver, cwd: string): string {
  return resolvePath(r, 'log.dirs', cwd);
}

const sslFileKeys = ['ssl.ca.location', 'ssl.certificate.location', 'ssl.key.location'] as const;

/**
 * The PEM files, when a listener is SSL: each must be set, readable and PEM (a wrong file fails at
 * start-up with its key, not at the first TLS handshake). Unused ssl.* keys are refused, so a typo in
 * the protocol map does not silently leave a listener in plaintext.
 */
function resolveSsl(r: Resolver, cwd: string): SslFiles | undefined {
  const protocols = r.get<SecurityProtocols>('listener.security.protocol.map');
  const used = protocols.client === 'SSL' || protocols.peer === 'SSL';
  if (!used) {
    for (const key of [...sslFileKeys, 'ssl.client.auth']) {
      if (r.has(key)) r.fail(key, 'is set but no listener is SSL in listener.security.protocol.map (e.g. CLIENT:SSL,PEER:SSL)');
    }
    return undefined;
  }
  const paths = sslFileKeys.map((key) => {
    if (r.maybe<string>(key) === undefined) {
      r.issues.push({ source: r.source('listener.security.protocol.map'), message: `${key} is required: listener.security.protocol.map makes a listener SSL` });
      return '';
    }
    const path = resolvePath(r, key, cwd);
    const problem = pemProblem(path);
    if (problem) r.fail(key, `${path}: ${problem}`);
    return path;
  });
  if (r.get<string>('ssl.client.auth') === 'required' && protocols.client !== 'SSL') r.fail('ssl.client.auth', 'required needs CLIENT:SSL in listener.security.protocol.map');
  return { caPath: paths[0]!, certificatePath: paths[1]!, keyPath: paths[2]!, clientAuthRequired: r.get<string>('ssl.client.auth') === 'required' };
}

function pemProblem(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return `cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  return /-----BEGIN [A-Z0-9 ]+-----/.test(text) ? undefined : 'not a PEM file (no -----BEGIN ...----- line)';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
