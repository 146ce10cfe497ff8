import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GroupMessage, PeerFrame } from '../../src/multiraft/index.js';
import { MessageType, type Entry, type Message } from '../../src/raft/index.js';
import { decodeFrame, encodeFrame, FrameDecodeError } from '../../src/transport/index.js';

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const nodeId = fc.integer({ min: 1, max: 0xffff_ffff });
// Terms/indexes: mostly small, sometimes near 2^53 to exercise both words of a u64.
const u64 = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const data = fc.uint8Array({ maxLength: 64 });

const ALL_TYPES = Object.values(MessageType);

function entries(prevIndex: number): fc.Arbitrary<Entry[]> {
  return fc.array(fc.record({ term: u64, type: fc.constantFrom(0 as const, 1 as const), data }), { maxLength: 4 }).map((es) =>
    es.map((e, i) => ({ ...e, index: prevIndex + 1 + i })),
  );
}

const snapshot = fc.record({
  meta: fc.record({
    index: u64,
    term: u64,
    confState: fc.record({ voters: fc.array(u32, { maxLength: 5 }), learners: fc.array(u32, { maxLength: 3 }) }),
  }),
  data,
});

const message: fc.Arbitrary<Message> = fc
  .record({
    type: fc.constantFrom(...ALL_TYPES),
    from: nodeId,
    to: nodeId,
    term: u64,
    logTerm: u64,
    index: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 10 }),
    commit: u64,
    reject: fc.boolean(),
    rejectHint: u64,
    transfer: fc.boolean(),
  })
  .chain((m) =>
    fc.record({
      entries: m.type === MessageType.App ? entries(m.index) : fc.constant([]),
      snapshot: m.type === MessageType.Snap ? snapshot.map((s) => s as Message['snapshot']) : fc.constant(undefined),
    }).map(({ entries: es, snapshot: s }) => {
      const { transfer, ...rest } = m;
      return { ...rest, entries: es, ...(s ? { snapshot: s } : {}), ...(transfer ? { context: 'transfer' as const } : {}) };
    }),
  );

const groupMessage: fc.Arbitrary<GroupMessage> = fc.record({ groupId: u32, message });

const frame: fc.Arbitrary<PeerFrame> = fc.oneof(
  fc.record({ kind: fc.constant('messages' as const), messages: fc.array(groupMessage, { maxLength: 5 }) }),
  fc.record({
    kind: fc.constant('heartbeat' as const),
    heartbeat: fc.record({ groups: fc.array(fc.record({ groupId: u32, term: u64, commit: u64 }), { maxLength: 20 }) }),
  }),
  fc.record({
    kind: fc.constant('heartbeatResponse' as const),
    response: fc.record({ groups: fc.array(fc.record({ groupId: u32, term: u64 }), { maxLength: 20 }) }),
  }),
);

/** Byte arrays as hex so that Buffer views and Uint8Arrays compare by content. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  return value;
}

function expectDecodeError(bytes: Uint8Array): FrameDecodeError {
  try {
    decodeFrame(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(FrameDecodeError);
    return e as FrameDecodeError;
  }
  throw new Error('decoded a malformed frame');
}

function sampleApp(): Buffer {
  const m: Message = {
    type: MessageType.App, from: 1, to: 2, term: 3, logTerm: 2, index: 10, commit: 9, reject: false, rejectHint: 0,
    entries: [{ term: 3, index: 11, type: 0, data: new Uint8Array([1, 2, 3]) }],
  };
  return encodeFrame({ kind: 'messages', messages: [{ groupId: 7, message: m }] });
}

describe('frame codec', () => {
  it('round-trips every frame', () => {
    fc.assert(
      fc.property(frame, (f) => {
        expect(normalize(decodeFrame(encodeFrame(f)))).toEqual(normalize(f));
      }),
      { numRuns: 2000 },
    );
  });

  it('hands entry data out as views of the received buffer (no copy)', () => {
    const bytes = sampleApp();
    const f = decodeFrame(bytes);
    const data = f.kind === 'messages' ? f.messages[0]!.message.entries[0]!.data : undefined;
    expect(data && data.buffer).toBe(bytes.buffer);
    expect([...data!]).toEqual([1, 2, 3]);
  });

  it('rejects every truncation of a valid frame', () => {
    fc.assert(
      fc.property(frame, fc.nat(), (f, cut) => {
        const bytes = encodeFrame(f);
        expectDecodeError(bytes.subarray(0, cut % bytes.length));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything but FrameDecodeError on corrupted or random input', () => {
    const corrupted = fc.tuple(frame, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([f, at, x]) => {
      const bytes = Buffer.from(encodeFrame(f));
      bytes[at % bytes.length]! ^= x;
      return bytes;
    });
    fc.assert(
      fc.property(fc.oneof(corrupted, fc.uint8Array({ maxLength: 200 })), (bytes) => {
        try {
          decodeFrame(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(FrameDecodeError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects specific malformations with a reason', () => {
    const good = sampleApp();
    const patched = (at: number, bytes: number[]): Buffer => {
      const b = Buffer.from(good);
      b.set(bytes, at);
      return b;
    };
    // Layout: [0] version [1] kind [2..6) count, then the message: [6..10) group [10] type [11] flags [12..16) from [16..20) to.
    expect(expectDecodeError(patched(0, [9])).message).toMatch(/unknown frame version 9/);
    expect(expectDecodeError(patched(1, [42])).message).toMatch(/unknown frame kind 42/);
    expect(expectDecodeError(patched(2, [0xff, 0xff, 0xff, 0xff])).message).toMatch(/message count .* exceeds the frame/);
    expect(expectDecodeError(patched(10, [77])).message).toMatch(/unknown message type 77/);
    expect(expectDecodeError(patched(11, [0x80])).message).toMatch(/unknown message flags/);
    expect(expectDecodeError(patched(12, [0, 0, 0, 0])).message).toMatch(/from is node 0/);
    expect(expectDecodeError(patched(20, [0xff, 0xff, 0xff, 0xff])).message).toMatch(/beyond 2\^53/);
    expect(expectDecodeError(patched(10, [1])).message).toMatch(/AppResp message carrying entries/);
    expect(expectDecodeError(patched(10, [6])).message).toMatch(/entries|snapshot/);
    expect(expectDecodeError(Buffer.concat([good, Buffer.from([0])])).message).toMatch(/1 trailing bytes/);
    // The entry's index (right after the message's fixed part and its term) must follow the append's index.
    expect(expectDecodeError(patched(6 + 58 + 8, [0, 0, 0, 0, 0, 0, 0, 99])).message).toMatch(/entry index 99 does not follow 10/);
  });
});
