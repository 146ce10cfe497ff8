/** Helpers shared by the Kafka-style client subcommands (topics, console-producer, console-consumer). */
import { InvalidArgumentError } from 'commander';

/** Deadlines of the CLI's client operations: a dead server fails the command within these. */
export const CLI_CLIENT_OPTIONS = { requestTimeoutMs: 5_000, operationTimeoutMs: 10_000 } as const;

/** A user-facing failure: main.ts prints `runnel: <message>` and exits non-zero. */
export class CliError extends Error {}

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

/** Runs a command's body; a failure to reach any node becomes `cannot reach <servers>: <cause>`. */
export async function reaching(servers: readonly string[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof CliError) && isUnreachable(message)) {
      const cause = /ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|DEADLINE_EXCEEDED/.exec(message)?.[0] ?? 'UNAVAILABLE';
      throw new CliError(`cannot reach ${servers.join(',')} (${cause})`);
    }
    throw err;
  }
}
