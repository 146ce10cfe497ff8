import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ErrorCatalog, type ErrorCode } from '../../src/core/index.js';
import { toProtoErrorCode } from '../../src/api/index.js';

const apiDoc = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'API.md'), 'utf8');

describe('docs/API.md', () => {
  it('lists every error code with the catalog\'s gRPC status and definiteness', () => {
    const rows = new Map<string, { status: string; definite: string }>();
    for (const m of apiDoc.matchAll(/^\| `(ERROR_CODE_\w+)` \| (\w+) \| (yes|\*\*no\*\*) \|/gm)) {
      rows.set(m[1]!, { status: m[2]!, definite: m[3]! });
    }
    const expected = (Object.keys(ErrorCatalog) as ErrorCode[]).map((code) => [
      toProtoErrorCode(code),
      { status: grpc.status[ErrorCatalog[code].grpcStatus], definite: ErrorCatalog[code].definite ? 'yes' : '**no**' },
    ]);
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(expected));
  });
});
