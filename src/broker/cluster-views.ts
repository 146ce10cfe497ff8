import type { NodeId } from '../core/index.js';
import type { MetadataImage, TopicImage } from '../metadata/index.js';
import type { NodeView, PartitionView, TopicView } from './broker-types.js';
import { splitAddress } from './errors.js';

/** Every registered node as Metadata / DescribeCluster show it, by node id. */
export function nodeViews(image: MetadataImage, metadataVoters: readonly NodeId[]): NodeView[] {
  return [...image.nodes.values()]
    .sort((a, b) => a.nodeId - b.nodeId)
    .map((n) => {
      const c = splitAddress(n.clientAddress) ?? { host: n.clientAddress, port: 0 };
      const pe = splitAddress(n.peerAddress) ?? { host: n.peerAddress, port: 0 };
      return { nodeId: n.nodeId, host: c.host, port: c.port, peerHost: pe.host, peerPort: pe.port, metadataVoter: metadataVoters.includes(n.nodeId), alive: !n.fenced };
    });
}

/** A topic as Metadata / DescribeTopics show it: replicas, learners, offline replicas, leader. */
export function viewOfTopic(image: MetadataImage, t: TopicImage): TopicView {
  const partitions = t.partitions.map((p): PartitionView => {
    const offline = p.replicas.filter((n) => image.nodes.get(n)?.fenced !== false);
    return {
      partition: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderTerm,
      replicas: p.replicas.filter((n) => !p.adding.includes(n)),
      inSyncReplicas: p.replicas.filter((n) => !p.adding.includes(n) && !offline.includes(n)),
      learners: [...p.adding],
      offlineReplicas: offline,
    };
  });
  return { name: t.name, topicId: t.topicId, partitions, configs: t.configs };
}
