import { describe, expect, it } from 'vitest';
import { parseProperties, PropertiesSyntaxError } from '../../src/config/index.js';

function parse(text: string): Record<string, string> {
  return Object.fromEntries(parseProperties(text).map((p) => [p.key, p.value]));
}

function syntaxError(text: string): { line: number; detail: string } {
  try {
    parseProperties(text);
  } catch (err) {
    expect(err).toBeInstanceOf(PropertiesSyntaxError);
    const e = err as PropertiesSyntaxError;
    return { line: e.line, detail: e.detail };
  }
  throw new Error('expected a PropertiesSyntaxError');
}

describe('parseProperties', () => {
  it('takes =, : and whitespace as separators, with whitespace around them', () => {
    expect(parse('a=1\nb:2\nc 3\nd = 4\ne\t:\t5\nf  =  6')).toEqual({ a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' });
  });

  it('splits at the first separator only', () => {
    expect(parse('listeners=CLIENT://h:1,PEER://h:2\nx=a=b')).toEqual({ listeners: 'CLIENT://h:1,PEER://h:2', x: 'a=b' });
  });

  it('skips blank lines, # and ! comments, and whitespace before a key', () => {
    expect(parse('\n   \n# a=1\n  ! b=2\n\t c=3\n#d=4')).toEqual({ c: '3' });
  });

  it('keeps whitespace after a value and a # inside it', () => {
    expect(parse('a=x # not a comment  ')).toEqual({ a: 'x # not a comment  ' });
  });

  it('gives a key without a value the empty string', () => {
    expect(parse('a\nb=\nc:')).toEqual({ a: '', b: '', c: '' });
  });

  it('joins continued lines, dropping the next line\'s leading whitespace', () => {
    expect(parse('voters=1@h:1,\\\n    2@h:2,\\\n\t3@h:3\nnext=x')).toEqual({ voters: '1@h:1,2@h:2,3@h:3', next: 'x' });
  });

  it('continues only on an odd number of trailing backslashes', () => {
    expect(parse('a=x\\\\\nb=y')).toEqual({ a: 'x\\', b: 'y' });
    expect(parse('a=x\\\\\\\nb=y')).toEqual({ a: 'x\\b=y' });
  });

  it('does not continue a comment line', () => {
    expect(parse('# comment \\\na=1')).toEqual({ a: '1' });
  });

  it('treats a continuation line starting with # as value, not comment', () => {
    expect(parse('a=x\\\n#y')).toEqual({ a: 'x#y' });
  });

  it('drops a continuation at the end of input', () => {
    expect(parse('a=x\\')).toEqual({ a: 'x' });
  });

  it('reads escaped separators in keys and values', () => {
    expect(parse('a\\=b=c\\=d\nk\\:x:v\\:w\nsp\\ ace=1')).toEqual({ 'a=b': 'c=d', 'k:x': 'v:w', 'sp ace': '1' });
  });

  it('reads \\t \\n \\r \\f \\\\ \\uXXXX and keeps other escaped characters', () => {
    expect(parse('a=\\t\\n\\r\\f\\\\\\u00e9\\u2603\\q\\#')).toEqual({ a: '\t\n\r\f\\é☃q#' });
  });

  it('accepts CRLF, CR and LF line ends and a byte-order mark', () => {
    expect(parse('\uFEFFa=1\r\nb=2\rc=3\n')).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('reads UTF-8 text as is', () => {
    expect(parse('a=日本')).toEqual({ a: '日本' });
  });

  it('numbers each property by the line its logical line starts on', () => {
    const lines = parseProperties('# c\n\na=1\nb=x\\\n  y\nc=3').map((p) => [p.key, p.line]);
    expect(lines).toEqual([['a', 3], ['b', 4], ['c', 6]]);
  });

  it('reports a malformed \\u escape with its line', () => {
    expect(syntaxError('a=1\nb=\\u12g4')).toEqual({ line: 2, detail: 'malformed \\u escape "\\u12g4"' });
    expect(syntaxError('b=\\u12')).toEqual({ line: 1, detail: 'malformed \\u escape "\\u12"' });
  });

  it('reports a duplicate key with both lines', () => {
    expect(syntaxError('a=1\nb=2\na=3')).toEqual({ line: 3, detail: 'duplicate key "a" (first set on line 1)' });
  });
});
