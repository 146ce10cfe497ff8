export {
  type LeaderHint,
  asRunnelError,
  decodeProtoError,
  encodeProtoError,
  errorTrailerKey,
  fromProtoError,
  fromProtoErrorCode,
  fromServiceError,
  toProtoError,
  toProtoErrorCode,
  toServiceError,
} from './errors.js';
export {
  type RunnelGrpcObject,
  loadGrpcObject,
  loadPackageDefinition,
  loadProtoRoot,
  loaderOptions,
  protoDir,
  protoFiles,
  toObjectOptions,
} from './proto.js';
export { isValidTopicName, requireSafeInt64, topicNameLengthMax, topicNameProblem, validateTopicName } from './validation.js';
