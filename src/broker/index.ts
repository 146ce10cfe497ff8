export { Broker } from './broker.js';
export {
  BROKER_DEFAULTS,
  systemClock,
  type BrokerOptions,
  type BrokerStorage,
  type ControllerClient,
  type NodeHeartbeatRequest,
} from './broker-options.js';
export type * from './broker-types.js';
export { type LeaderHint, leaderHint, splitAddress } from './errors.js';
export { decodeRecords } from './record-conversion.js';
