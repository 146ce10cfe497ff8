import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry, Snapshot } from '../../src/raft/index.js';
import type { EntryRecords, OpenGroupOptions } from '../../src/multiraft/group-storage.js';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `runnel-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Test record batches: a Normal entry with data describes its own records in an 9-byte header,
 * [baseOffset u32][recordCount u8][appendTimeMs u32], then payload. Empty data = a control entry.
 */
export const TEST_BATCH_HEADER_BYTES = 9;

export function batchData(baseOffset: number, recordCount: number, appendTimeMs: number, payload: Uint8Array): Uint8Array {
  const b = Buffer.alloc(TEST_BATCH_HEADER_BYTES + payload.byteLength);
  b.writeUInt32BE(baseOffset, 0);
  b.writeUInt8(recordCount, 4);
  b.writeUInt32BE(appendTimeMs, 5);
  b.set(payload, TEST_BATCH_HEADER_BYTES);
  return b;
}

export function describeTestEntry(e: Entry): EntryRecords | undefined {
  if (e.type !== 0 || e.data.byteLength === 0) return undefined;
  const b = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
  return { baseOffset: b.readUInt32BE(0), recordCount: b.readUInt8(4), appendTimeMs: b.readUInt32BE(5) };
}

/** A partition snapshot for tests: [endOffset u32] then anything. */
export function snapshotEndOffsetOf(s: Snapshot): number {
  return s.data.byteLength >= 4 ? Buffer.from(s.data.buffer, s.data.byteOffset, 4).readUInt32BE(0) : 0;
}

export const PARTITION_OPTIONS: OpenGroupOptions = {
  describeEntry: describeTestEntry,
  snapshotEndOffset: snapshotEndOffsetOf,
};

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
