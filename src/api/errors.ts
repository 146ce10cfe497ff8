/**
 * RunnelError (src/core's catalog) <-> the contract's `runnel.v1.Error` and gRPC statuses.
 *
 * - A per-item failure travels as an `Error` inside the item's result: toProtoError.
 * - A failure of a whole call is a gRPC status (the catalog's status for the code, the message as
 *   details) with the same `Error`, serialised, in the binary trailer `runnel-error-bin`:
 *   toServiceError on the server, fromServiceError on the client.
 *
 * Codes map by name: RUNNEL_ERR_NOT_LEADER <-> ERROR_CODE_NOT_LEADER (test/api/errors.test.ts
 * checks the catalog and the .proto enum match one to one).
 *
 * NOT_LEADER errors carry the leader, when known, as `details.leaderHint = { nodeId, host, port }`
 * (host and port of its advertised CLIENT listener); it becomes `Error.leader_hint`.
 */
import * as grpc from '@grpc/grpc-js';
import { ErrorCatalog, GrpcStatus, RunnelError, type ErrorCode } from '../core/index.js';
import type { Error as ProtoError, Error__Output as ProtoErrorOutput } from './generated/runnel/v1/Error.js';
import type { ErrorCode__Output as ProtoErrorCode } from './generated/runnel/v1/ErrorCode.js';
import { loadProtoRoot, toObjectOptions } from './proto.js';

/** The trailer that carries a failed call's `runnel.v1.Error` (binary, so its name ends in -bin). */
export const errorTrailerKey = 'runnel-error-bin';

const catalogPrefix = 'RUNNEL_ERR_';
const protoPrefix = 'ERROR_CODE_';

/** A NOT_LEADER error's hint: the leader's id and advertised CLIENT address. */
export interface LeaderHint {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** RUNNEL_ERR_X -> ERROR_CODE_X */
export function toProtoErrorCode(code: ErrorCode): ProtoErrorCode {
  return (protoPrefix + code.slice(catalogPrefix.length)) as ProtoErrorCode;
}

/** ERROR_CODE_X -> RUNNEL_ERR_X; undefined for UNSPECIFIED or a code this build does not know. */
export function fromProtoErrorCode(code: string): ErrorCode | undefined {
  if (!code.startsWith(protoPrefix)) return undefined;
  const name = catalogPrefix + code.slice(protoPrefix.length);
  return Object.hasOwn(ErrorCatalog, name) ? (name as ErrorCode) : undefined;
}

/** A thrown value as a RunnelError: anything else is RUNNEL_ERR_INTERNAL (indefinite). */
export function asRunnelError(err: unknown): RunnelError {
  if (err instanceof RunnelError) return err;
  return new RunnelError('RUNNEL_ERR_INTERNAL', [err instanceof Error ? err.message : String(err)], { cause: err });
}

function leaderHintOf(err: RunnelError): LeaderHint | undefined {
  const hint = err.details['leaderHint'] as Partial<LeaderHint> | undefined;
  if (!hint || typeof hint !== 'object') return undefined;
  const { nodeId, host, port } = hint;
  if (typeof nodeId !== 'number' || typeof host !== 'string' || typeof port !== 'number') return undefined;
  return { nodeId, host, port };
}

/** The contract's Error for a thrown value (an unexpected one becomes ERROR_CODE_INTERNAL). */
export function toProtoError(thrown: unknown): ProtoErrorOutput {
  const err = asRunnelError(thrown);
  const hint = err.code === 'RUNNEL_ERR_NOT_LEADER' ? leaderHintOf(err) : undefined;
  return {
    code: toProtoErrorCode(err.code),
    message: err.message,
    definite: err.definite,
    leaderHint: hint ? { nodeId: hint.nodeId, host: hint.host, port: hint.port } : null,
  };
}

/**
 * A received Error as a RunnelError with the sender's message. An unknown or unspecified code
 * becomes RUNNEL_ERR_INTERNAL. `definite` is true only if both the sender and this build's catalog
 * say so: a client never retries what either side considers unsafe.
 */
export function fromProtoError(e: ProtoError | ProtoErrorOutput): RunnelError {
  const code = fromProtoErrorCode(String(e.code ?? '')) ?? 'RUNNEL_ERR_INTERNAL';
  const hint = e.leaderHint ? { nodeId: e.leaderHint.nodeId ?? 0, host: e.leaderHint.host ?? '', port: e.leaderHint.port ?? 0 } : undefined;
  const err = new RunnelError(code, [], hint ? { leaderHint: hint, remote: true } : { remote: true });
  Object.defineProperty(err, 'message', { value: e.message ?? '', enumerable: false, writable: true, configurable: true });
  if (err.definite && e.definite !== true) Object.defineProperty(err, 'definite', { value: false });
  return err;
}

/** Serialises an Error for the `runnel-error-bin` trailer. */
export function encodeProtoError(e: ProtoErrorOutput): Buffer {
  const type = loadProtoRoot().lookupType('runnel.v1.Error');
  return Buffer.from(type.encode(type.fromObject(e)).finish());
}

/** Parses the `runnel-error-bin` trailer. */
export function decodeProtoError(bytes: Uint8Array): ProtoErrorOutput {
  const type = loadProtoRoot().lookupType('runnel.v1.Error');
  return type.toObject(type.decode(bytes), toObjectOptions) as ProtoErrorOutput;
}

/**
 * What a server handler passes to its callback (or `call.destroy`/`emit('error')`) to fail a whole
 * call: the catalog's gRPC status, the message as details, and the Error in the trailer.
 */
export function toServiceError(thrown: unknown): grpc.ServerErrorResponse {
  const err = asRunnelError(thrown);
  const metadata = new grpc.Metadata();
  metadata.set(errorTrailerKey, encodeProtoError(toProtoError(err)));
  return Object.assign(new Error(err.message), { code: err.grpcStatus, details: err.message, metadata });
}

/**
 * A failed call, as the client sees it, as a RunnelError: from the `runnel-error-bin` trailer when
 * the server sent one; otherwise from the status alone (the call failed before or outside Runnel's
 * handler: connection lost, deadline, message too large). Without a trailer nothing says whether the
 * request was processed, so only statuses that prove it was not are definite.
 */
export function fromServiceError(err: Partial<grpc.ServiceError>): RunnelError {
  const trailer = err.metadata?.get(errorTrailerKey)[0];
  if (trailer instanceof Buffer) {
    try {
      return fromProtoError(decodeProtoError(trailer));
    } catch {
      // a malformed trailer: fall back to the status
    }
  }
  const status = err.code ?? GrpcStatus.UNKNOWN;
  const what = `gRPC status ${grpc.status[status] ?? status}: ${err.details ?? err.message ?? ''}`;
  const details = { grpcStatus: status };
  if (status === GrpcStatus.DEADLINE_EXCEEDED) return new RunnelError('RUNNEL_ERR_TIMEOUT', ['the client deadline passed'], details);
  if (status === GrpcStatus.INVALID_ARGUMENT || status === GrpcStatus.UNIMPLEMENTED) {
    return new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [what], details);
  }
  return new RunnelError('RUNNEL_ERR_INTERNAL', [what], details);
}
