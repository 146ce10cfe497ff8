/**
 * The script commands, named after etcd-io/raft's rafttest. Every command reads its node ids from
 * bare arguments and options from `key=value` / `key=(a,b)` arguments.
 *
 *   add-nodes N [voters=(1,2,3)] [learners=(4)] [index=I] [prevote=B] [checkquorum=B] [election=T]
 *             [heartbeat=T] [max-msg-bytes=B] [inflight=N] [max-promotion-lag=N]
 *       Create N nodes with the next free ids. With voters/learners they are bootstrapped with that
 *       membership (as a snapshot at `index`, term 1, if index > 0); without, they start empty and
 *       wait to be added by a membership change.
 *   set-log ID log=(1,1,4,...) [term=T] [vote=V] [commit=C]
 *       Replace a node's persisted log by entries of those terms at indexes 1, 2, ... and its hard
 *       state (term defaults to the last entry's term), then restart it: sets up the paper's figures.
 *   campaign ID          tick ID until its election timer fires (it then starts a (pre-)election)
 *   tick-election ID     tick ID electionTicks times (a leader's check-quorum round; a follower
 *                        leaves its leader's lease but does not campaign yet)
 *   tick-heartbeat ID    tick ID heartbeatTicks times
 *   tick ID N            tick ID N times
 *   propose ID DATA      propose an entry
 *   propose-conf-change ID v4|l4|r2   add voter 4 (promote learner 4) / add learner 4 / remove 2
 *   transfer-leadership from=ID to=ID
 *   process-ready ID...  handle one Ready: persist, send, apply, advance
 *   deliver-msgs [from=ID] [type=MsgApp] [drop=(ID,...)] ID...
 *       deliver the queued messages to each ID (oldest first), or discard those to the drop ids;
 *       `from` and `type` restrict which messages are concerned
 *   stabilize [ID...]    process-ready and deliver-msgs among the ids (default all) until quiet
 *   status ID            role, hard state, log bounds, membership; a leader's view of its peers
 *   raft-log ID          the persisted log
 *   compact ID INDEX     snapshot the applied state, then drop the persisted log up to INDEX
 *   crash ID / restart ID    lose everything not persisted / start again from storage
 *   partition 1 2 | 3    cut the network into groups (unlisted nodes are isolated); heal
 *   log-level debug|info|warn|error|none
 */
import type { NodeId } from '../../../src/core/index.js';
import {
  EntryType,
  MemoryStorage,
  MessageType,
  ProgressState,
  ProposalDroppedError,
  StateType,
  type ConfState,
  type Entry,
  type Message,
} from '../../../src/raft/index.js';
import type { CmdArg } from './datadriven.js';
import { DEFAULT_NODE_OPTIONS, type InteractionEnv, type NodeOptions } from './env.js';
import { describeConfState, describeEntry, describeHardState, describeSnapshot, parseConfChange } from './format.js';
import { LOG_LEVELS, type LogLevel } from './output.js';

type Handler = (env: InteractionEnv, args: readonly CmdArg[]) => void;

const encoder = new TextEncoder();

export const COMMANDS: Readonly<Record<string, Handler>> = {
  'add-nodes': addNodes,
  'set-log': setLog,
  campaign,
  'tick-election': (env, args) => tick(env, firstId(args), env.node(firstId(args)).options.electionTicks),
  'tick-heartbeat': (env, args) => tick(env, firstId(args), env.node(firstId(args)).options.heartbeatTicks),
  tick: (env, args) => tick(env, firstId(args), positiveInt(bare(args)[1], 'tick count')),
  propose,
  'propose-conf-change': proposeConfChange,
  'transfer-leadership': transferLeadership,
  'process-ready': processReady,
  'deliver-msgs': deliverMsgs,
  stabilize: (env, args) => env.stabilize(ids(args).length > 0 ? ids(args) : [...env.nodes.keys()].sort((a, b) => a - b)),
  status,
  'raft-log': (env, args) => raftLog(env, firstId(args)),
  compact,
  crash: (env, args) => env.crash(firstId(args)),
  restart,
  partition,
  heal: (env) => env.heal(),
  'log-level': logLevel,
};

// ---- arguments ----------------------------------------------------------------------------

function bare(args: readonly CmdArg[]): string[] {
  return args.filter((a) => !a.hasValue).map((a) => a.key);
}

function ids(args: readonly CmdArg[]): NodeId[] {
  return bare(args).map((s) => positiveInt(s, 'node id'));
}

function firstId(args: readonly CmdArg[]): NodeId {
  const id = ids(args)[0];
  if (id === undefined) throw new Error('expected a node id');
  return id;
}

function opt(args: readonly CmdArg[], key: string): readonly string[] | undefined {
  return args.find((a) => a.hasValue && a.key === key)?.vals;
}

function optInt(args: readonly CmdArg[], key: string): number | undefined {
  const v = opt(args, key);
  if (v === undefined) return undefined;
  if (v.length !== 1) throw new Error(`${key}= takes one value`);
  return nonNegativeInt(v[0]!, key);
}

function optBool(args: readonly CmdArg[], key: string): boolean | undefined {
  const v = opt(args, key);
  if (v === undefined) return undefined;
  if (v.length !== 1 || (v[0] !== 'true' && v[0] !== 'false')) throw new Error(`${key}= takes true or false`);
  return v[0] === 'true';
}

function nonNegativeInt(s: string | undefined, what: string): number {
  const n = Number(s);
  if (s === undefined || !Number.isInteger(n) || n < 0) throw new Error(`bad ${what} '${s}'`);
  return n;
}

function positiveInt(s: string | undefined, what: string): number {
  const n = nonNegativeInt(s, what);
  if (n === 0) throw new Error(`bad ${what} '${s}'`);
  return n;
}

function checkKnownKeys(args: readonly CmdArg[], known: readonly string[]): void {
  for (const a of args) if (a.hasValue && !known.includes(a.key)) throw new Error(`unknown option ${a.key}=`);
}

// ---- commands -----------------------------------------------------------------------------

function addNodes(env: InteractionEnv, args: readonly CmdArg[]): void {
  const optionKeys = ['election', 'heartbeat', 'prevote', 'checkquorum', 'max-msg-bytes', 'inflight', 'max-promotion-lag'];
  checkKnownKeys(args, ['voters', 'learners', 'index', ...optionKeys]);
  const n = positiveInt(bare(args)[0], 'node count');
  const d = DEFAULT_NODE_OPTIONS;
  const options: NodeOptions = {
    electionTicks: optInt(args, 'election') ?? d.electionTicks,
    heartbeatTicks: optInt(args, 'heartbeat') ?? d.heartbeatTicks,
    preVote: optBool(args, 'prevote') ?? d.preVote,
    checkQuorum: optBool(args, 'checkquorum') ?? d.checkQuorum,
    maxMsgBytes: optInt(args, 'max-msg-bytes') ?? d.maxMsgBytes,
    maxInflightMsgs: optInt(args, 'inflight') ?? d.maxInflightMsgs,
    maxPromotionLagEntries: optInt(args, 'max-promotion-lag') ?? d.maxPromotionLagEntries,
  };
  const confState: ConfState = {
    voters: (opt(args, 'voters') ?? []).map((s) => positiveInt(s, 'voter id')),
    learners: (opt(args, 'learners') ?? []).map((s) => positiveInt(s, 'learner id')),
  };
  const index = optInt(args, 'index') ?? 0;
  for (let k = 0; k < n; k++) {
    const id = env.nodes.size + 1;
    const storage = new MemoryStorage(confState);
    if (index > 0) storage.applySnapshot({ meta: { index, term: 1, confState }, data: new Uint8Array(0) });
    env.addNode(id, storage, options);
  }
}

function setLog(env: InteractionEnv, args: readonly CmdArg[]): void {
  checkKnownKeys(args, ['log', 'term', 'vote', 'commit']);
  const id = firstId(args);
  const node = env.node(id);
  const old = node.storage.snapshot();
  if (old.meta.index !== 0) throw new Error(`set-log needs a node bootstrapped at index 0`);
  const terms = (opt(args, 'log') ?? []).map((s) => positiveInt(s, 'entry term'));
  const entries: Entry[] = terms.map((term, i) => ({ term, index: i + 1, type: EntryType.Normal, data: new Uint8Array(0) }));
  const storage = new MemoryStorage(old.meta.confState);
  storage.append(entries);
  storage.setHardState({
    term: optInt(args, 'term') ?? terms[terms.length - 1] ?? 0,
    vote: optInt(args, 'vote') ?? 0,
    commit: optInt(args, 'commit') ?? 0,
  });
  node.storage = storage;
  if (env.isUp(id)) env.crash(id);
  env.start(node);
  raftLog(env, id);
}

function campaign(env: InteractionEnv, args: readonly CmdArg[]): void {
  const id = firstId(args);
  const raw = env.raw(id);
  if (raw.raft.state === StateType.Leader) throw new Error(`${id} is the leader; it does not campaign`);
  if (!raw.status().confState.voters.includes(id)) throw new Error(`${id} is not a voter; it never campaigns`);
  tick(env, id, Math.max(1, raw.raft.randomizedElectionTimeout - raw.raft.electionElapsed));
}

function tick(env: InteractionEnv, id: NodeId, n: number): void {
  for (let k = 0; k < n; k++) env.input(id, (raw) => raw.tick());
}

/** Run a proposal; a dropped one is an expected outcome and is printed, not thrown. */
function tryPropose(env: InteractionEnv, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ProposalDroppedError)) throw e;
    env.out.write(e.message);
  }
}

function propose(env: InteractionEnv, args: readonly CmdArg[]): void {
  const [idText, data] = bare(args);
  if (data === undefined) throw new Error('usage: propose ID DATA');
  const id = positiveInt(idText, 'node id');
  tryPropose(env, () => env.input(id, (raw) => raw.propose(encoder.encode(data))));
}

function proposeConfChange(env: InteractionEnv, args: readonly CmdArg[]): void {
  const [idText, change] = bare(args);
  if (change === undefined) throw new Error('usage: propose-conf-change ID v<id>|l<id>|r<id>');
  const id = positiveInt(idText, 'node id');
  tryPropose(env, () => env.input(id, (raw) => raw.proposeConfChange(parseConfChange(change))));
}

function transferLeadership(env: InteractionEnv, args: readonly CmdArg[]): void {
  checkKnownKeys(args, ['from', 'to']);
  const from = optInt(args, 'from');
  const to = optInt(args, 'to');
  if (from === undefined || to === undefined) throw new Error('usage: transfer-leadership from=ID to=ID');
  if (!env.input(from, (raw) => raw.transferLeader(to))) env.out.write(`transfer-leadership from=${from} to=${to} rejected`);
}

function processReady(env: InteractionEnv, args: readonly CmdArg[]): void {
  const list = ids(args);
  for (const id of list) {
    if (list.length === 1) {
      env.processReady(id);
      continue;
    }
    env.out.write(`> ${id} handling Ready`);
    env.out.withIndent(() => env.processReady(id));
  }
}

function deliverMsgs(env: InteractionEnv, args: readonly CmdArg[]): void {
  checkKnownKeys(args, ['from', 'type', 'drop']);
  const from = optInt(args, 'from');
  const types = opt(args, 'type');
  for (const t of types ?? []) {
    if (!Object.values(MessageType).some((mt) => `Msg${mt}` === t)) throw new Error(`unknown message type ${t}`);
  }
  const filter = (m: Message): boolean =>
    (from === undefined || m.from === from) && (types === undefined || types.includes(`Msg${m.type}`));
  const drops = (opt(args, 'drop') ?? []).map((s) => positiveInt(s, 'node id'));
  let handled = 0;
  for (const id of ids(args)) handled += env.deliver(id, filter, false);
  for (const id of drops) handled += env.deliver(id, filter, true);
  if (handled === 0) env.out.write('no messages');
}

function status(env: InteractionEnv, args: readonly CmdArg[]): void {
  const id = firstId(args);
  const node = env.node(id);
  if (!node.raw) {
    const s = node.storage;
    env.out.write(`${id}: down; persisted ${describeHardState(s.getHardState())} Last:${s.term(s.lastIndex())}/${s.lastIndex()}`);
    return;
  }
  const st = node.raw.status();
  const r = node.raw.raft;
  const hs = st.hardState;
  const transfer = r.leadTransferee !== 0 ? ` transferee=${r.leadTransferee}` : '';
  env.out.write(
    `${id}: ${st.softState.state} term=${hs.term} vote=${hs.vote} lead=${st.softState.lead} commit=${hs.commit} ` +
      `applied=${st.applied} last=${r.log.lastTerm()}/${st.lastIndex} ${describeConfState(st.confState)}${transfer}`,
  );
  if (r.state !== StateType.Leader) return;
  env.out.withIndent(() => {
    for (const peer of [...r.progress.keys()].sort((a, b) => a - b)) {
      const pr = r.progress.get(peer)!;
      let line = `${peer}: ${pr.state} match=${pr.match} next=${pr.next}`;
      if (pr.isLearner) line += ' learner';
      if (pr.state === ProgressState.Snapshot) line += ` pendingSnapshot=${pr.pendingSnapshot}`;
      if (peer !== id && pr.isPaused()) line += ' paused';
      if (pr.inflights.count() > 0) line += ` inflight=${pr.inflights.count()}`;
      env.out.write(line);
    }
  });
}

function raftLog(env: InteractionEnv, id: NodeId): void {
  const s = env.node(id).storage;
  const first = s.firstIndex();
  const last = s.lastIndex();
  if (first > last) {
    env.out.write(`log is empty: first index=${first}, last index=${last}`);
    return;
  }
  for (const e of s.entries(first, last + 1, Number.POSITIVE_INFINITY)) env.out.write(describeEntry(e));
}

function compact(env: InteractionEnv, args: readonly CmdArg[]): void {
  const [idText, indexText] = bare(args);
  const id = positiveInt(idText, 'node id');
  const index = positiveInt(indexText, 'compaction index');
  const raw = env.raw(id);
  const storage = env.node(id).storage;
  const applied = raw.status().applied;
  if (index > applied) throw new Error(`cannot compact ${id} to ${index}: only ${applied} is applied`);
  // A host snapshots its state machine, which is at `applied`, and may then drop the log up to any
  // index at or below it.
  if (applied > storage.snapshot().meta.index) {
    const snap = storage.createSnapshot(applied, raw.confStateAt(applied), new Uint8Array(0));
    env.out.write(`snapshot ${describeSnapshot(snap)}`);
  }
  storage.compact(index);
  raftLog(env, id);
}

function restart(env: InteractionEnv, args: readonly CmdArg[]): void {
  const id = firstId(args);
  if (env.isUp(id)) throw new Error(`node ${id} is up; crash it first`);
  env.start(env.node(id));
  status(env, args);
}

function partition(env: InteractionEnv, args: readonly CmdArg[]): void {
  const groups: NodeId[][] = [[]];
  for (const tok of bare(args)) {
    if (tok === '|') groups.push([]);
    else groups[groups.length - 1]!.push(positiveInt(tok, 'node id'));
  }
  if (groups.length < 2 || groups.some((g) => g.length === 0)) throw new Error('usage: partition 1 2 | 3 [| 4 ...]');
  env.partition(groups);
}

function logLevel(env: InteractionEnv, args: readonly CmdArg[]): void {
  const level = bare(args)[0]?.toLowerCase();
  if (!LOG_LEVELS.includes(level as LogLevel)) throw new Error(`log-level takes one of ${LOG_LEVELS.join(', ')}`);
  env.out.level = level as LogLevel;
}
