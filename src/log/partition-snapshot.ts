import { crc32c } from '@node-rs/crc32';
import { assert, type Offset } from '../core/index.js';
import { readInt64, writeInt64 } from './int64.js';
import { corrupt } from './log-errors.js';

/**
 * A partition group's Raft snapshot: all a follower needs to resume the log after the snapshot index.
 * No records travel with it: the group snapshots exactly at the retention point, so everything at or
 * below the snapshot index is deleted on every replica anyway.
 */
export interface PartitionSnapshot {
  /** The first offset consumers may read after restoring. */
  readonly logStartOffset: Offset;
  /** One past the last offset at the snapshot index: where the restored log continues. */
  readonly endOffset: Offset;
  /** Idempotent-producer state (#5 fills it); ascending producerId, no duplicates. */
  readonly producers: readonly ProducerSnapshot[];
}

export interface ProducerSnapshot {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastOffset: Offset;
}

const snapshotVersion = 1;
const At = { version: 0, logStartOffset: 1, endOffset: 9, producerCount: 17, producers: 21 } as const;
const producerBytes = 22; // producerId int64, producerEpoch int16, lastSequence int32, lastOffset int64
const crcBytes = 4;
/** Bounds what a decode may allocate from a length field. */
export const snapshotProducersMax = 1_000_000;

/** Deterministic: equal states give equal bytes (producers are written in producerId order). */
export function encodePartitionSnapshot(s: PartitionSnapshot): Uint8Array {
  assert(s.producers.length <= snapshotProducersMax, 'too many producers in a snapshot');
  assertAscending(s.producers);
  const out = new Uint8Array(At.producers + s.producers.length * producerBytes + crcBytes);
  const v = new DataView(out.buffer);
  v.setInt8(At.version, snapshotVersion);
  writeInt64(v, At.logStartOffset, s.logStartOffset);
  writeInt64(v, At.endOffset, s.endOffset);
  v.setInt32(At.producerCount, s.producers.length);
  s.producers.forEach((p, i) => writeProducer(v, At.producers + i * producerBytes, p));
  v.setUint32(out.byteLength - crcBytes, crc32c(out.subarray(0, out.byteLength - crcBytes)));
  return out;
}

function assertAscending(producers: readonly ProducerSnapshot[]): void {
  for (let i = 1; i < producers.length; i++) {
    assert(producers[i - 1]!.producerId < producers[i]!.producerId, 'snapshot producers must ascend by producerId');
  }
}

function writeProducer(v: DataView, at: number, p: ProducerSnapshot): void {
  writeInt64(v, at, p.producerId);
  v.setInt16(at + 8, p.producerEpoch);
  v.setInt32(at + 10, p.lastSequence);
  writeInt64(v, at + 14, p.lastOffset);
}

/** Throws RUNNEL_ERR_CORRUPT for anything but the exact bytes encodePartitionSnapshot writes. */
export function decodePartitionSnapshot(data: Uint8Array): PartitionSnapshot {
  const v = checkedView(data);
  const count = v.getInt32(At.producerCount);
  if (count < 0 || count > snapshotProducersMax || data.byteLength !== At.producers + count * producerBytes + crcBytes) {
    throw corrupt(`partition snapshot of ${data.byteLength} bytes cannot hold ${count} producers`);
  }
  const logStartOffset = readInt64(v, At.logStartOffset, 'logStartOffset');
  const endOffset = readInt64(v, At.endOffset, 'endOffset');
  if (logStartOffset < 0 || endOffset < 0) throw corrupt('negative offset in partition snapshot');
  const producers: ProducerSnapshot[] = [];
  for (let i = 0; i < count; i++) producers.push(readProducer(v, At.producers + i * producerBytes));
  return { logStartOffset, endOffset, producers };
}

function checkedView(data: Uint8Array): DataView {
  if (data.byteLength < At.producers + crcBytes) throw corrupt('partition snapshot too short');
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (v.getInt8(At.version) !== snapshotVersion) throw corrupt(`unknown partition snapshot version ${v.getInt8(At.version)}`);
  const crcAt = data.byteLength - crcBytes;
  if (v.getUint32(crcAt) !== crc32c(data.subarray(0, crcAt))) throw corrupt('partition snapshot CRC mismatch');
  return v;
}

function readProducer(v: DataView, at: number): ProducerSnapshot {
  return {
    producerId: readInt64(v, at, 'producerId'),
    producerEpoch: v.getInt16(at + 8),
    lastSequence: v.getInt32(at + 10),
    lastOffset: readInt64(v, at + 14, 'lastOffset'),
  };
}
