// Record batch codec speed: `npx tsx scripts/log-codec-bench.ts [records] [valueBytes] [iterations]`.
import { decodeBatch, encodeBatch, stampBatch, validateBatch, type RecordInput } from '../src/log/index.js';

const recordCount = Number(process.argv[2] ?? 1000);
const valueBytes = Number(process.argv[3] ?? 100);
const iterations = Number(process.argv[4] ?? 2000);

const records: RecordInput[] = Array.from({ length: recordCount }, (_, i) => ({
  key: new TextEncoder().encode(`key-${i}`),
  value: new Uint8Array(valueBytes).fill(i & 0xff),
  timestampMs: 1_700_000_000_000 + i,
}));

function time(label: string, fn: () => unknown): void {
  for (let i = 0; i < iterations / 4; i++) fn(); // warm up the JIT
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const perBatchUs = Number(process.hrtime.bigint() - start) / 1000 / iterations;
  const recordsPerS = (recordCount / perBatchUs) * 1e6;
  console.log(`${label.padEnd(34)} ${perBatchUs.toFixed(1).padStart(8)} us/batch ${(recordsPerS / 1e6).toFixed(2).padStart(7)} M records/s`);
}

const encoded = encodeBatch({ records });
console.log(`${recordCount} records x ${valueBytes}-byte values, batch of ${encoded.byteLength} bytes, ${iterations} iterations`);
time('encodeBatch', () => encodeBatch({ records }));
time('decodeBatch (CRC + parse)', () => decodeBatch(encoded));
time('decodeBatch + read every value', () => {
  const b = decodeBatch(encoded);
  let n = 0;
  for (let i = 0; i < b.recordCount; i++) n += b.value(i).byteLength + (b.key(i)?.byteLength ?? 0);
  return n;
});
time('validateBatch (leader, all bounds)', () => validateBatch(encoded));
time('stampBatch (2 CRC passes)', () => stampBatch(encoded, { baseOffset: 42, appendTimeMs: 1_700_000_000_000, leaderEpoch: 3 }));
