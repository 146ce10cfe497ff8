/**
 * A parser for Java `.properties` text as Kafka's `server.properties` uses it (java.util.Properties
 * `load(Reader)`): `key=value`, `key:value` or `key value`; `#` and `!` comment lines; blank lines;
 * a line ending in an odd number of backslashes continues on the next one (whose leading whitespace is
 * dropped); escapes `\t \n \r \f \uXXXX`, and a backslash before any other character stands for that
 * character (`\=`, `\:`, `\ `, `\\`, `\#`).
 *
 * Differences from Java, all deliberate: the text is UTF-8 (not ISO-8859-1); a duplicate key is
 * reported instead of silently replacing the first (Kafka takes the last one; a config where two lines
 * disagree is a mistake); a malformed `\u` escape is an error (Java throws too).
 */

/** One `key=value` pair, with the (1-based) line its logical line starts on. */
export interface Property {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** A problem at a line of the text; the caller adds the file name. */
export class PropertiesSyntaxError extends Error {
  override readonly name = 'PropertiesSyntaxError';
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

const whitespace = new Set([' ', '\t', '\f']);

/** Parses properties text; throws PropertiesSyntaxError on a malformed escape or a duplicate key. */
export function parseProperties(text: string): Property[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const seen = new Map<string, number>();
  const out: Property[] = [];
  for (const logical of logicalLines(lines)) {
    const { key, value } = splitKeyValue(logical.text, logical.line);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new PropertiesSyntaxError(logical.line, `duplicate key "${key}" (first set on line ${first})`);
    }
    seen.set(key, logical.line);
    out.push({ key, value, line: logical.line });
  }
  return out;
}

interface LogicalLine {
  readonly text: string;
  readonly line: number;
}

/** Joins continued lines and drops blank and comment lines. Whitespace before a key is dropped. */
function logicalLines(lines: readonly string[]): LogicalLine[] {
  const out: LogicalLine[] = [];
  let i = 0;
  while (i < lines.length) {
    const start = i;
    let text = skipWhitespace(lines[i]!);
    i++;
    if (text === '' || text.startsWith('#') || text.startsWith('!')) continue;
    while (endsWithContinuation(text) && i < lines.length) {
      text = text.slice(0, -1) + skipWhitespace(lines[i]!);
      i++;
    }
    if (endsWithContinuation(text)) text = text.slice(0, -1); // a continuation at end of input: Java drops it
    out.push({ text, line: start + 1 });
  }
  return out;
}

function skipWhitespace(s: string): string {
  let i = 0;
  while (i < s.length && whitespace.has(s[i]!)) i++;
  return s.slice(i);
}

/** An odd number of trailing backslashes: the last one escapes the line break. */
function endsWithContinuation(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/**
 * The key ends at the first unescaped `=`, `:` or whitespace; then whitespace, at most one `=` or `:`,
 * and more whitespace are skipped; the rest is the value.
 */
function splitKeyValue(text: string, line: number): { key: string; value: string } {
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '=' || c === ':' || whitespace.has(c)) break;
    i++;
  }
  const rawKey = text.slice(0, Math.min(i, text.length));
  let j = i;
  while (j < text.length && whitespace.has(text[j]!)) j++;
  if (j < text.length && (text[j] === '=' || text[j] === ':')) j++;
  while (j < text.length && whitespace.has(text[j]!)) j++;
  return { key: unescape(rawKey, line), value: unescape(text.slice(j), line) };
}

const simpleEscapes: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(s: string, line: number): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = s[++i];
    if (next === undefined) break; // a lone trailing backslash (only at end of input): dropped, as Java does
    if (next === 'u') {
      const hex = s.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertiesSyntaxError(line, `malformed \\u escape "\\u${hex}"`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
      continue;
    }
    out += simpleEscapes[next] ?? next;
  }
  return out;
}
