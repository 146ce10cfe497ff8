import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ErrorCatalog, RunnelError, type ErrorCode } from '../../src/core/index.js';
import {
  decodeProtoError,
  encodeProtoError,
  errorTrailerKey,
  fromProtoError,
  fromProtoErrorCode,
  fromServiceError,
  loadProtoRoot,
  toProtoError,
  toProtoErrorCode,
  toServiceError,
} from '../../src/api/index.js';

const catalogCodes = Object.keys(ErrorCatalog) as ErrorCode[];

/** ErrorCode's values as the .proto file declares them (not the generated types). */
function protoCodes(): string[] {
  return Object.keys(loadProtoRoot().lookupEnum('runnel.v1.ErrorCode').values);
}

function sample(code: ErrorCode): RunnelError {
  const hint = code === 'RUNNEL_ERR_NOT_LEADER' ? { leaderHint: { nodeId: 3, host: '10.0.0.3', port: 9092 } } : {};
  return new RunnelError(code, ['a', 'b', 'c', 'd'], hint);
}

describe('the error catalog and the contract', () => {
  it('maps every catalog code to an ErrorCode value of the .proto', () => {
    const proto = new Set(protoCodes());
    const missing = catalogCodes.filter((c) => !proto.has(toProtoErrorCode(c)));
    expect(missing, 'add these to ErrorCode in proto/runnel/v1/common.proto').toEqual([]);
  });

  it('maps every ErrorCode value of the .proto but UNSPECIFIED back to the catalog', () => {
    const unmapped = protoCodes().filter((p) => p !== 'ERROR_CODE_UNSPECIFIED' && fromProtoErrorCode(p) === undefined);
    expect(unmapped, 'the .proto has codes the catalog in src/core/errors.ts lacks').toEqual([]);
    expect(fromProtoErrorCode('ERROR_CODE_UNSPECIFIED')).toBeUndefined();
    expect(protoCodes()).toHaveLength(catalogCodes.length + 1);
  });

  it('round-trips each code by name', () => {
    for (const c of catalogCodes) expect(fromProtoErrorCode(toProtoErrorCode(c))).toBe(c);
    expect(toProtoErrorCode('RUNNEL_ERR_NOT_LEADER')).toBe('ERROR_CODE_NOT_LEADER');
    expect(fromProtoErrorCode('ERROR_CODE_SOMETHING_NEWER')).toBeUndefined();
    expect(fromProtoErrorCode('RUNNEL_ERR_NOT_LEADER')).toBeUndefined();
    expect(fromProtoErrorCode('ERROR_CODE_constructor')).toBeUndefined();
  });
});

describe('RunnelError <-> runnel.v1.Error', () => {
  it.each(catalogCodes)('%s keeps code, message, definite and leader hint through the wire', (code) => {
    const original = sample(code);
    const wire = toProtoError(original);
    expect(wire.code).toBe(toProtoErrorCode(code));
    expect(wire.definite).toBe(ErrorCatalog[code].definite);
    const back = fromProtoError(decodeProtoError(encodeProtoError(wire)));
    expect(back).toBeInstanceOf(RunnelError);
    expect(back.code).toBe(code);
    expect(back.message).toBe(original.message);
    expect(back.definite).toBe(original.definite);
    expect(back.grpcStatus).toBe(original.grpcStatus);
    expect(back.details['leaderHint']).toEqual(original.details['leaderHint']);
  });

  it('sends a leader hint only with NOT_LEADER, and only a well-formed one', () => {
    expect(toProtoError(sample('RUNNEL_ERR_NOT_LEADER')).leaderHint).toEqual({ nodeId: 3, host: '10.0.0.3', port: 9092 });
    expect(toProtoError(new RunnelError('RUNNEL_ERR_NOT_LEADER', [1, 'p'])).leaderHint).toBeNull();
    expect(toProtoError(new RunnelError('RUNNEL_ERR_NOT_LEADER', [1, 'p'], { leaderHint: { nodeId: '3' } })).leaderHint).toBeNull();
    expect(toProtoError(new RunnelError('RUNNEL_ERR_TIMEOUT', [5], { leaderHint: { nodeId: 3, host: 'h', port: 1 } })).leaderHint).toBeNull();
  });

  it('turns anything else thrown into INTERNAL, indefinite', () => {
    const wire = toProtoError(new TypeError('boom'));
    expect(wire).toEqual({ code: 'ERROR_CODE_INTERNAL', message: 'internal error: boom', definite: false, leaderHint: null });
    expect(toProtoError('text').message).toBe('internal error: text');
  });

  it('reads an unknown or unspecified code as INTERNAL, and never upgrades to definite', () => {
    const unknown = fromProtoError({ code: 'ERROR_CODE_UNSPECIFIED', message: 'x', definite: true, leaderHint: null });
    expect(unknown.code).toBe('RUNNEL_ERR_INTERNAL');
    expect(unknown.definite).toBe(false);
    const downgraded = fromProtoError({ code: 'ERROR_CODE_NOT_LEADER', message: 'x', definite: false, leaderHint: null });
    expect(downgraded.definite).toBe(false);
    const notUpgraded = fromProtoError({ code: 'ERROR_CODE_TIMEOUT', message: 'x', definite: true, leaderHint: null });
    expect(notUpgraded.definite).toBe(false);
  });
});

describe('RunnelError <-> gRPC status', () => {
  it.each(catalogCodes)('%s fails a call with the catalog status and the Error trailer', (code) => {
    const err = sample(code);
    const status = toServiceError(err);
    expect(status.code).toBe(ErrorCatalog[code].grpcStatus);
    expect(status.details).toBe(err.message);
    const trailer = status.metadata!.get(errorTrailerKey);
    expect(trailer).toHaveLength(1);
    expect(decodeProtoError(trailer[0] as Buffer)).toEqual(toProtoError(err));
    const back = fromServiceError(status as grpc.ServiceError);
    expect([back.code, back.message, back.definite]).toEqual([code, err.message, err.definite]);
  });

  it('classifies a status without a trailer conservatively', () => {
    const metadata = new grpc.Metadata();
    const of = (code: grpc.status, details = 'd') => fromServiceError({ code, details, metadata });
    expect([of(grpc.status.DEADLINE_EXCEEDED).code, of(grpc.status.DEADLINE_EXCEEDED).definite]).toEqual(['RUNNEL_ERR_TIMEOUT', false]);
    expect(of(grpc.status.DEADLINE_EXCEEDED).message).toBe('timed out (the client deadline passed); the write may or may not have happened');
    expect([of(grpc.status.UNAVAILABLE).code, of(grpc.status.UNAVAILABLE).definite]).toEqual(['RUNNEL_ERR_INTERNAL', false]);
    expect([of(grpc.status.RESOURCE_EXHAUSTED).code, of(grpc.status.RESOURCE_EXHAUSTED).definite]).toEqual(['RUNNEL_ERR_INTERNAL', false]);
    expect([of(grpc.status.UNIMPLEMENTED).code, of(grpc.status.UNIMPLEMENTED).definite]).toEqual(['RUNNEL_ERR_INVALID_REQUEST', true]);
    expect(of(grpc.status.UNAVAILABLE, 'connection refused').message).toBe('internal error: gRPC status UNAVAILABLE: connection refused');
  });

  it('ignores a malformed trailer', () => {
    const metadata = new grpc.Metadata();
    metadata.set(errorTrailerKey, Buffer.from([0xff, 0xff, 0xff]));
    expect(fromServiceError({ code: grpc.status.UNAVAILABLE, details: 'x', metadata }).code).toBe('RUNNEL_ERR_INTERNAL');
  });
});
