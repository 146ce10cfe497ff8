import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryType } from '../../src/raft/index.js';
import { CorruptionError } from '../../src/storage/corruption-error.js';
import { decodeEntryData, decodeEntryIndex, encodeEntryData, encodeEntryIndex } from '../../src/storage/entry-codec.js';
import {
  dataKey,
  dataKeyEndOffset,
  dataKeyIndex,
  groupKey,
  groupRange,
  indexedKey,
  indexedKeyIndex,
  KeyKind,
  readU64,
  writeU64,
} from '../../src/storage/keys.js';

const u64 = fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1));
const group = fc.oneof(fc.nat({ max: 10 }), fc.constantFrom(0, 255, 256, 2 ** 32 - 1));

function cmp(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

describe('storage keys', () => {
  it('u64 round-trips across the safe integer range', () => {
    fc.assert(
      fc.property(u64, (n) => {
        const b = Buffer.alloc(8);
        writeU64(b, 0, n);
        expect(readU64(b, 0)).toBe(n);
      }),
    );
  });

  it('data keys sort like (group, endOffset, index) tuples', () => {
    fc.assert(
      fc.property(fc.tuple(group, u64, u64), fc.tuple(group, u64, u64), (a, b) => {
        const ka = dataKey(a[0], a[1], a[2]);
        const kb = dataKey(b[0], b[1], b[2]);
        expect(Math.sign(Buffer.compare(ka, kb))).toBe(cmp(a, b));
        expect([dataKeyEndOffset(ka), dataKeyIndex(ka)]).toEqual([a[1], a[2]]);
      }),
      { numRuns: 2000 },
    );
  });

  it('indexed keys sort like (kind, group, index) and stay inside their group range', () => {
    const kind = fc.constantFrom(KeyKind.TermStart, KeyKind.Conf, KeyKind.EntryIndex);
    fc.assert(
      fc.property(fc.tuple(kind, group, u64), fc.tuple(kind, group, u64), (a, b) => {
        const ka = indexedKey(a[0], a[1], a[2]);
        const kb = indexedKey(b[0], b[1], b[2]);
        expect(Math.sign(Buffer.compare(ka, kb))).toBe(cmp(a, b));
        expect(indexedKeyIndex(ka)).toBe(a[2]);
        const r = groupRange(a[0], a[1]);
        expect(Buffer.compare(r.gte, ka)).toBeLessThanOrEqual(0);
        expect(Buffer.compare(ka, r.lt)).toBeLessThan(0);
        // Another group's (or kind's) keys are outside the range.
        if (b[0] !== a[0] || b[1] !== a[1]) {
          expect(Buffer.compare(kb, r.gte) < 0 || Buffer.compare(kb, r.lt) >= 0).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('group keys of one kind sort by group', () => {
    fc.assert(
      fc.property(group, group, (a, b) => {
        expect(Math.sign(Buffer.compare(groupKey(KeyKind.HardState, a), groupKey(KeyKind.HardState, b)))).toBe(Math.sign(a - b));
      }),
    );
  });

  it('entry records round-trip and a flipped bit anywhere is a CorruptionError', () => {
    fc.assert(
      fc.property(
        fc.record({
          index: fc.integer({ min: 1, max: 2 ** 40 }),
          term: fc.integer({ min: 1, max: 2 ** 40 }),
          endOffset: u64,
          recordCount: fc.nat({ max: 5000 }),
          appendTimeMs: u64,
          bytesBefore: u64,
          data: fc.uint8Array({ maxLength: 64 }),
          conf: fc.boolean(),
        }),
        fc.nat(),
        (r, flip) => {
          const entry = { index: r.index, term: r.term, type: r.conf ? EntryType.ConfChange : EntryType.Normal, data: r.data };
          const planned = {
            index: r.index,
            term: r.term,
            type: entry.type,
            hasRecords: r.recordCount > 0,
            recordCount: r.recordCount,
            endOffset: r.endOffset,
            appendTimeMs: r.appendTimeMs,
            bytesBefore: r.bytesBefore,
            bytes: r.data.byteLength,
          };
          const d = encodeEntryData(7, entry, planned);
          const back = decodeEntryData(7, d.key, d.value);
          expect(back.loc).toEqual(d.loc);
          expect(Buffer.from(back.entry.data)).toEqual(Buffer.from(r.data));
          const ix = encodeEntryIndex(7, d.loc);
          expect(decodeEntryIndex(7, ix.key, ix.value)).toEqual(d.loc);

          const bad = Buffer.from(d.value);
          const at = flip % bad.byteLength;
          bad[at] = bad[at]! ^ (1 << flip % 8);
          expect(() => decodeEntryData(7, d.key, bad)).toThrow(CorruptionError);
          // The same value under another key (another group) fails too.
          expect(() => decodeEntryData(8, dataKey(8, r.endOffset, r.index), d.value)).toThrow(CorruptionError);
        },
      ),
      { numRuns: 500 },
    );
  });
});
