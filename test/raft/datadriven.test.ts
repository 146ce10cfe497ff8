import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, parseFile, renderFile } from './interaction/datadriven.js';
import { runScript } from './interaction/runner.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

describe('datadriven format', () => {
  it('parses bare arguments, values and value lists', () => {
    expect(parseCommandLine('add-nodes 3 voters=(1, 2,3) learners=() index=10 prevote=true')).toEqual({
      cmd: 'add-nodes',
      args: [
        { key: '3', hasValue: false, vals: [] },
        { key: 'voters', hasValue: true, vals: ['1', '2', '3'] },
        { key: 'learners', hasValue: true, vals: [] },
        { key: 'index', hasValue: true, vals: ['10'] },
        { key: 'prevote', hasValue: true, vals: ['true'] },
      ],
    });
    expect(parseCommandLine('partition 1 2 | 3').args.map((a) => a.key)).toEqual(['1', '2', '|', '3']);
    expect(() => parseCommandLine('add-nodes voters=(1,2')).toThrow(/unbalanced/);
  });

  it('keeps comments and blank lines and replaces only outputs on rewrite', () => {
    const text = '# header\n\ncmd 1\n----\nold\n\n# between\ncmd 2\ninput line\n----\nold2\n';
    const chunks = parseFile(text);
    expect(renderFile(chunks, [])).toBe(text);
    expect(renderFile(chunks, ['new', 'a\nb'])).toBe('# header\n\ncmd 1\n----\nnew\n\n# between\ncmd 2\ninput line\n----\na\nb\n');
  });

  it('rejects a case without separator', () => {
    expect(() => parseFile('cmd 1\noutput\n')).toThrow(/separator/);
  });

  it.each(readdirSync(testdata).filter((f) => f.endsWith('.txt')))('round-trips %s unchanged', (file) => {
    const text = readFileSync(join(testdata, file), 'utf8');
    expect(renderFile(parseFile(text), [])).toBe(text);
  });

  it('reports script errors in the output instead of throwing', () => {
    const out = runScript('bogus 1\n----\n\nadd-nodes 1 voters=(1) colour=red\n----\n\nstatus 7\n----\n').cases.map((c) => c.actual);
    expect(out).toEqual([
      "error: Error: unknown command 'bogus'",
      'error: Error: unknown option colour=',
      'error: Error: no node 7',
    ]);
  });
});
