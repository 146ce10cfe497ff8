/**
 * Zod schemas from a raw property string to a typed value. Each issue message says what was wrong
 * (`expected an integer >= 1, got "0"`); the loader adds where it was set and the key.
 */
import { z } from 'zod';
import type { Endpoint, Listeners, LogLevel, SecurityProtocols, Voter } from './node-config.js';

/** A schema from the raw (trimmed) string of a property to its typed value. */
export type ValueSchema<T> = z.ZodType<T, string>;

/** Largest value of a Java int, Kafka's INT type (and gRPC's message size limit). */
export const intMax = 2_147_483_647;

/** Zod's error parameter for a message "expected <what>, got "<input>"". */
function expected(what: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => `expected ${what}, got ${JSON.stringify(String(issue.input))}` };
}

export function int(min: number, max: number = intMax): ValueSchema<number> {
  const tooSmall = expected(max === intMax ? `an integer >= ${min}` : `an integer in ${min}..${max}`);
  const tooLarge = expected(max === intMax ? `an integer <= ${max}` : `an integer in ${min}..${max}`);
  return z
    .string()
    .regex(/^[+-]?\d+$/, tooSmall)
    .transform(Number)
    .pipe(z.number().min(min, tooSmall).max(max, tooLarge));
}

/** A Java long, bounded to exact JavaScript integers (2^53 - 1 ms is 285,000 years). */
export function long(min: number): ValueSchema<number> {
  const expectedLong = expected(`an integer in ${min}..${Number.MAX_SAFE_INTEGER}`);
  return z
    .string()
    .regex(/^[+-]?\d+$/, expectedLong)
    .transform(Number)
    .pipe(z.number().min(min, expectedLong).max(Number.MAX_SAFE_INTEGER, expectedLong));
}

/** `true` or `false`, any case (as Kafka's ConfigDef accepts). */
export const bool: ValueSchema<boolean> = z
  .string()
  .regex(/^(true|false)$/i, expected('true or false'))
  .transform((s) => s.toLowerCase() === 'true');

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LogLevel[];

export const logLevel: ValueSchema<LogLevel> = z.enum(logLevels, expected(`one of ${logLevels.join(', ')}`));

/** One directory; Kafka's comma-separated list of several is refused (one LevelDB per node). */
export const directory: ValueSchema<string> = z
  .string()
  .min(1, 'expected a directory')
  .refine((s) => !s.includes(','), 'expected one directory (Runnel keeps one LevelDB per node, so log.dirs takes no list)');

/** A schema from a parser that returns the value, or a string saying what is wrong. */
function fromParser<T>(parse: (text: string) => T | string): ValueSchema<T> {
  return z.string().transform((s, ctx) => {
    const result = parse(s);
    if (typeof result === 'string') {
      ctx.addIssue({ code: 'custom', message: result });
      return z.NEVER;
    }
    return result;
  });
}

// host: '' | name or IPv4 | [IPv6]; then :port
const hostPortPattern = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]*)):(\d{1,5})$/;

function parseEndpoint(text: string, allowEmptyHost: boolean): Endpoint | string {
  const m = hostPortPattern.exec(text);
  if (!m) return `malformed address "${text}" (expected host:port)`;
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (host === '' && !allowEmptyHost) return `missing host in "${text}"`;
  if (port < 1 || port > 65_535) return `port ${port} out of range 1..65535 in "${text}"`;
  return { host, port };
}

export const listenerNames = ['CLIENT', 'PEER'] as const;
const listenerNameDoc = 'Runnel has two listeners: CLIENT for the gRPC API and PEER for Raft traffic between nodes';

function parseListenerList(text: string): Listeners | string {
  const found = new Map<string, Endpoint>();
  for (const item of text.split(',').map((s) => s.trim())) {
    const m = /^([A-Za-z0-9_]+):\/\/(.*)$/.exec(item);
    if (!m) return `malformed listener "${item}" (expected NAME://host:port)`;
    const name = m[1]!;
    if (!(listenerNames as readonly string[]).includes(name)) return `unknown listener name "${name}" (${listenerNameDoc})`;
    if (found.has(name)) return `listener ${name} given twice`;
    const endpoint = parseEndpoint(m[2]!, true);
    if (typeof endpoint === 'string') return `listener ${name}: ${endpoint}`;
    found.set(name, endpoint);
  }
  const client = found.get('CLIENT');
  const peer = found.get('PEER');
  if (!client || !peer) return `missing the ${client ? 'PEER' : 'CLIENT'} listener (${listenerNameDoc})`;
  if (client.port === peer.port && (client.host === peer.host || client.host === '' || peer.host === '')) {
    return `CLIENT and PEER cannot share port ${client.port}`;
  }
  return { client, peer };
}

/** `CLIENT://host:port,PEER://host:port`, in any order; a host may be empty (all interfaces). */
export const listeners: ValueSchema<Listeners> = fromParser(parseListenerList);

function parseVoterList(text: string): Voter[] | string {
  const voters: Voter[] = [];
  for (const item of text.split(',').map((s) => s.trim())) {
    const m = /^(\d+)@(.*)$/.exec(item);
    if (!m) return `malformed voter "${item}" (expected id@host:port)`;
    const nodeId = Number(m[1]);
    if (nodeId < 1 || nodeId > intMax) return `voter id ${m[1]} out of range 1..${intMax}`;
    const endpoint = parseEndpoint(m[2]!, false);
    if (typeof endpoint === 'string') return `voter ${nodeId}: ${endpoint}`;
    if (voters.some((v) => v.nodeId === nodeId)) return `voter ${nodeId} listed twice`;
    const same = voters.find((v) => v.endpoint.host === endpoint.host && v.endpoint.port === endpoint.port);
    if (same) return `voters ${same.nodeId} and ${nodeId} share the address ${m[2]}`;
    voters.push({ nodeId, endpoint });
  }
  return voters;
}

/** `id@host:port,...`: the metadata group's voters and their PEER addresses. */
export const voters: ValueSchema<Voter[]> = fromParser(parseVoterList);

function parseProtocolMap(text: string): SecurityProtocols | string {
  const found = new Map<string, 'PLAINTEXT' | 'SSL'>();
  for (const item of text.split(',').map((s) => s.trim())) {
    const m = /^([A-Za-z0-9_]+):([A-Za-z_]+)$/.exec(item);
    if (!m) return `malformed entry "${item}" (expected LISTENER:PROTOCOL, e.g. CLIENT:SSL)`;
    const [, name, protocol] = m as unknown as [string, string, string];
    if (!(listenerNames as readonly string[]).includes(name)) return `unknown listener name "${name}" (${listenerNameDoc})`;
    if (protocol !== 'PLAINTEXT' && protocol !== 'SSL') {
      return `listener ${name}: protocol "${protocol}" is not supported (PLAINTEXT or SSL${/^SASL_/.test(protocol) ? '; SASL is not supported yet' : ''})`;
    }
    if (found.has(name)) return `listener ${name} given twice`;
    found.set(name, protocol);
  }
  return { client: found.get('CLIENT') ?? 'PLAINTEXT', peer: found.get('PEER') ?? 'PLAINTEXT' };
}

/** `CLIENT:SSL,PEER:SSL` (Kafka's listener.security.protocol.map); a listener left out is PLAINTEXT. */
export const securityProtocolMap: ValueSchema<SecurityProtocols> = fromParser(parseProtocolMap);

/** A file path (checked for existence by the loader, which knows what it is relative to). */
export const file: ValueSchema<string> = z.string().min(1, 'expected a file path');

export const clientAuthValues = ['none', 'required'] as const;

/** Kafka's ssl.client.auth; Kafka's third value, "requested", is refused with a reason. */
export const clientAuth: ValueSchema<'none' | 'required'> = z
  .string()
  .refine((s) => s !== 'requested', 'requested is not supported: use required (clients must present a certificate) or none')
  .pipe(z.enum(clientAuthValues, expected('none or required')));
