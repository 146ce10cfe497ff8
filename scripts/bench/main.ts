/**
 * Benchmarks: `npm run bench -- <name> [options]`.
 *
 *   npm run bench -- storage [--groups 8] [--seconds 5] [--record-bytes 100] [--batch-records 1000] [--no-fsync]
 *   npm run bench -- multiraft [--groups 21] [--seconds 5] [--concurrency 1000] [--value-bytes 100] [--wait committed|persisted] [--no-fsync]
 *   npm run bench -- compare [--records 1000000] [--record-bytes 100] [--partitions 3] [--batch-size 1000000] [--linger-ms 5] [--latency-seconds 10] [--skip-jetstream] [--json FILE]
 */
const benches: Record<string, () => Promise<{ main(argv: string[]): Promise<void> }>> = {
  storage: () => import('./storage.js'),
  multiraft: () => import('./multiraft.js'),
  compare: () => import('./compare.js'),
};

const [name, ...rest] = process.argv.slice(2);
const load = name === undefined ? undefined : benches[name];
if (!load) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]\n`);
  process.exit(2);
}
await (await load()).main(rest);
