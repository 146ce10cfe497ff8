export { type TpKey, tpKey, splitTpKey, assignUniform } from './assignor.js';
export { commitMetadataBytesMax, groupIdLengthMax } from './group-command.js';
export { GroupCoordinator, OFFSETS_TOPIC, offsetsPartitionFor } from './group-coordinator.js';
export { GroupMembership } from './group-membership.js';
