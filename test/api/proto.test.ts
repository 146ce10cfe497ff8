import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { loadGrpcObject, loadPackageDefinition, protoDir, protoFiles } from '../../src/api/index.js';
import { staleGeneratedFiles } from '../../scripts/gen-proto-types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The contract parsed with every comment kept (`//` included), for the documentation checks. */
function documentedRoot(): protobuf.Root {
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => join(protoDir, target);
  r.loadSync([...protoFiles], { keepCase: false, alternateCommentMode: true });
  return r;
}

function runnelNamespace(): protobuf.Namespace {
  return documentedRoot().lookup('runnel.v1') as protobuf.Namespace;
}

function all<T>(ns: protobuf.NamespaceBase, type: new (...args: never[]) => T): T[] {
  return ns.nestedArray.flatMap((n) => [
    ...(n instanceof type ? [n as T] : []),
    ...(n instanceof protobuf.Namespace ? all(n, type) : []),
  ]);
}

const services: Record<string, string[]> = {
  'runnel.v1.ProduceService': ['Produce', 'ProduceStream', 'InitProducerId'],
  'runnel.v1.FetchService': ['Fetch', 'FetchStream', 'ListOffsets'],
  'runnel.v1.MetadataService': ['Metadata'],
  'runnel.v1.AdminService': [
    'CreateTopics',
    'CreatePartitions',
    'DeleteTopics',
    'DescribeTopics',
    'DescribeCluster',
    'DescribeConfigs',
    'AlterConfigs',
    'ReassignPartitions',
    'ListPartitionReassignments',
  ],
  'runnel.v1.GroupService': ['FindCoordinator', 'ConsumerGroupHeartbeat', 'OffsetCommit', 'OffsetFetch', 'ListGroups', 'DescribeGroups', 'DeleteGroups'],
  'grpc.health.v1.Health': ['Check', 'Watch'],
};

describe('the .proto contract', () => {
  it('resolves proto/ at the package root', () => {
    expect(protoDir.replace(/\/$/, '')).toBe(join(root, 'proto'));
    for (const f of protoFiles) expect(existsSync(join(protoDir, f))).toBe(true);
  });

  it('loads with @grpc/proto-loader and has every service and method', () => {
    const def = loadPackageDefinition();
    for (const [service, methods] of Object.entries(services)) {
      const s = def[service] as Record<string, { path: string }>;
      expect(Object.keys(s).sort()).toEqual([...methods].sort());
      for (const m of methods) expect(s[m]!.path).toBe(`/${service}/${m}`);
    }
  });

  it('gives grpc-js clients and service definitions', () => {
    const { runnel, grpc } = loadGrpcObject();
    expect(typeof runnel.v1.ProduceService).toBe('function');
    expect(Object.keys(runnel.v1.AdminService.service)).toHaveLength(services['runnel.v1.AdminService']!.length);
    expect(Object.keys(grpc.health.v1.Health.service).sort()).toEqual(['Check', 'Watch']);
  });

  it('streams where the design says', () => {
    const def = loadPackageDefinition();
    const shape = (s: string, m: string) => {
      const d = (def[s] as Record<string, { requestStream: boolean; responseStream: boolean }>)[m]!;
      return [d.requestStream, d.responseStream];
    };
    expect(shape('runnel.v1.ProduceService', 'Produce')).toEqual([false, false]);
    expect(shape('runnel.v1.ProduceService', 'ProduceStream')).toEqual([true, true]);
    expect(shape('runnel.v1.FetchService', 'Fetch')).toEqual([false, false]);
    expect(shape('runnel.v1.FetchService', 'FetchStream')).toEqual([false, true]);
    expect(shape('grpc.health.v1.Health', 'Watch')).toEqual([false, true]);
  });

  it('has one request and one response message per RPC, named after it', () => {
    const seen = new Set<string>();
    for (const service of all(runnelNamespace(), protobuf.Service)) {
      for (const m of service.methodsArray) {
        expect(m.requestType).toBe(`${m.name}Request`);
        expect(m.responseType).toBe(`${m.name}Response`);
        for (const t of [m.requestType, m.responseType]) {
          expect(seen.has(t)).toBe(false);
          seen.add(t);
        }
      }
    }
    const runnelMethods = Object.entries(services).filter(([s]) => s.startsWith('runnel.')).flatMap(([, methods]) => methods);
    expect(seen.size).toBe(2 * runnelMethods.length);
  });

  it('starts every enum at *_UNSPECIFIED = 0', () => {
    for (const e of all(runnelNamespace(), protobuf.Enum)) {
      const prefix = e.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
      expect(e.valuesById[0], e.fullName).toBe(`${prefix}_UNSPECIFIED`);
      for (const name of Object.keys(e.values)) expect(name.startsWith(`${prefix}_`), `${e.fullName}.${name}`).toBe(true);
    }
  });

  it('documents every service, method, message, field, enum and enum value', () => {
    const missing: string[] = [];
    const need = (what: string, comment: string | null | undefined) => {
      if (!comment || comment.trim() === '') missing.push(what);
    };
    const ns = runnelNamespace();
    for (const s of all(ns, protobuf.Service)) {
      need(s.fullName, s.comment);
      for (const m of s.methodsArray) need(`${s.fullName}.${m.name}`, m.comment);
    }
    for (const t of all(ns, protobuf.Type)) {
      need(t.fullName, t.comment);
      for (const f of t.fieldsArray) need(`${t.fullName}.${f.name}`, f.comment);
    }
    for (const e of all(ns, protobuf.Enum)) {
      need(e.fullName, e.comment);
      for (const v of Object.keys(e.values)) need(`${e.fullName}.${v}`, e.comments[v]);
    }
    expect(missing).toEqual([]);
  });

  it('src/api/generated matches the .proto files (run `npx tsx scripts/gen-proto-types.ts`)', () => {
    expect(staleGeneratedFiles()).toEqual([]);
  });
});
