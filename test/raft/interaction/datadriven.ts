/**
 * The data-driven test file format of cockroachdb/datadriven (used by etcd-io/raft's testdata):
 *
 *     # a comment
 *     command arg key=value key=(a,b,c)
 *     ----
 *     expected output
 *     (until the next blank line)
 *
 * Lines starting with '#' and blank lines outside a case are kept verbatim, so a file can be
 * rewritten with fresh outputs without losing its commentary. Outputs never contain blank lines
 * (the driver guarantees it), so the plain `----` separator is all this format needs.
 */

export const SEPARATOR = '----';

/** One argument of a command line: `3` (key only), `drop=3`, `voters=(1,2,3)`. */
export interface CmdArg {
  readonly key: string;
  /** False for a bare token such as a node id (`3`); true for `key=...`, even `key=()`. */
  readonly hasValue: boolean;
  readonly vals: readonly string[];
}

export interface TestCase {
  /** 1-based line number of the command line in the file. */
  readonly line: number;
  readonly cmd: string;
  readonly args: readonly CmdArg[];
  /** The command line exactly as written. */
  readonly source: string;
  /** Lines between the command line and the separator (unused by the driver, kept on rewrite). */
  readonly input: readonly string[];
  readonly expected: string;
}

export type Chunk = { readonly kind: 'text'; readonly line: string } | { readonly kind: 'case'; readonly tc: TestCase };

export function parseFile(text: string): Chunk[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const chunks: Chunk[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) {
      chunks.push({ kind: 'text', line });
      i++;
      continue;
    }
    const start = i;
    const input: string[] = [];
    i++;
    while (i < lines.length && lines[i] !== SEPARATOR) input.push(lines[i++]!);
    if (i >= lines.length) throw new Error(`line ${start + 1}: '${line}' has no '${SEPARATOR}' separator`);
    i++; // the separator
    const out: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') out.push(lines[i++]!);
    const { cmd, args } = parseCommandLine(line);
    chunks.push({ kind: 'case', tc: { line: start + 1, cmd, args, source: line, input, expected: out.join('\n') } });
  }
  return chunks;
}

/** The file again, with each case's output replaced by `outputs[k]` (k-th case). */
export function renderFile(chunks: readonly Chunk[], outputs: readonly string[]): string {
  const out: string[] = [];
  let k = 0;
  for (const c of chunks) {
    if (c.kind === 'text') {
      out.push(c.line);
      continue;
    }
    out.push(c.tc.source, ...c.tc.input, SEPARATOR, outputs[k++] ?? c.tc.expected);
  }
  return out.join('\n') + '\n';
}

/** `cmd a b=c d=(e, f)` -> cmd and args; parentheses group values separated by commas or spaces. */
export function parseCommandLine(line: string): { cmd: string; args: CmdArg[] } {
  const tokens = tokenize(line);
  const cmd = tokens.shift();
  if (cmd === undefined) throw new Error('empty command line');
  return { cmd, args: tokens.map(parseArg) };
}

function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of line) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw new Error(`unbalanced ')' in '${line}'`);
    if (/\s/.test(ch) && depth === 0) {
      if (cur !== '') tokens.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (depth !== 0) throw new Error(`unbalanced '(' in '${line}'`);
  if (cur !== '') tokens.push(cur);
  return tokens;
}

function parseArg(token: string): CmdArg {
  const eq = token.indexOf('=');
  if (eq < 0) return { key: token, hasValue: false, vals: [] };
  const key = token.slice(0, eq);
  const value = token.slice(eq + 1);
  if (value.startsWith('(') && value.endsWith(')')) {
    const inner = value.slice(1, -1).trim();
    return { key, hasValue: true, vals: inner === '' ? [] : inner.split(/[\s,]+/).filter((v) => v !== '') };
  }
  return { key, hasValue: true, vals: [value] };
}
