/**
 * `npm run chaos -- --nodes 3|5 --duration 60s --seed N --faults kill,pause,partition,restart,leader-kill,membership,lose-unsynced`
 *
 * Runs one chaos run (test/chaos/run.ts) against real node processes and prints the checker's
 * summary. Exit status: 0 no anomaly, 1 anomalies, 2 the run could not be carried out. With network
 * namespaces (the default, needed for partitions) it re-executes itself under
 * `unshare --net --mount`, so every namespace, link and address it creates is private to the run
 * and disappears with it. docs/CHAOS.md describes the faults and the report.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDistBuilt } from '../test/e2e/harness/dist.js';
import { defaultTiming, faultKinds, type FaultKind, type NemesisTiming } from '../test/chaos/nemesis.js';
import { netnsAvailable } from '../test/chaos/netns.js';
import { defaultChaosOptions, runChaos, type ChaosOptions } from '../test/chaos/run.js';

const insideEnv = 'RUNNEL_CHAOS_NETNS';
/** The whole run, including the re-executed child, at most this long past twice its duration (see --faults-min). */
const runOverheadMsMax = 10 * 60_000;

function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`bad duration ${text} (e.g. 60s, 10m, 1h)`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

function parseFaults(text: string): FaultKind[] {
  const kinds = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const k of kinds) if (!(faultKinds as readonly string[]).includes(k)) throw new Error(`unknown fault ${k}; known: ${faultKinds.join(',')}`);
  return kinds as FaultKind[];
}

/** "LO-HI" in ms. */
function parseRange(text: string, what: string): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  if (!m || Number(m[1]) > Number(m[2])) throw new Error(`bad ${what} ${text} (e.g. 800-2500)`);
  return [Number(m[1]), Number(m[2])];
}

function timing(hold: string | undefined, gap: string | undefined): NemesisTiming {
  const [holdMinMs, holdMaxMs] = hold !== undefined ? parseRange(hold, '--hold-ms') : [defaultTiming.holdMinMs, defaultTiming.holdMaxMs];
  const [gapMinMs, gapMaxMs] = gap !== undefined ? parseRange(gap, '--gap-ms') : [defaultTiming.gapMinMs, defaultTiming.gapMaxMs];
  return { ...defaultTiming, holdMinMs, holdMaxMs, gapMinMs, gapMaxMs };
}

/** `--node-config k=v` (repeatable): extra server.properties keys for every node. */
function parseNodeConfig(pairs: readonly string[]): Record<string, string> {
  const config: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`bad --node-config ${pair} (expected key=value)`);
    config[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return config;
}

function usage(): string {
  return `usage: npm run chaos -- [--nodes 3|5] [--duration 60s] [--faults-min N] [--seed N] [--faults ${faultKinds.join(',')}]
       [--network netns|ports] [--partitions N] [--group-members N]
       [--hold-ms 800-2500] [--gap-ms 200-800] [--node-main PATH] [--node-config k=v ...]
       [--out DIR] [--keep] [--json]`;
}

function options(argv: string[]): { options: ChaosOptions; json: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      duration: { type: 'string' },
      'faults-min': { type: 'string' },
      seed: { type: 'string' },
      faults: { type: 'string' },
      network: { type: 'string' },
      partitions: { type: 'string' },
      'group-members': { type: 'string' },
      'hold-ms': { type: 'string' },
      'node-main': { type: 'string' },
      'node-config': { type: 'string', multiple: true },
      'gap-ms': { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) throw new Error(usage());
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 1_000_000);
  const nodes = Number(values.nodes ?? defaultChaosOptions.nodes);
  const faults = values.faults !== undefined ? parseFaults(values.faults) : [...defaultChaosOptions.faults];
  const network = (values.network ?? (faults.includes('partition') ? 'netns' : 'ports')) as ChaosOptions['network'];
  if (!Number.isInteger(seed) || !Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new Error(`bad --seed or --nodes\n${usage()}`);
  if (!Number.isInteger(Number(values['faults-min'] ?? 0)) || Number(values['faults-min'] ?? 0) < 0) throw new Error(`bad --faults-min\n${usage()}`);
  if (network !== 'netns' && network !== 'ports') throw new Error(`--network is netns or ports\n${usage()}`);
  if (network === 'ports' && faults.includes('partition')) throw new Error('partitions need --network netns (one network namespace per node)');
  return {
    json: values.json === true,
    options: {
      ...defaultChaosOptions,
      nodes,
      seed,
      faults,
      network,
      durationMs: parseDuration(values.duration ?? '60s'),
      faultsMin: Number(values['faults-min'] ?? 0),
      partitions: Number(values.partitions ?? defaultChaosOptions.partitions),
      groupMembers: Number(values['group-members'] ?? defaultChaosOptions.groupMembers),
      timing: timing(values['hold-ms'], values['gap-ms']),
      nodeMain: values['node-main'],
      nodeConfig: parseNodeConfig(values['node-config'] ?? []),
      keep: values.keep === true,
      outDir: values.out ?? join(tmpdir(), `runnel-chaos-${seed}-${Date.now().toString(36)}`),
      log: (line) => console.error(line),
    },
  };
}

/** Runs this script again inside a private network and mount namespace; returns its exit status. */
function reexecInNamespace(durationMs: number): number {
  const why = netnsAvailable();
  if (why) {
    console.error(`chaos: network namespaces are not available (${why}); run as root on Linux, or use --network ports without partition`);
    return 2;
  }
  const setup = 'ip link set lo up && mkdir -p /run/netns && mount -t tmpfs -o size=1m runnel-chaos /run/netns && exec "$0" "$@"';
  const args = ['--net', '--mount', '--propagation', 'private', 'sh', '-c', setup, process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  const r = spawnSync('unshare', args, { stdio: 'inherit', env: { ...process.env, [insideEnv]: '1' }, timeout: 2 * durationMs + runOverheadMsMax });
  if (r.error) console.error(`chaos: ${r.error.message}`);
  return r.status ?? 2;
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof options>;
  try {
    parsed = options(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return 2;
  }
  const { options: o, json } = parsed;
  const buildError = ensureDistBuilt();
  if (buildError) {
    console.error(buildError);
    return 2;
  }
  if (o.network === 'netns' && process.env[insideEnv] !== '1') return reexecInNamespace(o.durationMs);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130)); // the harness kills its nodes on exit
  const result = await runChaos(o);
  console.log(result.summary);
  if (result.clusterDir) console.log(`cluster files (configs, node logs, data) kept in ${result.clusterDir}`);
  if (json) console.log(JSON.stringify(result.report));
  return result.report.anomalyTotal === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`chaos: the run failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(2);
  },
);
