/**
 * How produce latency is recorded: in µs, from 1 µs to 1 h, 3 significant digits, in an HDR
 * histogram (hdr-histogram-js). producer-perf-test and the benchmark's JetStream client
 * (scripts/bench/jetstream-client.ts) both use it, so the two systems are measured alike.
 */
export const latencyHistogramOptions = { lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 } as const;
