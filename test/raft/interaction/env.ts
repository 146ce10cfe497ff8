import type { NodeId, Rng } from '../../../src/core/index.js';
import { MemoryStorage, RawNode, type Message } from '../../../src/raft/index.js';
import { describeMessage, describeReady } from './format.js';
import { nodeLogger, Output } from './output.js';

/** Raft settings of a node; `add-nodes` keys in brackets. */
export interface NodeOptions {
  /** [election] etcd's rafttest uses 3 so that scripts stay short. */
  readonly electionTicks: number;
  /** [heartbeat] */
  readonly heartbeatTicks: number;
  /** [prevote] */
  readonly preVote: boolean;
  /** [checkquorum] */
  readonly checkQuorum: boolean;
  /** [max-msg-bytes] 1 means one entry per append message. */
  readonly maxMsgBytes: number;
  /** [inflight] */
  readonly maxInflightMsgs: number;
  /** [max-promotion-lag] */
  readonly maxPromotionLagEntries: number;
}

export const DEFAULT_NODE_OPTIONS: NodeOptions = {
  electionTicks: 3,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  maxMsgBytes: 1 << 20,
  maxInflightMsgs: 256,
  maxPromotionLagEntries: 1000,
};

/**
 * Randomness that always picks the top of the range: the randomized election timeout (drawn from
 * [electionTicks, 2*electionTicks)) is always 2*electionTicks-1. Scripts then know exactly when a
 * node campaigns, and `tick-election` (electionTicks ticks) takes a follower out of its leader's
 * lease without making it campaign, which check-quorum scenarios need.
 */
export class TopOfRangeRng implements Rng {
  next(): number {
    return 1 - 2 ** -53;
  }

  int(lo: number, hi: number): number {
    return hi - 1 >= lo ? hi - 1 : lo;
  }

  chance(p: number): boolean {
    return p >= 1;
  }
}

/** One simulated node: what it persisted (survives a crash) and, while up, its RawNode. */
export class TestNode {
  raw: RawNode | undefined;

  constructor(
    readonly id: NodeId,
    public storage: MemoryStorage,
    readonly options: NodeOptions,
  ) {}
}

/** Bounds `stabilize` so a livelock in the core fails the script instead of hanging the test. */
const STABILIZE_ROUNDS_MAX = 1000;

/**
 * In-memory nodes and the network between them. The host loop follows the order written on the
 * Ready type: persist snapshot/entries/hard state, then hand messages to the network, then apply,
 * then advance. Everything written to a node's MemoryStorage counts as fsynced: a crash keeps it
 * and loses only the RawNode's memory.
 */
export class InteractionEnv {
  readonly out = new Output();
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages in flight, oldest first. */
  messages: Message[] = [];
  /** Partition group of each node; undefined = fully connected. Unlisted nodes are isolated. */
  private groups: Map<NodeId, number> | undefined;

  node(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  raw(id: NodeId): RawNode {
    const raw = this.node(id).raw;
    if (!raw) throw new Error(`node ${id} is down`);
    return raw;
  }

  isUp(id: NodeId): boolean {
    return this.nodes.get(id)?.raw !== undefined;
  }

  addNode(id: NodeId, storage: MemoryStorage, options: NodeOptions): TestNode {
    const node = new TestNode(id, storage, options);
    this.nodes.set(id, node);
    this.start(node);
    return node;
  }

  /** (Re)create the node's RawNode from what its storage holds. */
  start(node: TestNode): void {
    const o = node.options;
    node.raw = new RawNode({
      id: node.id,
      storage: node.storage,
      rng: new TopOfRangeRng(),
      logger: nodeLogger(this.out, node.id),
      electionTicks: o.electionTicks,
      heartbeatTicks: o.heartbeatTicks,
      preVote: o.preVote,
      checkQuorum: o.checkQuorum,
      maxMsgBytes: o.maxMsgBytes,
      maxInflightMsgs: o.maxInflightMsgs,
      maxPromotionLagEntries: o.maxPromotionLagEntries,
      // A host restores its state machine from the latest snapshot and tells Raft where that left it.
      applied: node.storage.snapshot().meta.index,
    });
  }

  crash(id: NodeId): void {
    this.raw(id); // must be up
    this.node(id).raw = undefined;
    this.dropQueued((m) => m.to === id);
  }

  /**
   * Run an input (tick, step, propose, ...) on a node and report a change of role or term, which
   * otherwise shows only in the next Ready.
   */
  input<T>(id: NodeId, fn: (raw: RawNode) => T): T {
    const raw = this.raw(id);
    const before = `${raw.raft.state}@${raw.raft.term}`;
    try {
      return fn(raw);
    } finally {
      if (`${raw.raft.state}@${raw.raft.term}` !== before) {
        this.out.log('info', `${id} became ${raw.raft.state} at term ${raw.raft.term}`);
      }
    }
  }

  /** Handle one Ready if there is one; returns whether there was. */
  processReady(id: NodeId): boolean {
    const node = this.node(id);
    const raw = this.raw(id);
    if (!raw.hasReady()) return false;
    const rd = raw.ready();
    // 1. Persist: snapshot, then entries (replacing any suffix from their first index), then hard state.
    if (rd.snapshot) node.storage.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) node.storage.append(rd.entries);
    if (rd.hardState) node.storage.setHardState(rd.hardState);
    // 2. Only now send.
    const notes = new Map<Message, string>();
    for (const m of rd.messages) notes.set(m, this.send(m));
    for (const line of describeReady(rd, (m) => notes.get(m) ?? '')) this.out.write(line);
    // 3. Apply: the state machine of these nodes keeps nothing beyond the applied index, which
    //    RawNode tracks; 4. advance.
    this.input(id, (r) => r.advance(rd));
    return true;
  }

  /** Put a message on the wire; returns a note if the network dropped it. */
  private send(m: Message): string {
    if (!this.nodes.has(m.to)) return ` (dropped: no node ${m.to})`;
    if (!this.isUp(m.to)) return ` (dropped: ${m.to} is down)`;
    if (!this.canReach(m.from, m.to)) return ' (dropped: partitioned)';
    this.messages.push(m);
    return '';
  }

  /**
   * Deliver (or, with `drop`, discard) the queued messages to `to` that pass `filter`, oldest first.
   * Returns how many were handled.
   */
  deliver(to: NodeId, filter: (m: Message) => boolean, drop: boolean): number {
    const mine = this.messages.filter((m) => m.to === to && filter(m));
    this.messages = this.messages.filter((m) => !(m.to === to && filter(m)));
    for (const m of mine) {
      if (drop) {
        this.out.write(`dropped: ${describeMessage(m)}`);
        continue;
      }
      this.out.write(describeMessage(m));
      this.input(to, (raw) => raw.step(m));
    }
    return mine.length;
  }

  /** Process Readies and deliver messages among `ids` until nothing moves (etcd's stabilize). */
  stabilize(ids: readonly NodeId[]): void {
    for (let round = 0; ; round++) {
      if (round >= STABILIZE_ROUNDS_MAX) throw new Error(`stabilize: no quiescence after ${round} rounds`);
      let done = true;
      for (const id of ids) {
        if (!this.isUp(id) || !this.raw(id).hasReady()) continue;
        done = false;
        this.out.write(`> ${id} handling Ready`);
        this.out.withIndent(() => this.processReady(id));
      }
      for (const id of ids) {
        if (!this.isUp(id) || !this.messages.some((m) => m.to === id)) continue;
        done = false;
        this.out.write(`> ${id} receiving messages`);
        this.out.withIndent(() => this.deliver(id, () => true, false));
      }
      if (done) return;
    }
  }

  canReach(from: NodeId, to: NodeId): boolean {
    if (!this.groups) return true;
    return (this.groups.get(from) ?? -from) === (this.groups.get(to) ?? -to);
  }

  /** Cut the network into `groups`; messages in flight across a cut are lost. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.groups = new Map();
    groups.forEach((g, k) => g.forEach((id) => this.groups!.set(id, k)));
    this.dropQueued((m) => !this.canReach(m.from, m.to));
  }

  heal(): void {
    this.groups = undefined;
  }

  private dropQueued(pred: (m: Message) => boolean): void {
    for (const m of this.messages) if (pred(m)) this.out.write(`dropped: ${describeMessage(m)}`);
    this.messages = this.messages.filter((m) => !pred(m));
  }
}
