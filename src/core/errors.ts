/**
 * The error catalog (fastify's lib/errors.js is the model). Every error a client can see has a stable
 * code, a message template, the gRPC status it maps to, and whether it is *definite* (the operation
 * surely did not happen, so a retry is safe) or *indefinite* (it may have happened). Clients retry
 * only what is safe; the chaos checker classifies outcomes as ok / fail / unknown from this flag.
 */

/** gRPC status codes (grpc/doc/statuscodes.md), kept here so core depends on nothing. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
} as const;
export type GrpcStatusCode = (typeof GrpcStatus)[keyof typeof GrpcStatus];

interface ErrorSpec {
  readonly template: string;
  readonly grpcStatus: GrpcStatusCode;
  readonly definite: boolean;
}

function spec(template: string, grpcStatus: GrpcStatusCode, definite: boolean): ErrorSpec {
  return { template, grpcStatus, definite };
}

export const ErrorCatalog = {
  RUNNEL_ERR_NOT_LEADER: spec('node %s is not the leader of %s', GrpcStatus.FAILED_PRECONDITION, true),
  RUNNEL_ERR_PROPOSAL_DROPPED: spec('proposal dropped: %s', GrpcStatus.UNAVAILABLE, true),
  RUNNEL_ERR_UNKNOWN_TOPIC: spec('unknown topic %s', GrpcStatus.NOT_FOUND, true),
  // Metadata (src/metadata): request validation and records the metadata image rejects on apply.
  RUNNEL_ERR_TOPIC_ALREADY_EXISTS: spec('topic %s already exists', GrpcStatus.ALREADY_EXISTS, true),
  RUNNEL_ERR_INVALID_TOPIC: spec('invalid topic name "%s": %s', GrpcStatus.INVALID_ARGUMENT, true),
  RUNNEL_ERR_INVALID_PARTITIONS: spec('invalid number of partitions: %s', GrpcStatus.INVALID_ARGUMENT, true),
  RUNNEL_ERR_INVALID_REPLICATION_FACTOR: spec('invalid replication factor: %s', GrpcStatus.INVALID_ARGUMENT, true),
  RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT: spec('invalid replica assignment: %s', GrpcStatus.INVALID_ARGUMENT, true),
  RUNNEL_ERR_UNKNOWN_PARTITION: spec('unknown partition %s', GrpcStatus.NOT_FOUND, true),
  RUNNEL_ERR_UNKNOWN_NODE: spec('unknown node %s', GrpcStatus.NOT_FOUND, true),
  RUNNEL_ERR_STALE_NODE_INCARNATION: spec('node %s incarnation %s is not its current registration', GrpcStatus.FAILED_PRECONDITION, true),
  RUNNEL_ERR_DUPLICATE_NODE_REGISTRATION: spec('node %s is registered to a live process (incarnation %s); retry once its session expires', GrpcStatus.FAILED_PRECONDITION, true),
  RUNNEL_ERR_REASSIGNMENT_IN_PROGRESS: spec('a reassignment of partition %s is already in progress', GrpcStatus.FAILED_PRECONDITION, true),
  RUNNEL_ERR_NO_REASSIGNMENT_IN_PROGRESS: spec('no reassignment of partition %s is in progress', GrpcStatus.FAILED_PRECONDITION, true),
  RUNNEL_ERR_INVALID_CONFIG: spec('invalid config: %s', GrpcStatus.INVALID_ARGUMENT, true),
  RUNNEL_ERR_INVALID_REQUEST: spec('invalid request: %s', GrpcStatus.INVALID_ARGUMENT, true),
  RUNNEL_ERR_RECORD_TOO_LARGE: spec('record batch of %s bytes exceeds the limit of %s bytes', GrpcStatus.INVALID_ARGUMENT, true),
  RUNNEL_ERR_TIMEOUT: spec('timed out (%s); the write may or may not have happened', GrpcStatus.DEADLINE_EXCEEDED, false),
  RUNNEL_ERR_OFFSET_OUT_OF_RANGE: spec('offset %s is outside the available range [%s, %s] of %s', GrpcStatus.OUT_OF_RANGE, true),
  RUNNEL_ERR_CORRUPT: spec('corrupt data: %s', GrpcStatus.DATA_LOSS, true),
  RUNNEL_ERR_INTERNAL: spec('internal error: %s', GrpcStatus.INTERNAL, false),
  // A leader's pending write whose fate it can no longer observe (it stepped down, the group was
  // removed, the node is closing): the entry may still commit under the next leader.
  RUNNEL_ERR_LEADERSHIP_LOST: spec('node %s stopped leading %s (%s); the write may or may not have happened', GrpcStatus.UNAVAILABLE, false),
  // Another entry was committed at the index a proposal was appended at: it can never commit.
  RUNNEL_ERR_PROPOSAL_SUPERSEDED: spec('proposal at index %s (term %s) of %s was superseded by an entry of term %s', GrpcStatus.ABORTED, true),
  // Idempotent producers (src/log/producer-state.ts): a batch that does not continue the producer's
  // sequence in the partition, or that comes from a fenced (older) epoch of the producer.
  RUNNEL_ERR_OUT_OF_ORDER_SEQUENCE: spec('out of order sequence from producer %s in %s: expected %s, got %s', GrpcStatus.FAILED_PRECONDITION, true),
  RUNNEL_ERR_INVALID_PRODUCER_EPOCH: spec('producer %s epoch %s is older than its current epoch %s in %s', GrpcStatus.FAILED_PRECONDITION, true),
  // Consumer groups (src/broker/groups): where a group is coordinated, and who may act in it.
  RUNNEL_ERR_NOT_COORDINATOR: spec('node %s is not the coordinator of group %s', GrpcStatus.FAILED_PRECONDITION, true),
  RUNNEL_ERR_COORDINATOR_NOT_AVAILABLE: spec('no coordinator for group %s yet: %s', GrpcStatus.UNAVAILABLE, true),
  RUNNEL_ERR_UNKNOWN_MEMBER_ID: spec('member %s is not in group %s; join again', GrpcStatus.FAILED_PRECONDITION, true),
  RUNNEL_ERR_FENCED_MEMBER_EPOCH: spec('member %s of group %s: %s', GrpcStatus.FAILED_PRECONDITION, true),
  RUNNEL_ERR_GROUP_NOT_EMPTY: spec('group %s has %s members; %s', GrpcStatus.FAILED_PRECONDITION, true),
  RUNNEL_ERR_GROUP_ID_NOT_FOUND: spec('group %s does not exist', GrpcStatus.NOT_FOUND, true),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ErrorCatalog;

export class RunnelError extends Error {
  override readonly name = 'RunnelError';
  readonly grpcStatus: GrpcStatusCode;
  readonly definite: boolean;

  constructor(
    readonly code: ErrorCode,
    args: readonly (string | number)[],
    readonly details: Record<string, unknown> = {},
  ) {
    const s = ErrorCatalog[code];
    let i = 0;
    super(s.template.replace(/%s/g, () => String(args[i++] ?? '')));
    this.grpcStatus = s.grpcStatus;
    this.definite = s.definite;
  }
}
