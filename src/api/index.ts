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
export { addClientServices, clientServerOptions } from './services.js';
export { GrpcControllerClient, CONTROLLER_HEARTBEAT_PATH } from './controller-service.js';
export { metadataResponse } from './admin-service.js';
export { healthServiceNames } from './health-service.js';
export { produceStreamReadAheadMax } from './produce-service.js';
