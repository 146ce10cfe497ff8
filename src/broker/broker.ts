import { RunnelError, type Clock, type GroupId, type Logger, type NodeId } from '../core/index.js';
import {
  decodePartitionSnapshot,
  describeBatch,
  encodeBatch,
  PartitionLog,
  producerOf,
} from '../log/index.js';
import {
  describePartition,
  partitionByGroup,
  diff,
  findTopic,
  hostedPartitions,
  listTopics,
  liveNodeIds,
  topicNameProblem,
  proposeAlterTopicConfigs,
  proposeCancelReassignment,
  proposeCreatePartitions,
  proposeCreateTopic,
  proposeDeleteTopic,
  proposeReassignment,
  topicConfigDefs,
  type MetadataImage,
  type PartitionImage,
} from '../metadata/index.js';
import type { LeaderChange, MultiRaft } from '../multiraft/index.js';
import { EntryType, type Entry, type Snapshot } from '../raft/index.js';
import { BROKER_DEFAULTS, systemClock, type BrokerOptions, type NodeHeartbeatRequest } from './broker-options.js';
import type {
  Acks,
  ClusterView,
  ConfigEntryOut,
  CreateTopicIn,
  CreateTopicOut,
  FetchPartitionRequest,
  FetchPartitionResult,
  FetchRequestIn,
  ListOffsetsRequestIn,
  ProduceOutcome,
  ProduceRecordInput,
  ProducerIdentityIn,
  TopicView,
} from './broker-types.js';
import { leaderHint, notLeaderError, withLeaderHint, withTimeout } from './errors.js';
import { nodeViews, viewOfTopic } from './cluster-views.js';
import { METADATA_GROUP, MetadataController } from './metadata-controller.js';
import { checkedRecord } from './record-conversion.js';
import { retentionPolicy, runRetention } from './retention.js';
import { MetadataStateMachine } from './metadata-state-machine.js';
import { PartitionDuties } from './partition-duties.js';
import { partitionBootstrap } from './partition-bootstrap.js';
import { PartitionReplica } from './partition-replica.js';
import { ProducerIdAllocator } from './producer-ids.js';
import { GroupCoordinator, OFFSETS_TOPIC } from './groups/group-coordinator.js';
import { OffsetsPartitions } from './groups/offsets-partitions.js';
import { SerialQueue } from './serial-queue.js';


/**
 * A Runnel node's broker: wires the metadata group and one Raft group per hosted partition replica
 * over MultiRaft, and serves produce, fetch, list offsets, metadata and admin (docs/BROKER.md).
 * Concrete storage, transport and gRPC objects come from src/cli.
 */
export class Broker {
  readonly nodeId: NodeId;
  readonly incarnationId: string = crypto.randomUUID();
  private readonly mr: MultiRaft;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly meta: MetadataStateMachine;
  private readonly replicas = new Map<GroupId, PartitionReplica>();
  private readonly heartbeatIntervalMs: number;
  private readonly sessionTimeoutMs: number;
  private readonly pendingProposalsMax: number;
  // Serialises creating and removing partition groups (openGroup is async).
  private reconciling: Promise<void> = Promise.resolve();
  private reconcileQueued = false;
  private livenessTimer: ReturnType<typeof setInterval> | undefined;
  private retentionTimer: ReturnType<typeof setInterval> | undefined;
  private retentionRunning = false;
  private readonly controller: MetadataController;
  private readonly duties: PartitionDuties;
  private fetchWaiters = 0;
  private reportScheduled = false;
  // auto.create.topics.enable: names to ask the metadata leader to create (bounded).
  private readonly autoCreatePending = new Set<string>();
  private readonly producerIds = new ProducerIdAllocator();
  private readonly offsets: OffsetsPartitions;
  /** Consumer groups coordinated on this node (src/broker/groups). */
  readonly groups: GroupCoordinator;
  // CreatePartitions one at a time: its record says how many partitions to add, not the total, so
  // two requests validated against the same image would both add theirs.
  private readonly partitionGrowth = new SerialQueue('CreatePartitions requests', BROKER_DEFAULTS.createPartitionsQueuedMax);
  private closed = false;

  constructor(private readonly options: BrokerOptions) {
    this.nodeId = options.nodeId;
    this.mr = options.multiRaft;
    this.logger = options.logger.child({ nodeId: options.nodeId, component: 'broker' });
    this.clock = options.clock ?? systemClock;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? BROKER_DEFAULTS.heartbeatIntervalMs;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? BROKER_DEFAULTS.sessionTimeoutMs;
    this.pendingProposalsMax = options.pendingProposalsMax ?? BROKER_DEFAULTS.pendingProposalsMax;
    this.meta = new MetadataStateMachine(this.logger.child({ groupId: METADATA_GROUP }), BROKER_DEFAULTS.metadataOutcomesMax);
    this.meta.onChange((before, after) => this.imageChanged(before, after));
    this.controller = new MetadataController(this.nodeId, this.mr, this.meta, this.clock, this.sessionTimeoutMs, this.logger);
    this.duties = new PartitionDuties(this.nodeId, this.mr, this.logger);
    this.offsets = new OffsetsPartitions(this.nodeId, () => this.meta.image, options.storage, this.mr, this.logger);
    this.groups = new GroupCoordinator(this.nodeId, this.mr, this.offsets, this.clock, this.logger.child({ component: 'groups' }), (id) => leaderHint(this.meta.image, id));
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  /** Host the metadata group and start heartbeating; partition groups follow the image. */
  async start(): Promise<void> {
    const voters = [...this.options.metadataVoters];
    if (!voters.includes(this.nodeId)) {
      this.logger.warn({ voters }, 'broker: this node is not a metadata voter; non-voter nodes are not supported yet');
    }
    const storage = await this.options.storage.openGroup(METADATA_GROUP, { bootstrap: { voters, learners: [] } });
    this.mr.onLeaderChange((c) => this.leaderChanged(c));
    this.mr.addGroup(METADATA_GROUP, {
      storage,
      stateMachine: this.meta,
      uncompactedEntriesMax: this.options.metadataSnapshotEntriesMax ?? BROKER_DEFAULTS.metadataSnapshotEntriesMax,
    });
    this.livenessTimer = setInterval(() => void this.livenessTick(), this.heartbeatIntervalMs);
    const retentionEveryMs = this.options.retentionCheckIntervalMs ?? BROKER_DEFAULTS.retentionCheckIntervalMs;
    this.retentionTimer = setInterval(() => void this.retentionTick(), retentionEveryMs);
    this.groups.start(BROKER_DEFAULTS.groupSessionCheckMs);
    this.logger.info({ incarnationId: this.incarnationId, voters }, 'broker: started');
  }

  /** Registered in the image with this process's incarnation and not fenced: the node has joined. */
  joined(): boolean {
    const n = this.meta.image.nodes.get(this.nodeId);
    return !this.closed && n !== undefined && n.incarnationId === this.incarnationId && !n.fenced;
  }

  get image(): MetadataImage {
    return this.meta.image;
  }

  /**
   * Graceful stop, first half: stop heartbeating and fence this incarnation (so a restart registers
   * at once). Best effort within timeoutMs.
   */
  async leave(timeoutMs: number): Promise<void> {
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    this.livenessTimer = undefined;
    try {
      await withTimeout(this.sendHeartbeat({ ...this.heartbeatRequest(), fence: true }, timeoutMs), timeoutMs);
    } catch (err) {
      this.logger.warn({ err: errText(err) }, 'broker: could not fence this node before stopping');
    }
  }

  /** Stop timers and fail waiting fetches; MultiRaft, transport and storage are closed by the caller. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.reconciling.catch(() => {});
    for (const r of this.replicas.values()) r.close();
    this.groups.close();
    this.options.controllerClient.close();
  }

  // ---- the image and the groups it implies -----------------------------------------------------------

  private imageChanged(before: MetadataImage, after: MetadataImage): void {
    const changes = diff(before, after, this.nodeId);
    for (const peer of changes.peersChanged) {
      const n = after.nodes.get(peer);
      if (n && peer !== this.nodeId) this.options.transport.setPeerAddress(peer, n.peerAddress);
    }
    if (changes.added.length > 0 || changes.removed.length > 0 || this.replicas.size === 0) this.scheduleReconcile();
  }

  private scheduleReconcile(): void {
    if (this.reconcileQueued || this.closed) return;
    this.reconcileQueued = true;
    this.reconciling = this.reconciling
      .then(() => {
        this.reconcileQueued = false;
        return this.reconcile();
      })
      .catch((err: unknown) => this.logger.error({ err: errText(err) }, 'broker: creating or removing partition groups failed'));
  }

  /** Host exactly the partitions the image assigns to this node. */
  private async reconcile(): Promise<void> {
    const image = this.meta.image;
    const wanted = new Map(hostedPartitions(image, this.nodeId).map((p) => [p.groupId, p]));
    for (const [groupId, r] of [...this.replicas]) {
      if (wanted.has(groupId) || this.closed) continue;
      this.replicas.delete(groupId);
      r.close();
      this.mr.removeGroup(groupId, { deleteData: true });
    }
    for (const groupId of [...this.offsets.keys()]) if (!wanted.has(groupId) && !this.closed) this.offsets.remove(groupId);
    for (const p of wanted.values()) {
      if (this.closed) return;
      if (this.replicas.has(p.groupId) || this.offsets.has(p.groupId)) continue;
      if (p.topicName === OFFSETS_TOPIC) await this.offsets.open(p, () => this.closed);
      else await this.openPartition(p);
    }
  }

  private async openPartition(p: PartitionImage): Promise<void> {
    const storage = await this.options.storage.openGroup(p.groupId, {
      bootstrap: partitionBootstrap(p, this.nodeId),
      describeEntry: describeEntry,
      snapshotEndOffset: (s: Snapshot) => (s.data.byteLength === 0 ? 0 : decodePartitionSnapshot(s.data).endOffset),
    });
    const snap = storage.snapshot();
    const logger = this.logger.child({ groupId: p.groupId, partition: `${p.topicName}-${p.partition}` });
    const log = await PartitionLog.open({
      store: storage,
      nodeId: this.nodeId,
      groupId: p.groupId,
      snapshot: snap.meta.index > 0 && snap.data.byteLength > 0 ? { index: snap.meta.index, data: snap.data } : undefined,
      commitIndex: storage.initialState().hardState.commit,
      logger,
      nowMs: this.clock.nowMs(),
    });
    if (this.closed) return;
    const replica = new PartitionReplica(p.groupId, log, storage, this.mr, this.nodeId, logger);
    this.replicas.set(p.groupId, replica);
    this.mr.addGroup(p.groupId, { storage, stateMachine: replica });
    logger.info({ replicas: p.replicas }, 'broker: hosting partition');
  }

  private leaderChanged(c: LeaderChange): void {
    if (c.groupId === METADATA_GROUP) {
      if (c.leader === this.nodeId) this.controller.leaderSinceMs = this.clock.nowMs();
      return;
    }
    this.replicas.get(c.groupId)?.leaderChanged(c.leader, c.term);
    if (this.offsets.has(c.groupId)) this.groups.leadershipChanged(c.groupId);
    if (c.leader === this.nodeId) this.reportSoon();
  }

  /** Report new leaderships promptly: one extra heartbeat for all groups elected in this turn. */
  private reportSoon(): void {
    if (this.reportScheduled || this.closed) return;
    this.reportScheduled = true;
    setImmediate(() => {
      this.reportScheduled = false;
      void this.livenessTick();
    });
  }

  // ---- liveness: registration, heartbeats, fencing, leader reports -------------------------------

  private heartbeatRequest(): NodeHeartbeatRequest {
    const image = this.meta.image;
    return {
      nodeId: this.nodeId,
      incarnationId: this.incarnationId,
      clientAddress: this.options.clientAddress,
      peerAddress: this.options.peerAddress,
      leaderReports: this.duties.leaderReports(image, this.hostedGroupIds()),
      completedReassignments: this.duties.completedReassignments(image, this.hostedGroupIds()),
      autoCreateTopics: this.takeAutoCreates(image),
    };
  }

  private async livenessTick(): Promise<void> {
    if (this.closed) return;
    // Fencing comes first and never waits on our own heartbeat: a metadata leader that restarted
    // cannot register its new incarnation until its old one is fenced (after a whole-cluster crash,
    // every node is in that state), so fencing only after a successful heartbeat deadlocks.
    if (this.controller.isLeader()) this.controller.fenceExpired();
    try {
      this.duties.balanceLeaders(this.meta.image, this.hostedGroupIds());
      this.duties.driveReassignments(this.meta.image, this.hostedGroupIds());
      await this.sendHeartbeat(this.heartbeatRequest(), this.heartbeatIntervalMs * 4);
    } catch (err) {
      this.logger.debug({ err: errText(err) }, 'broker: heartbeat to the metadata leader failed');
    }
  }

  private async sendHeartbeat(req: NodeHeartbeatRequest, timeoutMs: number): Promise<void> {
    const leader = this.controller.leaderId();
    if (leader === 0) return;
    if (leader === this.nodeId) return this.handleNodeHeartbeat(req);
    const address = this.meta.image.nodes.get(leader)?.clientAddress;
    if (address === undefined) return; // the leader has not registered yet
    await this.options.controllerClient.heartbeat(address, req, timeoutMs);
  }

  /** The metadata leader's side of a node heartbeat (the internal RPC). */
  async handleNodeHeartbeat(req: NodeHeartbeatRequest): Promise<void> {
    await Promise.all([this.controller.handleNodeHeartbeat(req), ...(req.autoCreateTopics ?? []).map((name) => this.autoCreate(name))]);
  }

  // ---- auto.create.topics.enable --------------------------------------------------------------------

  /** An unknown topic was named: have the metadata leader create it, and tell the client to retry. */
  private unknownTopic(name: string): RunnelError {
    const err = new RunnelError('RUNNEL_ERR_UNKNOWN_TOPIC', [name]);
    if (!this.options.autoCreateTopics || topicNameProblem(name) !== undefined) return err;
    if (this.autoCreatePending.size < BROKER_DEFAULTS.autoCreatePendingMax) this.autoCreatePending.add(name);
    this.reportSoon();
    return new RunnelError('RUNNEL_ERR_UNKNOWN_TOPIC', [`${name} (being created: auto.create.topics.enable is on; retry shortly)`]);
  }

  private takeAutoCreates(image: MetadataImage): string[] {
    const names = [...this.autoCreatePending].filter((n) => !image.topicIdsByName.has(n));
    this.autoCreatePending.clear();
    return names;
  }

  /** Metadata leader: create a topic a node asked for, with the broker defaults (RF capped at the live nodes). */
  private async autoCreate(name: string): Promise<void> {
    if (findTopic(this.meta.image, name)) return;
    const live = liveNodeIds(this.meta.image).length;
    const internal = name === OFFSETS_TOPIC;
    const wantedRf = internal ? (this.options.offsetsTopicReplicationFactor ?? BROKER_DEFAULTS.offsetsTopicReplicationFactor) : this.options.defaultReplicationFactor;
    const replicationFactor = Math.max(1, Math.min(wantedRf, live));
    const numPartitions = internal ? (this.options.offsetsTopicPartitions ?? BROKER_DEFAULTS.offsetsTopicPartitions) : 0;
    try {
      await this.createTopic({ name, numPartitions, replicationFactor, assignments: [], configs: {} }, false, BROKER_DEFAULTS.adminTimeoutMsDefault);
      this.logger.info({ topic: name }, 'broker: auto-created a topic');
    } catch (err) {
      if (!(err instanceof RunnelError && err.code === 'RUNNEL_ERR_TOPIC_ALREADY_EXISTS')) throw err;
    }
  }

  isMetadataLeader(): boolean {
    return this.controller.isLeader();
  }

  metadataLeader(): NodeId {
    return this.controller.leaderId();
  }

  // ---- retention ----------------------------------------------------------------------------------

  /** Apply log.retention.* (or the topic's overrides) to every hosted replica, one at a time. */
  private async retentionTick(): Promise<void> {
    if (this.retentionRunning || this.closed) return;
    this.retentionRunning = true;
    const defaults = { retentionMs: this.options.retentionMs ?? -1, retentionBytes: this.options.retentionBytes ?? -1 };
    try {
      for (const [groupId, replica] of [...this.replicas]) {
        const p = partitionByGroup(this.meta.image, groupId);
        const topic = p && this.meta.image.topics.get(p.topicId);
        if (!topic || replica.closed) continue;
        replica.log.expireProducers(this.clock.nowMs());
        await runRetention(replica, this.clock.nowMs(), retentionPolicy(topic.configs, defaults), this.logger);
      }
    } catch (err) {
      this.logger.error({ err: errText(err) }, 'broker: retention failed');
    } finally {
      this.retentionRunning = false;
    }
  }

  // ---- produce ------------------------------------------------------------------------------------

  /**
   * Append records to a partition this node leads. With `producer` (an idempotent producer) a retry
   * of a batch already written is not appended again: it is answered with the original's offsets
   * once that batch is committed.
   */
  async produce(
    topic: string,
    partition: number,
    records: readonly ProduceRecordInput[],
    acks: Acks,
    timeoutMs: number,
    producer?: ProducerIdentityIn,
  ): Promise<ProduceOutcome> {
    const now = this.clock.nowMs();
    return this.appendBatch(topic, partition, () => encodeBatch({ records: records.map((r) => checkedRecord(r, now)), ...producer }), acks, timeoutMs);
  }

  /**
   * The same for a batch the producer encoded itself (ProduceRequest's record_batch). PartitionLog's
   * append checks it whole (CRC, structure, every record limit) before anything is appended; its
   * header carries the producer identity.
   */
  async produceBatch(topic: string, partition: number, batch: Uint8Array, acks: Acks, timeoutMs: number): Promise<ProduceOutcome> {
    return this.appendBatch(topic, partition, () => batch, acks, timeoutMs);
  }

  /** `makeBatch` runs once the partition is known to be led here, so a refusal costs no encoding. */
  private async appendBatch(topic: string, partition: number, makeBatch: () => Uint8Array, acks: Acks, timeoutMs: number): Promise<ProduceOutcome> {
    const image = this.meta.image;
    if (!image.topicIdsByName.has(topic)) throw this.unknownTopic(topic);
    refuseInternal(topic);
    const p = describePartition(image, topic, partition);
    const replica = this.leaderReplica(image, p);
    const term = replica.leadingTerm();
    if (term === undefined) throw this.notLeadingError(image, p, replica);
    const st = this.mr.status(p.groupId);
    if (st && st.pendingProposals >= this.pendingProposalsMax) {
      throw new RunnelError('RUNNEL_ERR_PROPOSAL_DROPPED', [`${this.pendingProposalsMax} proposals pending in ${topic}-${partition}`]);
    }
    const now = this.clock.nowMs();
    const batch = makeBatch();
    if (replica.uncommittedBytes() + batch.byteLength > BROKER_DEFAULTS.partitionUncommittedBytesMax) {
      throw new RunnelError('RUNNEL_ERR_PROPOSAL_DROPPED', [`${topic}-${partition} has ${replica.uncommittedBytes()} bytes awaiting commit (partitionUncommittedBytesMax)`]);
    }
    let proposal: Promise<unknown> | undefined;
    const appended = replica.log.append(batch, now, (data) => {
      proposal = this.mr.propose(p.groupId, data, { waitFor: acks === 'all' ? 'committed' : 'persisted' });
    });
    if (appended.duplicate) {
      this.logger.info({ partition: `${topic}-${partition}`, producer: producerOf(batch), baseOffset: appended.baseOffset }, 'produce: a resent batch was already written; answering with its offsets');
      if (acks === 'none') return noOffsets;
      await withTimeout(this.committedThrough(replica, term, appended.lastOffset, `${topic}-${partition}`), timeoutMs);
      return { baseOffset: appended.baseOffset, logAppendTimeMs: appended.appendTimeMs, logStartOffset: replica.log.logStartOffset };
    }
    replica.stampedBatch(appended.lastOffset + 1, batch.byteLength);
    const settled = proposal!.catch((err: unknown) => {
      if (err instanceof RunnelError && err.definite) replica.proposalFailed(term, err);
      throw withLeaderHint(err, this.meta.image, this.nodeId, `${topic}-${partition}`);
    });
    if (acks === 'none') {
      settled.catch(() => {});
      return noOffsets;
    }
    await withTimeout(settled, timeoutMs);
    return { baseOffset: appended.baseOffset, logAppendTimeMs: appended.appendTimeMs, logStartOffset: replica.log.logStartOffset };
  }

  /**
   * Resolves once `lastOffset` is below the high watermark; LEADERSHIP_LOST (indefinite) if this
   * node stops leading in `term` first (the batch may still commit under the next leader).
   */
  private async committedThrough(replica: PartitionReplica, term: number, lastOffset: number, name: string): Promise<void> {
    while (replica.log.highWatermark <= lastOffset) {
      if (replica.closed || replica.leadingTerm() !== term) {
        throw new RunnelError('RUNNEL_ERR_LEADERSHIP_LOST', [this.nodeId, name, 'while a retried batch was awaiting commit']);
      }
      await new Promise<void>((resolve) => replica.waitForChange(resolve));
    }
  }

  /** InitProducerId: a producer id unique in the cluster for ever (producer-ids.ts). */
  initProducerId(): number {
    const n = this.meta.image.nodes.get(this.nodeId);
    if (!this.joined() || n === undefined) {
      throw new RunnelError('RUNNEL_ERR_PROPOSAL_DROPPED', [`node ${this.nodeId} has not joined the cluster yet; retry, or ask another node`]);
    }
    return this.producerIds.allocate(n.livenessEpoch);
  }

  /** The replica of `p` on this node, which must be its Raft leader. */
  private leaderReplica(image: MetadataImage, p: PartitionImage): PartitionReplica {
    const replica = this.replicas.get(p.groupId);
    if (!replica || !replica.isRaftLeader()) {
      // A replica knows the leader from Raft (none during an election: no hint rather than a stale one);
      // a node without a replica hints the leader the image last recorded.
      const leader = replica ? this.mr.leaderOf(p.groupId) : p.leader;
      throw notLeaderError(image, this.nodeId, `${p.topicName}-${p.partition}`, leader === this.nodeId ? 0 : leader, p.groupId);
    }
    return replica;
  }

  private notLeadingError(image: MetadataImage, p: PartitionImage, replica: PartitionReplica): RunnelError {
    if (replica.isRaftLeader()) {
      const why = replica.isReanchoring() ? 'the leader is re-anchoring after a dropped proposal' : 'the new leader has not committed its first entry yet';
      return new RunnelError('RUNNEL_ERR_PROPOSAL_DROPPED', [`${why} (${p.topicName}-${p.partition})`], { groupId: p.groupId });
    }
    return notLeaderError(image, this.nodeId, `${p.topicName}-${p.partition}`, this.mr.leaderOf(p.groupId), p.groupId);
  }

  // ---- fetch --------------------------------------------------------------------------------------

  /**
   * Long-poll fetch: read every partition up to its high watermark; answer once minBytes are there,
   * a partition failed, or maxWaitMs passed (waking whenever a high watermark moves).
   */
  async fetch(req: FetchRequestIn, signal?: AbortSignal): Promise<FetchPartitionResult[]> {
    const deadline = Date.now() + Math.min(Math.max(req.maxWaitMs, 0), BROKER_DEFAULTS.fetchWaitMsMax);
    const minBytes = Math.max(req.minBytes, 1);
    for (;;) {
      const results = await this.readAll(req);
      const bytes = results.reduce((n, r) => n + r.bytes, 0);
      const failed = results.some((r) => r.error !== undefined);
      if (bytes >= minBytes || failed || Date.now() >= deadline || signal?.aborted || this.closed) return results;
      const groups = req.partitions.map((p) => this.groupOf(p.topic, p.partition));
      if (!(await this.waitForAnyChange(groups, deadline - Date.now(), signal))) return results;
    }
  }

  private async readAll(req: FetchRequestIn): Promise<FetchPartitionResult[]> {
    const responseMax = Math.min(req.maxBytes > 0 ? req.maxBytes : BROKER_DEFAULTS.fetchResponseBytesDefault, Math.floor(this.options.requestMaxBytes * 0.9));
    let left = responseMax;
    const out: FetchPartitionResult[] = [];
    for (const p of req.partitions) {
      const r = await this.readPartition(p, Math.max(1, Math.min(p.maxBytes > 0 ? p.maxBytes : BROKER_DEFAULTS.partitionFetchBytesDefault, left)), left <= 0);
      left -= r.bytes;
      out.push(r);
    }
    return out;
  }

  /** One partition's committed records from `offset`; errors are returned, not thrown. */
  async readPartition(p: FetchPartitionRequest, maxBytes: number, budgetSpent = false): Promise<FetchPartitionResult> {
    try {
      const image = this.meta.image;
      refuseInternal(p.topic);
      const part = describePartition(image, p.topic, p.partition);
      const replica = this.leaderReplica(image, part);
      const log = replica.log;
      if (budgetSpent) {
        return { batches: [], highWatermark: log.highWatermark, logStartOffset: log.logStartOffset, nextOffset: p.offset, bytes: 0 };
      }
      const r = await log.fetch(p.offset, maxBytes);
      let bytes = 0;
      for (const data of r.batches) bytes += data.byteLength;
      return { batches: r.batches, highWatermark: r.highWatermark, logStartOffset: r.logStartOffset, nextOffset: r.nextOffset, bytes };
    } catch (err) {
      const e = asRunnel(err);
      // Out of range: say where the log is now, so the client can tell "not there yet" from "gone".
      const range = e.code === 'RUNNEL_ERR_OFFSET_OUT_OF_RANGE' ? { hw: Number(e.details['highWatermark']), start: Number(e.details['logStartOffset']) } : undefined;
      return { error: e, batches: [], highWatermark: range?.hw ?? -1, logStartOffset: range?.start ?? -1, nextOffset: p.offset, bytes: 0 };
    }
  }

  private groupOf(topic: string, partition: number): GroupId | undefined {
    return findTopic(this.meta.image, topic)?.partitions[partition]?.groupId;
  }

  /**
   * Wait until a high watermark of one of `groups` moves, leadership ends, the signal aborts or
   * `timeoutMs` passes. Returns false (at once) when the node already has fetchWaitersMax waiters.
   */
  waitForAnyChange(groups: readonly (GroupId | undefined)[], timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.fetchWaiters >= BROKER_DEFAULTS.fetchWaitersMax || timeoutMs <= 0) return Promise.resolve(false);
    this.fetchWaiters++;
    return new Promise<boolean>((resolve) => {
      const cancels: Array<() => void> = [];
      let done = false;
      const finish = (changed: boolean): void => {
        if (done) return;
        done = true;
        this.fetchWaiters--;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        for (const c of cancels) c();
        resolve(changed);
      };
      const onAbort = (): void => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      signal?.addEventListener('abort', onAbort);
      for (const g of groups) {
        const r = g === undefined ? undefined : this.replicas.get(g);
        if (r) cancels.push(r.waitForChange(() => finish(true)));
      }
    });
  }

  // ---- list offsets -------------------------------------------------------------------------------

  async listOffsets(req: ListOffsetsRequestIn): Promise<number> {
    const image = this.meta.image;
    refuseInternal(req.topic);
    const p = describePartition(image, req.topic, req.partition);
    return this.leaderReplica(image, p).log.listOffsets(req.spec);
  }

  // ---- metadata and describe ----------------------------------------------------------------------

  /** Nodes and topics (all, or those named). `autoCreate`: Metadata's auto.create.topics.enable. */
  clusterView(topicNames: readonly string[] | undefined, autoCreate = false): ClusterView {
    const image = this.meta.image;
    const topics = topicNames && topicNames.length > 0 ? topicNames.map((n) => this.topicView(image, n, autoCreate)) : listTopics(image).map((t) => viewOfTopic(image, t));
    return { clusterId: this.options.clusterId, controllerId: this.metadataLeader(), nodes: nodeViews(image, this.options.metadataVoters), topics };
  }

  private topicView(image: MetadataImage, name: string, autoCreate: boolean): TopicView {
    const t = findTopic(image, name);
    if (t) return viewOfTopic(image, t);
    const error = autoCreate ? this.unknownTopic(name) : new RunnelError('RUNNEL_ERR_UNKNOWN_TOPIC', [name]);
    return { name, error, topicId: '', partitions: [], configs: {} };
  }

  // ---- admin (changes go through the metadata leader) -----------------------------------------------

  async createTopic(t: CreateTopicIn, validateOnly: boolean, timeoutMs: number): Promise<CreateTopicOut> {
    this.controller.requireLeader();
    const explicit = t.assignments.length > 0;
    const partitions = explicit ? t.assignments.length : t.numPartitions > 0 ? t.numPartitions : this.options.numPartitions;
    const replicationFactor = explicit ? (t.assignments[0]?.length ?? 0) : t.replicationFactor > 0 ? t.replicationFactor : this.options.defaultReplicationFactor;
    const topicId = crypto.randomUUID();
    const record = proposeCreateTopic(this.meta.image, {
      name: t.name,
      topicId,
      partitions,
      replicationFactor,
      configs: t.configs,
      ...(explicit ? { assignments: t.assignments } : {}),
    });
    if (!validateOnly) await this.controller.propose(record, timeoutMs);
    return { topicId: validateOnly ? '' : topicId, numPartitions: partitions, replicationFactor };
  }

  /**
   * Kafka's CreatePartitions: grow `name` to `totalCount` partitions, placed by the cluster. Every
   * node hosting a new partition opens its group once the record applies (imageChanged → reconcile).
   */
  async createPartitions(name: string, totalCount: number, validateOnly: boolean, timeoutMs: number): Promise<void> {
    this.controller.requireLeader();
    await this.partitionGrowth.run(async () => {
      this.controller.requireLeader();
      const current = findTopic(this.meta.image, name)?.partitions.length;
      if (current !== undefined && totalCount <= current) {
        throw new RunnelError('RUNNEL_ERR_INVALID_PARTITIONS', [`topic ${name} has ${current} partitions and ${totalCount} is not more; partitions can only be added`]);
      }
      const record = proposeCreatePartitions(this.meta.image, name, totalCount);
      if (!validateOnly) await this.controller.propose(record, timeoutMs);
    });
  }

  async deleteTopic(name: string, timeoutMs: number): Promise<void> {
    this.controller.requireLeader();
    await this.controller.propose(proposeDeleteTopic(this.meta.image, name), timeoutMs);
  }

  async alterTopicConfigs(name: string, set: Record<string, string>, remove: readonly string[], validateOnly: boolean): Promise<void> {
    this.controller.requireLeader();
    const record = proposeAlterTopicConfigs(this.meta.image, name, set, remove);
    if (!validateOnly) await this.controller.propose(record, BROKER_DEFAULTS.adminTimeoutMsDefault);
  }

  /** Records the target of a partition move; the group's leader then drives the membership steps. */
  async reassignPartition(name: string, partition: number, replicas: readonly NodeId[], cancel: boolean, timeoutMs: number): Promise<void> {
    this.controller.requireLeader();
    const image = this.meta.image;
    const record = cancel ? proposeCancelReassignment(image, name, partition) : proposeReassignment(image, name, partition, replicas);
    await this.controller.propose(record, timeoutMs);
  }

  /** Topic configs with the broker's defaults for keys the topic does not set. */
  describeTopicConfigs(name: string): ConfigEntryOut[] {
    const t = findTopic(this.meta.image, name);
    if (!t) throw new RunnelError('RUNNEL_ERR_UNKNOWN_TOPIC', [name]);
    const defaults: Record<string, string> = {
      'cleanup.policy': 'delete',
      'retention.ms': String(this.options.retentionMs ?? -1),
      'retention.bytes': String(this.options.retentionBytes ?? -1),
      'max.message.bytes': String(1 << 20),
    };
    return Object.keys(topicConfigDefs)
      .sort()
      .map((k) => (Object.hasOwn(t.configs, k) ? { name: k, value: t.configs[k]!, source: 'topic' as const, readOnly: false } : { name: k, value: defaults[k] ?? '', source: 'default' as const, readOnly: false }));
  }

  /** Partition groups hosted here, `__consumer_offsets` ones included (tests and tools). */
  hostedGroupIds(): GroupId[] {
    return [...this.replicas.keys(), ...this.offsets.keys()];
  }

  // ---- consumer groups ------------------------------------------------------------------------------

  /**
   * FindCoordinator: the node leading the group's `__consumer_offsets` partition. The first call
   * has the metadata leader create the internal topic (COORDINATOR_NOT_AVAILABLE until it has a leader).
   */
  findCoordinator(groupId: string): { nodeId: NodeId; clientAddress: string } {
    const image = this.meta.image;
    const g = this.offsets.offsetsGroupOf(groupId);
    if (g === undefined) {
      if (this.autoCreatePending.size < BROKER_DEFAULTS.autoCreatePendingMax) this.autoCreatePending.add(OFFSETS_TOPIC);
      this.reportSoon();
      throw new RunnelError('RUNNEL_ERR_COORDINATOR_NOT_AVAILABLE', [groupId, `creating the ${OFFSETS_TOPIC} topic`]);
    }
    const leader = this.offsets.has(g.raftGroup) ? this.mr.leaderOf(g.raftGroup) : (partitionByGroup(image, g.raftGroup)?.leader ?? 0);
    const address = leader === 0 ? undefined : image.nodes.get(leader)?.clientAddress;
    if (address === undefined) throw new RunnelError('RUNNEL_ERR_COORDINATOR_NOT_AVAILABLE', [groupId, 'its offsets partition has no leader yet']);
    return { nodeId: leader, clientAddress: address };
  }
}

/** `__consumer_offsets` holds group state, not records: no produce, fetch or list offsets. */
function refuseInternal(topic: string): void {
  if (topic === OFFSETS_TOPIC) throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`${OFFSETS_TOPIC} is internal: use the GroupService`]);
}

/** acks=none answers before anything is known. */
const noOffsets: ProduceOutcome = { baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };

function describeEntry(e: Entry): ReturnType<typeof describeBatch> | undefined {
  return e.type === EntryType.Normal && e.data.byteLength > 0 ? describeBatch(e.data) : undefined;
}

function asRunnel(err: unknown): RunnelError {
  if (err instanceof RunnelError) return err;
  return new RunnelError('RUNNEL_ERR_INTERNAL', [errText(err)]);
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
