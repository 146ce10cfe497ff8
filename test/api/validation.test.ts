import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunnelError } from '../../src/core/index.js';
import { isValidTopicName, requireSafeInt64, topicNameProblem, validateTopicName } from '../../src/api/index.js';

/** Kafka's Topic.validate, transcribed character by character as an independent oracle. */
function kafkaAccepts(name: string): boolean {
  if (name.length === 0 || name === '.' || name === '..' || name.length > 249) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok =
      (c >= 97 && c <= 122) || // a-z
      (c >= 65 && c <= 90) || // A-Z
      (c >= 48 && c <= 57) || // 0-9
      c === 46 || // .
      c === 95 || // _
      c === 45; // -
    if (!ok) return false;
  }
  return true;
}

const legalChar = fc.constantFrom(...'abcxyzABCXYZ0189._-');
const anyChar = fc.oneof(legalChar, fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }));
const legalName = fc.string({ unit: legalChar, minLength: 1, maxLength: 249 }).filter((s) => s !== '.' && s !== '..');

describe('topic names (Kafka\'s rules)', () => {
  it('accepts and rejects exactly as Kafka does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: anyChar, maxLength: 260 }), fc.string({ unit: legalChar, minLength: 240, maxLength: 260 })), (name) => {
        expect(isValidTopicName(name)).toBe(kafkaAccepts(name));
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts every name of 1..249 legal characters but "." and ".."', () => {
    fc.assert(fc.property(legalName, (name) => {
      expect(topicNameProblem(name)).toBeUndefined();
    }));
  });

  it('rejects a legal name with one illegal character inserted', () => {
    const illegal = fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }).filter((c) => !/^[a-zA-Z0-9._-]$/.test(c));
    fc.assert(
      fc.property(fc.string({ unit: legalChar, maxLength: 100 }), illegal, fc.nat(), (base, c, at) => {
        const i = at % (base.length + 1);
        expect(isValidTopicName(base.slice(0, i) + c + base.slice(i))).toBe(false);
      }),
    );
  });

  it('explains each kind of rejection', () => {
    expect(topicNameProblem('')).toBe('the name is empty');
    expect(topicNameProblem('.')).toBe('the name cannot be "." or ".."');
    expect(topicNameProblem('..')).toBe('the name cannot be "." or ".."');
    expect(topicNameProblem('a'.repeat(250))).toBe('the name is 250 characters, more than 249');
    expect(topicNameProblem('my topic')).toBe("the name may hold only ASCII letters, digits, '.', '_' and '-'");
    expect(topicNameProblem('café')).toBe("the name may hold only ASCII letters, digits, '.', '_' and '-'");
  });

  it('takes the edge cases Kafka takes', () => {
    for (const ok of ['a', '...', '-', '_', '__consumer_offsets', 'a.b_c-D9', 'a'.repeat(249)]) expect(isValidTopicName(ok), ok).toBe(true);
    for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'a:b', 'a\nb', 'a'.repeat(250), 'ｔｏｐｉｃ']) expect(isValidTopicName(bad), bad).toBe(false);
  });

  it('throws a definite INVALID_TOPIC naming the name and the problem', () => {
    try {
      validateTopicName('a b');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RunnelError);
      const e = err as RunnelError;
      expect(e.code).toBe('RUNNEL_ERR_INVALID_TOPIC');
      expect(e.definite).toBe(true);
      expect(e.message).toBe(`invalid topic name "a b": the name may hold only ASCII letters, digits, '.', '_' and '-'`);
    }
    expect(() => validateTopicName('orders')).not.toThrow();
  });
});

describe('int64 fields as numbers', () => {
  it('passes exact integers and refuses anything beyond 2^53 - 1', () => {
    expect(requireSafeInt64(0, 'offset')).toBe(0);
    expect(requireSafeInt64(-1, 'offset')).toBe(-1);
    expect(requireSafeInt64(Number.MAX_SAFE_INTEGER, 'offset')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => requireSafeInt64(2 ** 53, 'fetch_offset')).toThrow('invalid request: fetch_offset 9007199254740992 is outside -(2^53 - 1)..2^53 - 1');
    expect(() => requireSafeInt64(-(2 ** 63), 'offset')).toThrow(RunnelError);
    expect(() => requireSafeInt64(1.5, 'offset')).toThrow(RunnelError);
  });
});
