// Module boundaries from DESIGN.md ("Modules and the direction of imports"), enforced in `npm run lint`.
/** @type {import('dependency-cruiser').IConfiguration} */
// `packages`: may the module also use npm packages (a checksum library, say)? The Raft core may not:
// it stays free of anything that could do I/O. `builtins`: may it use Node's own modules (node:fs)?
const only = (from, allowed, packages = false, builtins = false) => ({
  name: `${from}-imports-only-${allowed.join('-') || 'nothing'}`,
  severity: 'error',
  comment: `src/${from} may import only ${allowed.length ? allowed.map((m) => 'src/' + m).join(', ') : 'nothing outside itself'}`,
  from: { path: `^src/${from}/` },
  to: {
    pathNot: [`^src/${from}/`, ...allowed.map((m) => `^src/${m}/`), ...(packages ? ['node_modules'] : [])],
    ...(builtins ? { dependencyTypesNot: ['core'] } : {}),
  },
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
    // transport implements multiraft's Transport over grpc-js.
    only('transport', ['core', 'raft', 'multiraft'], true),
    // config reads server.properties (node:fs) and validates it (zod); it knows no other module.
    only('config', ['core'], true, true),
    // broker wires groups, partition logs and metadata over multiraft's interfaces; concrete LevelDB,
    // gRPC and pino objects are built in src/cli and come in through BrokerOptions. Packages: zod,
    // to validate the consumer-group commands it reads back from its own Raft logs.
    only('broker', ['core', 'raft', 'log', 'metadata', 'multiraft'], true),
    // api: thin gRPC services over the broker; loads proto/ at run time (node:fs, grpc-js, protobufjs).
    only('api', ['core', 'broker'], true, true),
    // client library: core, api's proto types, log's record-batch codec (the wire format of the fast
    // produce and fetch paths) and npm packages; no Node builtins.
    only('client', ['core', 'api', 'log'], true),
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
