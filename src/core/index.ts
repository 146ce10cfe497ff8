export { type NodeId, type GroupId, type Term, type Index, type Offset, NO_NODE } from './ids.js';
export { assert, unreachable, AssertionError } from './assert.js';
export { type Rng, SeededRng } from './rng.js';
export { type Clock } from './clock.js';
export { type Logger, type LogFn, silentLogger } from './logger.js';
export { ErrorCatalog, type ErrorCode, GrpcStatus, type GrpcStatusCode, RunnelError } from './errors.js';
