/**
 * Bounds on what the metadata log and the cluster image may hold. Encoding asserts them and decoding
 * rejects anything beyond them, so a decode never allocates more than a bound allows; the request
 * validators report them to clients as catalog errors before anything is proposed.
 */

/** Kafka's limit (`Topic.MAX_NAME_LENGTH`): a topic name is at most 249 characters. */
export const topicNameLengthMax = 249;
/** Partitions in one topic; each is a Raft group on RF nodes, so this also bounds one CreateTopic. */
export const partitionsPerTopicMax = 10_000;
/** Replicas of one partition: a Raft group of more than 7 voters only adds commit latency. */
export const replicationFactorMax = 7;
/** Kafka's `node.id` is an int32; 0 is "no node" (src/core NO_NODE). */
export const nodeIdMax = 2 ** 31 - 1;
/** Raft group ids are u32 on the wire; 0 is the metadata group, so partitions get 1..groupIdMax. */
export const groupIdMax = 2 ** 32 - 1;
/** A `host:port` address or a rack name, in UTF-8 bytes (a DNS name is at most 253 characters). */
export const addressBytesMax = 255;
/** A topic config key or value, in UTF-8 bytes. */
export const configValueBytesMax = 1_024;
/** Config overrides one record or topic may carry (far above the number of known keys). */
export const configsPerTopicMax = 64;
/** Timestamps in records (the metadata leader's clock), ms since the epoch: same bound as the log's. */
export const timestampMsMax = 2 ** 48 - 1;
/** Terms, indexes and other counters: exact JavaScript integers. */
export const counterMax = Number.MAX_SAFE_INTEGER;
/** Nodes and topics one snapshot may list; bounds what decoding a snapshot may allocate. */
export const nodesMax = 100_000;
export const topicsMax = 1_000_000;
