import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunnelError } from '../../src/core/index.js';
import { type MetadataImage, applyRecord, decodeImage, emptyImage, encodeImage, imageProblem } from '../../src/metadata/index.js';
import { cluster, createTopic, expectThrowsCode, logArb, replay } from './helpers.js';

describe('metadata image snapshots', () => {
  it('keeps every image invariant after every record of a random log', () => {
    fc.assert(
      fc.property(logArb, (log) => {
        let image = emptyImage;
        for (const e of log) {
          image = applyRecord(image, e.record, e.index).image;
          expect(imageProblem(image)).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips exactly: decode(encode(image)) equals the image and encodes to the same bytes', () => {
    fc.assert(
      fc.property(logArb, (log) => {
        const image = replay(emptyImage, log);
        const bytes = encodeImage(image);
        const back = decodeImage(bytes);
        expect(back).toEqual(image);
        expect(encodeImage(back)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('rebuilds the same image from a snapshot at any k plus the records after it as from the whole log', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), (log, cut) => {
        const k = cut % (log.length + 1);
        const whole = replay(emptyImage, log);
        const restored = replay(decodeImage(encodeImage(replay(emptyImage, log.slice(0, k)))), log.slice(k));
        expect(encodeImage(restored)).toEqual(encodeImage(whole));
        expect(restored).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('gives equal bytes for equal images built in different orders', () => {
    const a = createTopic(createTopic(cluster(3), 'x', 1, 1, 1), 'y', 1, 1, 2);
    const b = createTopic(createTopic(cluster(3), 'y', 1, 1, 2), 'x', 1, 1, 1);
    // Same topics, other creation order: group ids differ, so the images differ...
    expect(encodeImage(a)).not.toEqual(encodeImage(b));
    // ...but the same image reached through other map insertion orders encodes the same.
    const shuffled: MetadataImage = { ...a, nodes: new Map([...a.nodes].reverse()), topics: new Map([...a.topics].reverse()) };
    expect(encodeImage(shuffled)).toEqual(encodeImage(a));
  });

  it('rejects a snapshot of an unknown version, truncated, with trailing bytes, or out of order', () => {
    const bytes = encodeImage(createTopic(cluster(3), 'orders', 2, 2));
    expect(() => decodeImage(Uint8Array.from(bytes, (b, i) => (i === 0 ? 9 : b)))).toThrow(/unsupported version 9/);
    for (let n = 0; n < bytes.length; n++) expectThrowsCode(() => decodeImage(bytes.subarray(0, n)), 'RUNNEL_ERR_CORRUPT');
    expectThrowsCode(() => decodeImage(new Uint8Array([...bytes, 0])), 'RUNNEL_ERR_CORRUPT');
    const twoNodes = encodeImage(cluster(2));
    const nodeAt = 1 + 8 + 8 + 4; // version, appliedIndex, nextGroupId, node count
    const swapped = new Uint8Array(twoNodes);
    swapped[nodeAt + 3] = 2; // first node claims id 2, then node 2 again
    expect(() => decodeImage(swapped)).toThrow(/nodes out of order/);
  });

  it('rejects a well-formed snapshot that breaks an image invariant', () => {
    const image = createTopic(cluster(3), 'orders', 1, 3);
    const orphaned: MetadataImage = { ...image, nodes: new Map([...image.nodes].slice(1)) };
    expect(() => decodeImage(encodeImage(orphaned))).toThrow(/a replica is not a registered node/);
    const reused: MetadataImage = { ...image, nextGroupId: 1 };
    expect(() => decodeImage(encodeImage(reused))).toThrow(/group id 1 not below the next 1/);
  });

  it('decodes a damaged snapshot to a sound image or fails as corrupt, never anything else', () => {
    const bytes = encodeImage(createTopic(createTopic(cluster(3), 'orders', 3, 2), 'pay', 2, 3));
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const damaged = Uint8Array.from(bytes, (b, i) => (i === at ? b ^ flip : b));
        try {
          const image = decodeImage(damaged);
          expect(imageProblem(image)).toBeUndefined();
          expect(encodeImage(image)).toEqual(damaged);
        } catch (err) {
          expect(err).toBeInstanceOf(RunnelError);
          expect((err as RunnelError).code).toBe('RUNNEL_ERR_CORRUPT');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
