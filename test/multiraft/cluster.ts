import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunnelError, type GroupId, type Index, type NodeId } from '../../src/core/index.js';
import { MultiRaft, type LeaderChange, type ProposalResult, type StateMachine, type StorageEngine, type WaitFor } from '../../src/multiraft/index.js';
import { EntryType, StateType, type Entry, type Snapshot } from '../../src/raft/index.js';
import { LevelDbEngine } from '../../src/storage/index.js';
import { GrpcTransport } from '../../src/transport/index.js';
import { captureLogger, waitFor, type LogLine } from '../transport/helpers.js';

/** Records every applied data entry; its snapshot is that record, so restore() can rebuild it. */
export class RecordingStateMachine implements StateMachine {
  applied: string[] = [];
  lastIndex: Index = 0;
  restores = 0;

  appliedIndex(): Index {
    return 0; // kept only in memory: MultiRaft restores the stored snapshot and replays the log
  }

  apply(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.index !== this.lastIndex + 1) throw new Error(`applied ${e.index} after ${this.lastIndex}`);
      this.lastIndex = e.index;
      if (e.type === EntryType.Normal && e.data.byteLength > 0) this.applied.push(Buffer.from(e.data).toString());
    }
  }

  restore(s: Snapshot): void {
    this.applied = JSON.parse(Buffer.from(s.data).toString()) as string[];
    this.lastIndex = s.meta.index;
    this.restores++;
  }

  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.applied));
  }
}

export interface TestNode {
  readonly id: NodeId;
  readonly dir: string;
  port: number;
  engine: LevelDbEngine;
  transport: GrpcTransport;
  mr: MultiRaft;
  sms: Map<GroupId, RecordingStateMachine>;
  /** The last leader change each group reported on this node. */
  leaders: Map<GroupId, LeaderChange>;
  up: boolean;
}

export interface ClusterOptions {
  readonly groups: readonly GroupId[];
  readonly tickMs: number;
  readonly uncompactedEntriesMax?: number;
  readonly electionTicks?: number;
  /** Decorate a node's engine (e.g. to delay its flushes); the real LevelDB engine stays underneath. */
  readonly wrapEngine?: (engine: LevelDbEngine, id: NodeId) => StorageEngine;
}

const CLUSTER_ID = 'multiraft-test';

/** Three MultiRaft nodes in this process, each with its own LevelDB and GrpcTransport on 127.0.0.<id>. */
export class TestCluster {
  readonly nodes: TestNode[] = [];
  /** Every log line of every node (info and above are few: no logging per message). */
  readonly logs: LogLine[] = [];
  private readonly root = mkdtempSync(join(tmpdir(), 'runnel-multiraft-'));

  constructor(private readonly options: ClusterOptions) {}

  async start(): Promise<void> {
    for (const id of [1, 2, 3]) {
      const dir = join(this.root, `node-${id}`);
      this.nodes.push(await this.boot(id, dir, 0));
    }
    this.connectAll();
  }

  node(id: NodeId): TestNode {
    return this.nodes[id - 1]!;
  }

  /** Stop one node: its MultiRaft, then its transport, then its engine (no leadership transfer). */
  async stop(id: NodeId): Promise<void> {
    const n = this.node(id);
    if (!n.up) return;
    n.up = false;
    await n.mr.close();
    await n.transport.close();
    await n.engine.close();
  }

  /** Restart a stopped node from its LevelDB directory, on the same address. */
  async restart(id: NodeId): Promise<void> {
    const old = this.node(id);
    this.nodes[id - 1] = await this.boot(id, old.dir, old.port);
    this.connectAll();
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.stop(n.id)));
    rmSync(this.root, { recursive: true, force: true });
  }

  /** The node that currently leads the group (by its own Raft state), if any. */
  leaderNode(g: GroupId): TestNode | undefined {
    return this.nodes.find((n) => n.up && n.mr.status(g)?.softState.state === StateType.Leader);
  }

  async waitForLeaders(timeoutMs: number): Promise<void> {
    await waitFor(() => this.options.groups.every((g) => this.leaderNode(g) !== undefined), timeoutMs, 'a leader in every group');
  }

  /**
   * Propose to whoever leads the group, retrying definite failures (not leader, dropped during a
   * transfer) as a client would; an indefinite failure is returned to the caller as a failure.
   */
  async propose(g: GroupId, data: string, waitForWhat: WaitFor, timeoutMs = 10_000): Promise<ProposalResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leader = this.leaderNode(g);
      try {
        if (leader) return await leader.mr.propose(g, Buffer.from(data), { waitFor: waitForWhat });
      } catch (e) {
        if (!(e instanceof RunnelError) || !e.definite || Date.now() > deadline) throw e;
      }
      if (Date.now() > deadline) throw new Error(`no leader accepted a proposal in group ${g} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Every up node has applied the same number of entries as the most advanced one, in every group. */
  async waitConverged(timeoutMs: number): Promise<void> {
    await waitFor(() => this.options.groups.every((g) => this.converged(g)), timeoutMs, 'all replicas to apply the same entries');
  }

  private converged(g: GroupId): boolean {
    const up = this.nodes.filter((n) => n.up);
    const last = up.map((n) => n.sms.get(g)!.lastIndex);
    const commit = Math.max(...up.map((n) => n.mr.status(g)!.hardState.commit));
    return last.every((l) => l === commit);
  }

  private async boot(id: NodeId, dir: string, port: number): Promise<TestNode> {
    const logger = captureLogger(this.logs, { node: id });
    const engine = await LevelDbEngine.open({ dir, fsync: true, logger });
    const transport = await GrpcTransport.start({
      nodeId: id,
      clusterId: CLUSTER_ID,
      listenAddress: `127.0.0.${id}:${port}`,
      reconnectBaseMs: 20,
      reconnectMaxMs: 500,
      logger,
    });
    const mr = new MultiRaft({
      nodeId: id,
      engine: this.options.wrapEngine?.(engine, id) ?? engine,
      transport,
      tickMs: this.options.tickMs,
      seed: id * 7919,
      logger,
      raft: { electionTicks: this.options.electionTicks ?? 10, heartbeatTicks: 1 },
    });
    const leaders = new Map<GroupId, LeaderChange>();
    mr.onLeaderChange((change) => leaders.set(change.groupId, change));
    const sms = new Map<GroupId, RecordingStateMachine>();
    for (const g of this.options.groups) {
      const storage = await engine.openGroup(g, { bootstrap: { voters: [1, 2, 3], learners: [] } });
      const sm = new RecordingStateMachine();
      sms.set(g, sm);
      mr.addGroup(g, { storage, stateMachine: sm, uncompactedEntriesMax: this.options.uncompactedEntriesMax ?? 0 });
    }
    return { id, dir, port: transport.port, engine, transport, mr, sms, leaders, up: true };
  }

  private connectAll(): void {
    for (const n of this.nodes) {
      if (!n.up) continue;
      for (const p of this.nodes) if (p.id !== n.id) n.transport.setPeerAddress(p.id, `127.0.0.${p.id}:${p.port}`);
    }
  }
}
