/**
 * Loads the public contract (proto/) at run time: grpc-js service definitions through
 * @grpc/proto-loader, and a protobufjs Root for messages that travel outside a method (the Error in
 * the `runnel-error-bin` trailer).
 *
 * How messages look in JavaScript (loaderOptions, also used to generate src/api/generated):
 * - field names are camelCase (`timestamp_ms` is `timestampMs`);
 * - int64/uint64 fields are plain `number`s. Runnel never assigns an offset, timestamp or producer id
 *   beyond 2^53 - 1, so every value it sends is exact. A value beyond that in a request decodes
 *   rounded but still beyond it, and `requireSafeInt64` (./errors.ts) refuses it: no silent wrap.
 *   Strings would be exact for any int64 but make every offset a parse away from arithmetic.
 * - enums are their names as strings (`'ACKS_ALL'`), so logs and tests read well;
 * - omitted scalars and repeated fields decode to their defaults (0, '', []), omitted messages to
 *   null, and `optional` fields (Record.key) stay absent (undefined) when unset: a null key and an
 *   empty key differ;
 * - `bytes` are Buffers.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import type { ProtoGrpcType as AdminProto } from './generated/admin.js';
import type { ProtoGrpcType as FetchProto } from './generated/fetch.js';
import type { ProtoGrpcType as GroupProto } from './generated/group.js';
import type { ProtoGrpcType as HealthProto } from './generated/health.js';
import type { ProtoGrpcType as MetadataProto } from './generated/metadata.js';
import type { ProtoGrpcType as ProduceProto } from './generated/produce.js';

/**
 * proto/ at the package root. This file is src/api/proto.ts under tsx and dist/api/proto.js when
 * compiled: two levels below the root either way.
 */
export const protoDir = fileURLToPath(new URL('../../proto/', import.meta.url));

/** The contract's files, relative to protoDir (imports resolve there too). */
export const protoFiles = [
  'runnel/v1/common.proto',
  'runnel/v1/produce.proto',
  'runnel/v1/fetch.proto',
  'runnel/v1/metadata.proto',
  'runnel/v1/admin.proto',
  'runnel/v1/group.proto',
  'grpc/health/v1/health.proto',
] as const;

/** Keep in step with scripts/gen-proto-types.ts, which generates the types for these options. */
export const loaderOptions: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
  includeDirs: [protoDir],
};

/** Every service and message of the contract, as grpc.loadPackageDefinition returns it. */
export type RunnelGrpcObject = ProduceProto & FetchProto & MetadataProto & AdminProto & GroupProto & HealthProto;

function checkProtoDir(): void {
  if (!existsSync(join(protoDir, protoFiles[0]))) {
    throw new Error(`runnel: the .proto files are missing: expected ${join(protoDir, protoFiles[0])}`);
  }
}

let packageDefinition: protoLoader.PackageDefinition | undefined;

/** The package definition of every contract file (loaded once). */
export function loadPackageDefinition(): protoLoader.PackageDefinition {
  if (!packageDefinition) {
    checkProtoDir();
    packageDefinition = protoLoader.loadSync([...protoFiles], loaderOptions);
  }
  return packageDefinition;
}

let grpcObject: RunnelGrpcObject | undefined;

/**
 * Service constructors (clients) and `.service` definitions (for `server.addService`), typed:
 * `const { runnel, grpc: { health } } = loadGrpcObject()`.
 */
export function loadGrpcObject(): RunnelGrpcObject {
  grpcObject ??= grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as RunnelGrpcObject;
  return grpcObject;
}

let root: protobuf.Root | undefined;

/** A protobufjs Root of the contract, for encoding and decoding messages directly. */
export function loadProtoRoot(): protobuf.Root {
  if (!root) {
    checkProtoDir();
    const r = new protobuf.Root();
    r.resolvePath = (_origin, target) => join(protoDir, target);
    r.loadSync([...protoFiles], { keepCase: false });
    root = r;
  }
  return root;
}

/** protobufjs conversion options equal to loaderOptions, for Type.toObject. */
export const toObjectOptions: protobuf.IConversionOptions = {
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
};
