import { RunnelError } from '../core/index.js';
import { BROKER_DEFAULTS, splitAddress, type Broker } from '../broker/index.js';
import { tpKey, splitTpKey, commitMetadataBytesMax, groupIdLengthMax, type TpKey } from '../broker/groups/index.js';
import { toProtoError } from './errors.js';
import type { GroupServiceHandlers } from './generated/runnel/v1/GroupService.js';
import type { GroupTopicPartitions, GroupTopicPartitions__Output } from './generated/runnel/v1/GroupTopicPartitions.js';
import { unary } from './unary-handler.js';
import { requireSafeInt64, validateTopicName } from './validation.js';

/** Session timeouts a member may ask for (Kafka's group.consumer.min/max.session.timeout.ms, lower minimum). */
const sessionTimeoutMsMin = 1_000;
const sessionTimeoutMsMax = 300_000;
const sessionTimeoutMsDefault = 45_000;
/** Topics a member may subscribe to, and group ids per describe/delete request, at most. */
const listMax = 10_000;

function groupIdOf(id: string): string {
  if (id.length === 0 || id.length > groupIdLengthMax) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`group_id must be 1..${groupIdLengthMax} characters`]);
  return id;
}

function bounded<T>(items: readonly T[], what: string): readonly T[] {
  if (items.length > listMax) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`${items.length} ${what}, more than ${listMax}`]);
  return items;
}

function tpKeysOf(topics: readonly GroupTopicPartitions__Output[]): Set<TpKey> {
  const out = new Set<TpKey>();
  for (const t of bounded(topics, 'topics')) {
    validateTopicName(t.topic);
    for (const p of bounded(t.partitions, 'partitions')) {
      if (!Number.isInteger(p) || p < 0) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`partition ${p} of ${t.topic}`]);
      out.add(tpKey(t.topic, p));
    }
  }
  return out;
}

/** Partition keys as the contract's topic lists, topics and partitions sorted. */
export function groupTopicPartitions(keys: Iterable<TpKey>): GroupTopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const k of keys) {
    const { topic, partition } = splitTpKey(k);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  }
  return [...byTopic].sort(([a], [b]) => (a < b ? -1 : 1)).map(([topic, ps]) => ({ topic, partitions: ps.sort((a, b) => a - b) }));
}

/** GroupService: validate, call the broker's coordinator, answer errors in the response. */
export function groupHandlers(broker: Broker): GroupServiceHandlers {
  return {
    FindCoordinator: unary((req) => {
      try {
        const c = broker.findCoordinator(groupIdOf(req.groupId));
        const addr = splitAddress(c.clientAddress);
        if (!addr) throw new RunnelError('RUNNEL_ERR_INTERNAL', [`bad client address ${c.clientAddress}`]);
        return { coordinator: { nodeId: c.nodeId, host: addr.host, port: addr.port } };
      } catch (err) {
        return { error: toProtoError(err) };
      }
    }),
    ConsumerGroupHeartbeat: unary(async (req) => {
      try {
        const session = req.sessionTimeoutMs === 0 ? sessionTimeoutMsDefault : req.sessionTimeoutMs;
        if (session < sessionTimeoutMsMin || session > sessionTimeoutMsMax) {
          throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`session_timeout_ms ${session} is outside [${sessionTimeoutMsMin}, ${sessionTimeoutMsMax}]`]);
        }
        if (req.memberEpoch < -1) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`member_epoch ${req.memberEpoch}`]);
        for (const t of bounded(req.subscribedTopicNames, 'subscribed topics')) validateTopicName(t);
        const out = await broker.groups.heartbeat(groupIdOf(req.groupId), {
          memberId: req.memberId,
          memberEpoch: req.memberEpoch,
          subscribedTopics: req.subscribedTopicNames,
          owned: tpKeysOf(req.ownedPartitions),
          sessionTimeoutMs: session,
          clientId: req.clientId.slice(0, 255),
        }, BROKER_DEFAULTS.groupRequestTimeoutMsDefault);
        return { memberId: out.memberId, memberEpoch: out.memberEpoch, heartbeatIntervalMs: out.heartbeatIntervalMs, assignment: groupTopicPartitions(out.assignment) };
      } catch (err) {
        return { error: toProtoError(err), memberId: req.memberId, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: [] };
      }
    }),
    OffsetCommit: unary(async (req) => {
      try {
        const groupId = groupIdOf(req.groupId);
        const offsets = bounded(req.topics, 'topics').flatMap((t) => {
          validateTopicName(t.topic);
          return bounded(t.partitions, 'partitions').map((p) => {
            const offset = requireSafeInt64(p.committedOffset, 'committed_offset');
            if (offset < 0 || p.partition < 0) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`offset ${offset} of ${t.topic}-${p.partition}`]);
            if (Buffer.byteLength(p.metadata) > commitMetadataBytesMax) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`metadata over ${commitMetadataBytesMax} bytes`]);
            return { topic: t.topic, partition: p.partition, offset, metadata: p.metadata };
          });
        });
        const results = await broker.groups.commit({ groupId, memberId: req.memberId, memberEpoch: req.memberEpoch, offsets }, BROKER_DEFAULTS.groupRequestTimeoutMsDefault);
        return {
          topics: req.topics.map((t) => ({
            topic: t.topic,
            partitions: t.partitions.map((p) => {
              const err = results.get(tpKey(t.topic, p.partition));
              return { partition: p.partition, ...(err ? { error: toProtoError(err) } : {}) };
            }),
          })),
        };
      } catch (err) {
        return { error: toProtoError(err), topics: [] };
      }
    }),
    OffsetFetch: unary(async (req) => {
      try {
        const groupId = groupIdOf(req.groupId);
        const wanted = req.topics.length === 0 ? undefined : [...tpKeysOf(req.topics)].map(splitTpKey);
        const rows = await broker.groups.fetchOffsets(groupId, wanted, BROKER_DEFAULTS.groupRequestTimeoutMsDefault);
        const byTopic = new Map<string, typeof rows>();
        for (const r of rows) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
        return {
          topics: [...byTopic].map(([topic, rs]) => ({
            topic,
            partitions: rs.map((r) => ({
              partition: r.partition,
              committedOffset: r.committed?.offset ?? -1,
              metadata: r.committed?.metadata ?? '',
              commitTimestampMs: r.committed?.commitTimestampMs ?? -1,
            })),
          })),
        };
      } catch (err) {
        return { error: toProtoError(err), topics: [] };
      }
    }),
    ListGroups: unary(() => ({ groups: broker.groups.listGroups() })),
    DescribeGroups: unary((req) => ({
      groups: bounded(req.groupIds, 'group ids').map((id) => {
        try {
          const d = broker.groups.describe(groupIdOf(id));
          return {
            groupId: id,
            state: d.state,
            groupEpoch: d.groupEpoch,
            members: d.members.map((m) => ({
              memberId: m.memberId,
              clientId: m.clientId,
              memberEpoch: m.memberEpoch,
              subscribedTopicNames: [...m.subscribedTopics],
              assignment: groupTopicPartitions(m.assignment),
              owned: groupTopicPartitions(m.owned),
            })),
          };
        } catch (err) {
          return { groupId: id, error: toProtoError(err), state: '', groupEpoch: 0, members: [] };
        }
      }),
    })),
    DeleteGroups: unary(async (req) => ({
      results: await Promise.all(
        bounded(req.groupIds, 'group ids').map(async (id) => {
          try {
            await broker.groups.deleteGroup(groupIdOf(id), BROKER_DEFAULTS.groupRequestTimeoutMsDefault);
            return { groupId: id };
          } catch (err) {
            return { groupId: id, error: toProtoError(err) };
          }
        }),
      ),
    })),
  };
}
