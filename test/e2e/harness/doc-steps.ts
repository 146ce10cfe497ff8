/**
 * A runnable Markdown page (docs/QUICKSTART.md): its fenced `sh` blocks are the steps, in order, and
 * a `text` block right after one (nothing but blank lines between) is the output that step must show.
 * Pure functions: parsing and matching; running the steps is the test's part.
 *
 * Info-string words (GitHub shows none of them):
 *   ```sh setup        done by the test harness itself, not run (the page's install step)
 *   ```sh retry=20s    run again until the expected output shows, for at most that long
 *   ```text any-order  the expected lines in any order (partitions interleave, for one)
 * Expected lines match output lines with runs of white space folded and ends trimmed; `…` in an
 * expected line matches any text. Without any-order the lines must show in that order; other output
 * lines may come between them.
 */

export interface Expected {
  readonly lines: readonly string[];
  readonly anyOrder: boolean;
}

export interface DocStep {
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
  readonly script: string;
  readonly setup: boolean;
  /** 0: run once. */
  readonly retryMs: number;
  readonly expected: Expected | undefined;
}

interface Fenced {
  readonly line: number;
  readonly endLine: number;
  readonly lang: string;
  readonly words: readonly string[];
  readonly body: string;
}

const fenceOpen = /^```(\S*)\s*(.*)$/;

function fencedBlocks(markdown: string): Fenced[] {
  const lines = markdown.split('\n');
  const blocks: Fenced[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = fenceOpen.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]!.trim() !== '```'; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`line ${start + 1}: the block opened here is never closed`);
    const words = open[2]!.split(/\s+/).filter((w) => w !== '');
    blocks.push({ line: start + 1, endLine: i + 1, lang: open[1]!, words, body: body.join('\n') });
  }
  return blocks;
}

function retryMsOf(block: Fenced): number {
  const word = block.words.find((w) => w.startsWith('retry='));
  if (word === undefined) return 0;
  const m = /^retry=(\d+)s$/.exec(word);
  if (!m) throw new Error(`line ${block.line}: "${word}" is not retry=<seconds>s`);
  return Number(m[1]) * 1_000;
}

function checkWords(block: Fenced, allowed: RegExp): void {
  const unknown = block.words.filter((w) => !allowed.test(w));
  // A misspelt word would silently turn a check off.
  if (unknown.length > 0) throw new Error(`line ${block.line}: unknown info-string word(s) ${unknown.join(', ')} on a ${block.lang} block`);
}

/** The page's `sh` blocks in order, each with the `text` block that follows it, if any. */
export function parseDocSteps(markdown: string): DocStep[] {
  const lines = markdown.split('\n');
  const blocks = fencedBlocks(markdown);
  const steps: DocStep[] = [];
  blocks.forEach((b, i) => {
    if (b.lang !== 'sh') return;
    checkWords(b, /^(setup|retry=.*)$/);
    const next = blocks[i + 1];
    const between = next === undefined ? [] : lines.slice(b.endLine, next.line - 1);
    let expected: Expected | undefined;
    if (next?.lang === 'text' && between.every((l) => l.trim() === '')) {
      checkWords(next, /^any-order$/);
      expected = { lines: next.body.split('\n').filter((l) => l.trim() !== ''), anyOrder: next.words.includes('any-order') };
    }
    steps.push({ line: b.line, script: b.body, setup: b.words.includes('setup'), retryMs: retryMsOf(b), expected });
  });
  return steps;
}

function fold(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

function patternOf(expectedLine: string): RegExp {
  const pieces = fold(expectedLine).split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${pieces.join('.*')}$`);
}

/** Why `output` does not show the expected lines, or undefined when it does. */
export function outputMismatch(expected: Expected, output: string): string | undefined {
  const actual = output.split('\n').map(fold);
  const used = new Set<number>();
  let from = 0;
  for (const line of expected.lines) {
    const pattern = patternOf(line);
    const at = actual.findIndex((a, i) => (expected.anyOrder ? !used.has(i) : i >= from) && pattern.test(a));
    if (at < 0) return `expected line ${JSON.stringify(line)} is not in the output${expected.anyOrder ? '' : ' (after the lines matched before it)'}`;
    used.add(at);
    from = at + 1;
  }
  return undefined;
}
