/**
 * Byte positions of the record batch header (docs/LOG.md draws it). Big-endian, as Kafka. The CRC
 * covers every byte after itself, so the only unprotected byte is the magic, and a damaged magic is
 * caught because no other version exists.
 */
export const batchMagic = 1;

export const At = {
  magic: 0, // int8
  crc: 1, // uint32, CRC-32C of bytes [crcStart, batchLength)
  batchLength: 5, // int32, the whole batch in bytes
  baseOffset: 9, // int64, stamped by the leader
  recordCount: 17, // int32 >= 1: the batch holds offsets [baseOffset, baseOffset + recordCount)
  attributes: 21, // int16, bits 0-2 compression (0 = none, the only one so far), others reserved
  leaderEpoch: 23, // int32, the appending leader's Raft term, stamped by the leader
  baseTimestamp: 27, // int64, CreateTime of the first record
  maxTimestamp: 35, // int64, greatest CreateTime in the batch
  appendTimeMs: 43, // int64, stamped by the leader; non-decreasing along the partition
  producerId: 51, // int64, -1 without idempotence
  producerEpoch: 59, // int16, -1 without idempotence
  baseSequence: 61, // int32, -1 without idempotence
  records: 65,
} as const;

export const crcStart = At.batchLength;
export const batchHeaderBytes = At.records;

/** Unset producer fields and unstamped leader fields, as in Kafka. */
export const noProducerId = -1;
export const noProducerEpoch = -1;
export const noSequence = -1;
export const noLeaderEpoch = -1;
export const noTimestamp = -1;

/** Smallest possible record: length, attributes, timestamp delta, offset delta, key, value, headers. */
export const recordBytesMin = 7;

export const compressionMask = 0x07;
