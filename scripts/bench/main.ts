/**
 * Benchmarks: `npm run bench -- <name> [options]`.
 *
 *   npm run bench -- storage [--groups 8] [--seconds 5] [--record-bytes 100] [--batch-records 1000] [--no-fsync]
 */
const benches: Record<string, () => Promise<{ main(argv: string[]): Promise<void> }>> = {
  storage: () => import('./storage.js'),
};

const [name, ...rest] = process.argv.slice(2);
const load = name === undefined ? undefined : benches[name];
if (!load) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]\n`);
  process.exit(2);
}
await (await load()).main(rest);
