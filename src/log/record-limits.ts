/**
 * Bounds on what one record batch may hold. A batch is one Raft entry and one LevelDB value, so these
 * bound the entry size, the memory a decode allocates and what a produce request can push at a leader.
 * Encoding and append-time validation enforce them; decoding stored data does not (a limit lowered
 * later must not make old data unreadable), it only checks the batch is self-consistent.
 */

/** Whole encoded batch, header included (Kafka's `message.max.bytes` default is about 1 MiB too). */
export const batchBytesMax = 1_048_576;
/** Records in one batch. */
export const batchRecordsMax = 65_536;
/** One record's key. */
export const keyBytesMax = 65_536;
/** One record's value: room for the batch header, a small key and headers within batchBytesMax. */
export const valueBytesMax = 1_000_000;
/** Headers on one record. */
export const headersPerRecordMax = 64;
/** One header key, UTF-8 encoded. */
export const headerKeyBytesMax = 1_024;
/** One header value. */
export const headerValueBytesMax = 65_536;
/**
 * Record and append timestamps, in ms since the epoch (year 10889). Bounded below 2^53 so that a
 * zigzag-encoded difference of two timestamps is still an exact JavaScript number.
 */
export const timestampMsMax = 2 ** 48 - 1;
/** Offsets and producer ids: exact JavaScript integers (int64 on the wire). */
export const int64SafeMax = Number.MAX_SAFE_INTEGER;
