// Module boundaries from DESIGN.md ("Modules and the direction of imports"), enforced in `npm run lint`.
/** @type {import('dependency-cruiser').IConfiguration} */
// `packages`: may the module also use npm packages (a checksum library, say)? The Raft core may not:
// it stays free of anything that could do I/O.
const only = (from, allowed, packages = false) => ({
  name: `${from}-imports-only-${allowed.join('-') || 'nothing'}`,
  severity: 'error',
  comment: `src/${from} may import only ${allowed.length ? allowed.map((m) => 'src/' + m).join(', ') : 'nothing outside itself'}`,
  from: { path: `^src/${from}/` },
  to: { pathNot: [`^src/${from}/`, ...allowed.map((m) => `^src/${m}/`), ...(packages ? ['node_modules'] : [])] },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    only('core', []),
    only('raft', ['core']),
    only('log', ['core'], true),
    only('metadata', ['core'], true),
    only('multiraft', ['core', 'raft']),
    // storage implements multiraft's GroupStorage and the partition log's PartitionStore (LevelDB, CRC32C).
    only('storage', ['core', 'raft', 'multiraft', 'log'], true),
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
