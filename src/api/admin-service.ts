import { RunnelError } from '../core/index.js';
import { BROKER_DEFAULTS, type Broker, type ClusterView, type PartitionView } from '../broker/index.js';
import { toProtoError } from './errors.js';
import type { AdminServiceHandlers } from './generated/runnel/v1/AdminService.js';
import type { AlterConfigsRequest__Output } from './generated/runnel/v1/AlterConfigsRequest.js';
import type { AlterConfigsResponse } from './generated/runnel/v1/AlterConfigsResponse.js';
import type { CreatePartitionsRequest__Output } from './generated/runnel/v1/CreatePartitionsRequest.js';
import type { CreatePartitionsResponse } from './generated/runnel/v1/CreatePartitionsResponse.js';
import type { CreateTopicsRequest__Output } from './generated/runnel/v1/CreateTopicsRequest.js';
import type { CreateTopicsResponse } from './generated/runnel/v1/CreateTopicsResponse.js';
import type { Error__Output as ProtoError } from './generated/runnel/v1/Error.js';
import type { DescribeConfigsRequest__Output } from './generated/runnel/v1/DescribeConfigsRequest.js';
import type { DescribeConfigsResponse } from './generated/runnel/v1/DescribeConfigsResponse.js';
import type { MetadataResponse } from './generated/runnel/v1/MetadataResponse.js';
import type { MetadataServiceHandlers } from './generated/runnel/v1/MetadataService.js';
import type { PartitionDescription } from './generated/runnel/v1/PartitionDescription.js';
import type { ReassignPartitionsRequest__Output } from './generated/runnel/v1/ReassignPartitionsRequest.js';
import type { ReassignPartitionsResponse } from './generated/runnel/v1/ReassignPartitionsResponse.js';
import { unary } from './unary-handler.js';
import { validateTopicName } from './validation.js';

function adminTimeout(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > BROKER_DEFAULTS.produceTimeoutMsMax) {
    throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`timeout_ms ${ms} is outside [0, ${BROKER_DEFAULTS.produceTimeoutMsMax}]`]);
  }
  return ms === 0 ? BROKER_DEFAULTS.adminTimeoutMsDefault : ms;
}


function partitionMeta(p: PartitionView) {
  return {
    partition: p.partition,
    error: null,
    leaderId: p.leaderId,
    leaderEpoch: p.leaderEpoch,
    replicas: [...p.replicas],
    inSyncReplicas: [...p.inSyncReplicas],
    learners: [...p.learners],
    offlineReplicas: [...p.offlineReplicas],
  };
}

export function metadataResponse(view: ClusterView): MetadataResponse {
  return {
    clusterId: view.clusterId,
    controllerId: view.controllerId,
    nodes: view.nodes.map((n) => ({ nodeId: n.nodeId, host: n.host, port: n.port })),
    topics: view.topics.map((t) => ({
      name: t.name,
      error: t.error ? toProtoError(t.error) : null,
      topicId: t.topicId,
      partitions: t.partitions.map(partitionMeta),
    })),
  };
}

export function metadataHandlers(broker: Broker): MetadataServiceHandlers {
  return {
    Metadata: unary((req: { topics: string[] }) => metadataResponse(broker.clusterView(req.topics, true))),
  };
}

async function createTopics(broker: Broker, req: CreateTopicsRequest__Output): Promise<CreateTopicsResponse> {
  const timeoutMs = adminTimeout(req.timeoutMs);
  const topics = await Promise.all(
    req.topics.map(async (t) => {
      try {
        validateTopicName(t.name);
        const assignments = [...t.assignments].sort((a, b) => a.partition - b.partition);
        if (assignments.some((a, i) => a.partition !== i)) throw new RunnelError('RUNNEL_ERR_INVALID_REPLICA_ASSIGNMENT', ['assignments must cover partitions 0..n-1 once each']);
        if (assignments.length > 0 && (t.numPartitions !== 0 || t.replicationFactor !== 0)) {
          throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['num_partitions and replication_factor must be 0 with explicit assignments']);
        }
        const configs: Record<string, string> = {};
        for (const c of t.configs) {
          if (Object.hasOwn(configs, c.name)) throw new RunnelError('RUNNEL_ERR_INVALID_CONFIG', [`${c.name} given twice`]);
          configs[c.name] = c.value;
        }
        const out = await broker.createTopic(
          { name: t.name, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor, assignments: assignments.map((a) => a.replicas), configs },
          req.validateOnly,
          timeoutMs,
        );
        return { name: t.name, error: null, ...out };
      } catch (err) {
        return { name: t.name, error: toProtoError(err), topicId: '', numPartitions: 0, replicationFactor: 0 };
      }
    }),
  );
  return { topics };
}

/** Runs `body` for each named topic on its own; a failure becomes that topic's error. */
function eachTopic<T extends { name: string }>(items: readonly T[], body: (item: T) => Promise<void>): Promise<{ name: string; error: ProtoError | null }[]> {
  return Promise.all(
    items.map(async (item) => {
      try {
        validateTopicName(item.name);
        await body(item);
        return { name: item.name, error: null };
      } catch (err) {
        return { name: item.name, error: toProtoError(err) };
      }
    }),
  );
}

async function createPartitions(broker: Broker, req: CreatePartitionsRequest__Output): Promise<CreatePartitionsResponse> {
  const timeoutMs = adminTimeout(req.timeoutMs);
  const counts = new Map<string, number>();
  for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics = await eachTopic(req.topics, async (t) => {
    if (counts.get(t.name)! > 1) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`topic ${t.name} is named more than once`]);
    await broker.createPartitions(t.name, t.totalCount, req.validateOnly, timeoutMs);
  });
  return { topics };
}

function describeConfigs(broker: Broker, req: DescribeConfigsRequest__Output): DescribeConfigsResponse {
  return {
    results: req.resources.map((r) => {
      try {
        if (r.type !== 'CONFIG_RESOURCE_TYPE_TOPIC') throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['only topic configs can be described so far']);
        const entries = broker.describeTopicConfigs(r.name).map((e) => ({
          name: e.name,
          value: e.value,
          source: e.source === 'topic' ? ('CONFIG_SOURCE_TOPIC_CONFIG' as const) : ('CONFIG_SOURCE_DEFAULT' as const),
          readOnly: e.readOnly,
          sensitive: false,
          documentation: '',
        }));
        return { resource: r, error: null, entries };
      } catch (err) {
        return { resource: r, error: toProtoError(err), entries: [] };
      }
    }),
  };
}

async function alterConfigs(broker: Broker, req: AlterConfigsRequest__Output): Promise<AlterConfigsResponse> {
  const results = await Promise.all(
    req.resources.map(async (r) => {
      const resource = r.resource ?? { type: 'CONFIG_RESOURCE_TYPE_UNSPECIFIED' as const, name: '' };
      try {
        if (resource.type !== 'CONFIG_RESOURCE_TYPE_TOPIC') throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', ['only topic configs can be altered']);
        const set: Record<string, string> = {};
        const remove: string[] = [];
        for (const c of r.configs) {
          if (c.op === 'ALTER_CONFIG_OP_SET') set[c.name] = c.value;
          else if (c.op === 'ALTER_CONFIG_OP_DELETE') remove.push(c.name);
          else throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`config op for ${c.name} is unspecified`]);
        }
        await broker.alterTopicConfigs(resource.name, set, remove, req.validateOnly);
        return { resource, error: null };
      } catch (err) {
        return { resource, error: toProtoError(err) };
      }
    }),
  );
  return { results };
}

async function reassign(broker: Broker, req: ReassignPartitionsRequest__Output): Promise<ReassignPartitionsResponse> {
  const timeoutMs = adminTimeout(req.timeoutMs);
  const topics = [];
  for (const t of req.topics) {
    const partitions = [];
    for (const p of t.partitions) {
      try {
        await broker.reassignPartition(t.name, p.partition, p.replicas, p.cancel, timeoutMs);
        partitions.push({ partition: p.partition, error: null });
      } catch (err) {
        partitions.push({ partition: p.partition, error: toProtoError(err) });
      }
    }
    topics.push({ name: t.name, partitions });
  }
  return { topics };
}

function describedPartition(p: PartitionView): PartitionDescription {
  const { error: _e, ...rest } = partitionMeta(p);
  return rest;
}

export function adminHandlers(broker: Broker): AdminServiceHandlers {
  return {
    CreateTopics: unary((req: CreateTopicsRequest__Output) => createTopics(broker, req)),
    CreatePartitions: unary((req: CreatePartitionsRequest__Output) => createPartitions(broker, req)),
    DeleteTopics: unary(async (req: { names: string[]; timeoutMs: number }) => {
      const timeoutMs = adminTimeout(req.timeoutMs);
      const topics = await eachTopic(
        req.names.map((name) => ({ name })),
        ({ name }) => broker.deleteTopic(name, timeoutMs),
      );
      return { topics };
    }),
    DescribeTopics: unary((req: { names: string[] }) => {
      const view = broker.clusterView(req.names);
      return {
        topics: view.topics.map((t) => ({
          name: t.name,
          error: t.error ? toProtoError(t.error) : null,
          topicId: t.topicId,
          partitions: t.partitions.map(describedPartition),
          configs: Object.keys(t.configs).sort().map((k) => ({ name: k, value: t.configs[k]! })),
        })),
      };
    }),
    DescribeCluster: unary(() => {
      const view = broker.clusterView([]);
      return {
        clusterId: view.clusterId,
        controllerId: view.controllerId,
        nodes: view.nodes.map((n) => ({
          node: { nodeId: n.nodeId, host: n.host, port: n.port },
          peerHost: n.peerHost,
          peerPort: n.peerPort,
          metadataVoter: n.metadataVoter,
          alive: n.alive,
        })),
      };
    }),
    DescribeConfigs: unary((req: DescribeConfigsRequest__Output) => describeConfigs(broker, req)),
    AlterConfigs: unary((req: AlterConfigsRequest__Output) => alterConfigs(broker, req)),
    ReassignPartitions: unary((req: ReassignPartitionsRequest__Output) => reassign(broker, req)),
    ListPartitionReassignments: unary(() => {
      const image = broker.image;
      const byTopic = new Map<string, { partition: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }[]>();
      for (const t of [...image.topics.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        for (const p of t.partitions) {
          if (p.adding.length === 0 && p.removing.length === 0) continue;
          const list = byTopic.get(t.name) ?? [];
          list.push({ partition: p.partition, replicas: [...p.replicas], addingReplicas: [...p.adding], removingReplicas: [...p.removing] });
          byTopic.set(t.name, list);
        }
      }
      return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
    }),
  };
}
