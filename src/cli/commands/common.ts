/** Helpers shared by the Kafka-style client subcommands (topics, console-producer, console-consumer). */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import type { ClientTls } from '../../client/index.js';

/** Deadlines of the CLI's client operations: a dead server fails the command within these. */
export const CLI_CLIENT_OPTIONS = { requestTimeoutMs: 5_000, operationTimeoutMs: 10_000 } as const;

/** A user-facing failure: main.ts prints `runnel: <message>` and exits non-zero. */
export class CliError extends Error {}

/** The TLS flags every client subcommand takes (Kafka's tools take them through --command-config). */
export interface TlsFlags {
  readonly sslCa?: string;
  readonly sslCert?: string;
  readonly sslKey?: string;
}

/**
 * A client subcommand of `program` with the flags every one of them takes: --bootstrap-server and
 * the TLS flags (read back with bootstrapList and cliClientOptions).
 */
export function clientCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .option('--bootstrap-server <host:port>', 'node(s) to connect to, comma-separated')
    .option('--ssl-ca <file>', 'CA certificate (PEM) that signed the nodes\' certificates: connect with TLS (for CLIENT:SSL listeners)')
    .option('--ssl-cert <file>', 'this client\'s certificate (PEM), for nodes with ssl.client.auth=required')
    .option('--ssl-key <file>', 'the private key (PEM) of --ssl-cert');
}

function readPemFlag(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CliError(`${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** The client options of a subcommand: the CLI's deadlines, and TLS when --ssl-ca is given. */
export function cliClientOptions(flags: TlsFlags): typeof CLI_CLIENT_OPTIONS & { tls?: ClientTls } {
  if (flags.sslCa === undefined) {
    if (flags.sslCert !== undefined || flags.sslKey !== undefined) throw new CliError('--ssl-cert and --ssl-key need --ssl-ca (the CA that signed the nodes\' certificates)');
    return CLI_CLIENT_OPTIONS;
  }
  if ((flags.sslCert === undefined) !== (flags.sslKey === undefined)) throw new CliError('give --ssl-cert and --ssl-key together');
  const tls: ClientTls = {
    ca: readPemFlag('--ssl-ca', flags.sslCa),
    ...(flags.sslCert !== undefined ? { cert: readPemFlag('--ssl-cert', flags.sslCert), key: readPemFlag('--ssl-key', flags.sslKey!) } : {}),
  };
  return { ...CLI_CLIENT_OPTIONS, tls };
}

/** commander collector for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** commander parser for a non-negative integer option. */
export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('not a non-negative integer.');
  return Number(value);
}

/** commander parser for a positive integer option. */
export function positiveInt(value: string): number {
  const n = nonNegativeInt(value);
  if (n === 0) throw new InvalidArgumentError('must be at least 1.');
  return n;
}

/** `h1:p1,h2:p2` -> ['h1:p1', 'h2:p2'], checked. */
export function bootstrapList(value: string | undefined, flag = '--bootstrap-server'): string[] {
  if (value === undefined || value.trim() === '') throw new CliError(`${flag} is required`);
  const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const s of list) {
    if (!/^[^:\s]+:\d+$/.test(s)) throw new CliError(`${flag}: "${s}" is not host:port`);
  }
  return list;
}

/**
 * Repeated `--property k=v` (or `k1=v1,k2=v2` in one flag, as Kafka's docs show them) into a map.
 * A comma splits only when every piece is itself `k=v`, so `key.separator=,` stays whole.
 */
export function parseProperties(values: readonly string[], flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of values) {
    const pieces = raw.split(',');
    const parts = pieces.length > 1 && pieces.every((p) => /^[^=]+=/.test(p)) ? pieces : [raw];
    for (const p of parts) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new CliError(`${flag} "${p}" is not key=value`);
      out.set(p.slice(0, eq).trim(), p.slice(eq + 1));
    }
  }
  return out;
}

export function isTrue(v: string | undefined): boolean {
  return v !== undefined && v.trim().toLowerCase() === 'true';
}

/** A gRPC connection failure (refused, no route, deadline) rather than an answer from a node. */
function isUnreachable(message: string): boolean {
  return /UNAVAILABLE|ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|No connection established|DEADLINE_EXCEEDED/.test(message);
}

/** The most specific part of a TLS failure in a gRPC error message. */
function tlsReason(message: string): string {
  const m = /Last error: (?:Error: )?([^.;]*(?:certificate|SSL|handshake|verify|alert)[^.;]*)/i.exec(message);
  return (m?.[1] ?? 'handshake failed').trim();
}

/** Runs a command's body; a failure to reach any node becomes `cannot reach <servers>: <cause>`. */
export async function reaching(servers: readonly string[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const tls = /certificate|SSL routines|handshake|self[- ]signed|unable to verify|wrong version number|alert/i.exec(message);
    if (!(err instanceof CliError) && tls) {
      throw new CliError(`TLS with ${servers.join(',')} failed (${tlsReason(message)}): check --ssl-ca/--ssl-cert/--ssl-key against the nodes' listener.security.protocol.map and ssl.* settings`);
    }
    if (!(err instanceof CliError) && isUnreachable(message)) {
      const cause = /ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|DEADLINE_EXCEEDED/.exec(message)?.[0] ?? 'UNAVAILABLE';
      throw new CliError(`cannot reach ${servers.join(',')} (${cause})`);
    }
    throw err;
  }
}
