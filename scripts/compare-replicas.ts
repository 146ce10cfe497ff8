/**
 * `npx tsx scripts/compare-replicas.ts 1=DIR 2=DIR 3=DIR`: reads the Raft logs of stopped nodes from
 * their data directories (log.dirs) and checks that every group's committed entries are
 * byte-identical on every replica that holds it, and that every replica of a partition stores all
 * of its committed data. Prints one line per group; exit 0 when all agree, 1 otherwise.
 * scripts/three-hosts-test.sh uses it to show that a host cut off and restored has caught up.
 */
import { compareNodes, readNodeLogs, type StoredGroup } from '../test/e2e/harness/offline-logs.js';

async function main(args: readonly string[]): Promise<number> {
  if (args.length === 0 || args.some((a) => !/^\d+=.+/.test(a))) {
    console.error('usage: compare-replicas.ts NODE_ID=DATA_DIR ...');
    return 2;
  }
  const logs = new Map<number, Map<number, StoredGroup>>();
  for (const a of args) {
    const eq = a.indexOf('=');
    logs.set(Number(a.slice(0, eq)), await readNodeLogs(a.slice(eq + 1)));
  }
  let problems = 0;
  for (const g of compareNodes(logs)) {
    const holders = [...logs].filter(([, groups]) => groups.has(g.groupId)).map(([id]) => id);
    console.log(`group ${g.groupId}: commit ${g.clusterCommit}, entries ${g.lo}..${g.hi} compared on nodes ${holders.join(',')}${g.groupId > 0 ? `, ${g.records.length} records` : ''}${g.problems.length > 0 ? `: ${g.problems.length} problem(s)` : ': identical'}`);
    for (const p of g.problems) console.log(`  ${p}`);
    problems += g.problems.length;
  }
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`compare-replicas: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  },
);
