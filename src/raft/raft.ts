import { assert, type Index, type Logger, type NodeId, type Term } from '../core/index.js';
import { resolveConfig, type RaftConfig, type RaftConfigInput } from './config.js';
import { CompactedError, ProposalDroppedError, TemporarilyUnavailableError, UnavailableError } from './errors.js';
import { applyChange, encodeConfChange, Membership } from './membership.js';
import { Progress, ProgressState } from './progress.js';
import { committedIndex, majority, tallyVotes, VoteResult } from './quorum.js';
import { RaftLog } from './raft-log.js';
import {
  ConfChangeType,
  EntryType,
  MessageType,
  StateType,
  type ConfChange,
  type Entry,
  type Message,
  type Snapshot,
} from './types.js';

type CampaignType = 'preVote' | 'election' | 'transfer';
type StepFn = (m: Message) => void;
type NewEntry = Pick<Entry, 'type' | 'data'>;

/**
 * The Raft state machine (etcd-io/raft's raft.go is the model). Pure and synchronous: time arrives
 * through tick(), randomness from config.rng, input through step(); output accumulates in `msgs`
 * and in the log's unstable part, collected by RawNode.ready().
 *
 * Role behaviour is swapped as a function (`stepRole`), not tested with ifs everywhere.
 */
export class Raft {
  readonly id: NodeId;
  readonly config: RaftConfig;
  readonly log: RaftLog;
  readonly logger: Logger;

  term: Term = 0;
  /** Whom we voted for in `term`; 0 = nobody. */
  vote: NodeId = 0;
  /** Created without a configuration, and not caught up yet (stillJoining). */
  private joining: boolean;
  private joinTarget: Index | undefined;
  /** The leader of `term` as far as we know; 0 = unknown. */
  lead: NodeId = 0;
  state: StateType = StateType.Follower;
  membership: Membership;
  /** Leader only: one entry per member (voters and learners), self included. */
  progress = new Map<NodeId, Progress>();
  /** Candidate/pre-candidate: the first answer of each voter. */
  votes = new Map<NodeId, boolean>();
  /** Outgoing messages; sent by the host only after the Ready that carries them is persisted. */
  msgs: Message[] = [];

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Leader only: the node we are handing leadership to; proposals are dropped meanwhile. */
  leadTransferee: NodeId = 0;
  /** Leader only: bytes of entries appended in this term and not yet applied. */
  uncommittedBytes = 0;

  private stepRole: StepFn = this.stepFollower;

  constructor(input: RaftConfigInput) {
    this.config = resolveConfig(input);
    this.id = this.config.id;
    this.logger = this.config.logger;
    const storage = this.config.storage;
    this.log = new RaftLog(storage, this.config.applied);
    const init = storage.initialState();
    this.membership = new Membership(storage.firstIndex() - 1, init.confState);
    this.membership.observe(init.confEntries);
    const hs = init.hardState;
    if (hs.term !== 0 || hs.vote !== 0 || hs.commit !== 0) {
      assert(hs.commit >= this.log.committed && hs.commit <= this.log.lastIndex(),
        () => `hard state commit ${hs.commit} outside [${this.log.committed}, ${this.log.lastIndex()}]`);
      this.log.committed = hs.commit;
      this.term = hs.term;
      this.vote = hs.vote;
    }
    assert(this.log.applied <= this.log.committed, () => `applied ${this.log.applied} > committed ${this.log.committed}`);
    if ((hs.joinTarget ?? 0) > 0) {
      this.joining = true; // restarted before it caught up: still not a voter to count on
      this.joinTarget = hs.joinTarget;
    } else {
      this.joining = !this.initialized();
    }
    this.becomeFollower(this.term, 0);
  }

  // ---- input -------------------------------------------------------------------------------

  tick(): void {
    if (this.state === StateType.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  step(m: Message): void {
    if (m.term > this.term) {
      if (!this.acceptHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.answerStaleTerm(m);
      return;
    }
    switch (m.type) {
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return;
      default:
        this.stepRole(m);
    }
  }

  /** Append entries as leader. Throws ProposalDroppedError if this node cannot accept them now. */
  propose(entries: readonly NewEntry[]): Index {
    this.checkCanPropose();
    return this.appendEntries(entries);
  }

  proposeConfChange(change: ConfChange): Index {
    this.checkCanPropose();
    const confState = applyChange(this.membership.current(), change);
    this.checkConfChangeAllowed(change);
    return this.appendEntries([{ type: EntryType.ConfChange, data: encodeConfChange({ change, confState }) }]);
  }

  private checkCanPropose(): void {
    if (this.state !== StateType.Leader) throw new ProposalDroppedError('not leader', `leader is ${this.lead}`);
    if (this.leadTransferee !== 0) throw new ProposalDroppedError('leadership transfer in progress');
    if (!Membership.isVoter(this.membership.current(), this.id)) throw new ProposalDroppedError('leader is being removed');
  }

  /** Leader: hand leadership to `transferee` once its log is current (for graceful shutdown). */
  transferLeader(transferee: NodeId): boolean {
    if (this.state !== StateType.Leader || transferee === this.id) return false;
    const pr = this.progress.get(transferee);
    if (!pr || pr.isLearner) return false;
    if (this.leadTransferee === transferee) return true;
    this.leadTransferee = transferee;
    // The transfer is abandoned if it has not happened within one election timeout.
    this.electionElapsed = 0;
    this.logger.info({ term: this.term, transferee }, 'raft: transferring leadership');
    if (pr.match === this.log.lastIndex()) this.send({ type: MessageType.TimeoutNow, to: transferee });
    else this.sendAppend(transferee);
    return true;
  }

  /** The host could not deliver a snapshot (or did): unblock the follower's progress. */
  reportSnapshot(to: NodeId, failed: boolean): void {
    const pr = this.progress.get(to);
    if (this.state !== StateType.Leader || !pr || pr.state !== ProgressState.Snapshot) return;
    if (failed) pr.pendingSnapshot = 0;
    pr.becomeProbe();
  }

  /** The host could not reach `to`: stop streaming optimistically and probe again. */
  reportUnreachable(to: NodeId): void {
    const pr = this.progress.get(to);
    if (this.state === StateType.Leader && pr && pr.state === ProgressState.Replicate) pr.becomeProbe();
  }

  // ---- terms ------------------------------------------------------------------------------

  /** A message from a higher term: move to it unless a leader lease says to ignore the message. */
  private acceptHigherTerm(m: Message): boolean {
    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      const inLease = this.config.checkQuorum && this.lead !== 0 && this.electionElapsed < this.config.electionTicks;
      if (inLease && m.context !== 'transfer') {
        // Check-quorum lease: we heard from a live leader recently, so a disruptive candidate is ignored.
        return false;
      }
    }
    if (m.type === MessageType.PreVote) return true; // a pre-vote never changes our term
    if (m.type === MessageType.PreVoteResp && !m.reject) return true; // term moves when the pre-vote wins
    const fromLeader = m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap;
    this.becomeFollower(m.term, fromLeader ? m.from : 0);
    return true;
  }

  private answerStaleTerm(m: Message): void {
    if ((this.config.checkQuorum || this.config.preVote) && (m.type === MessageType.App || m.type === MessageType.Heartbeat)) {
      // A deposed leader (possibly cut off and unaware) learns our term from this and steps down.
      this.send({ type: MessageType.AppResp, to: m.from });
    } else if (m.type === MessageType.PreVote) {
      this.send({ type: MessageType.PreVoteResp, to: m.from, reject: true });
    }
  }

  // ---- roles ------------------------------------------------------------------------------

  becomeFollower(term: Term, lead: NodeId): void {
    this.stepRole = this.stepFollower;
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
  }

  private becomePreCandidate(): void {
    assert(this.state !== StateType.Leader, 'leader cannot become pre-candidate');
    // Neither term nor vote changes: a pre-vote that fails leaves no trace.
    this.stepRole = this.stepCandidate;
    this.votes = new Map();
    this.lead = 0;
    this.state = StateType.PreCandidate;
  }

  private becomeCandidate(): void {
    assert(this.state !== StateType.Leader, 'leader cannot become candidate');
    this.stepRole = this.stepCandidate;
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
  }

  private becomeLeader(): void {
    assert(this.state === StateType.Candidate, () => `${this.state} cannot become leader`);
    this.stepRole = this.stepLeader;
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    this.progress.get(this.id)!.becomeReplicate();
    this.logger.info({ term: this.term }, 'raft: became leader');
    // The no-op lets the leader commit entries of earlier terms (Raft §5.4.2) and, until it
    // commits, holds back membership changes.
    this.appendEntries([{ type: EntryType.Normal, data: new Uint8Array(0) }]);
  }

  private reset(term: Term): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = 0;
    }
    this.lead = 0;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.config.electionTicks + this.config.rng.int(0, this.config.electionTicks);
    this.leadTransferee = 0;
    this.uncommittedBytes = 0;
    this.votes = new Map();
    this.progress = new Map();
    this.syncProgress();
  }

  /**
   * Make `progress` hold the current members, plus members removed by a change that has not committed
   * yet: they keep receiving the log until the change commits, so a removed voter learns of its
   * removal and stops campaigning (dissertation §4.2.3). Only current voters count for commit.
   */
  private syncProgress(): void {
    const cs = this.membership.current();
    const committedCs = this.membership.at(this.log.committed);
    const members = new Set([...cs.voters, ...cs.learners, ...committedCs.voters, ...committedCs.learners]);
    for (const id of this.progress.keys()) if (!members.has(id)) this.progress.delete(id);
    const last = this.log.lastIndex();
    for (const id of members) {
      const isLearner = !cs.voters.includes(id);
      const pr = this.progress.get(id);
      if (pr) {
        pr.isLearner = isLearner;
        continue;
      }
      const fresh = new Progress(last + 1, this.config.maxInflightMsgs, isLearner);
      // Our own copy counts towards commit only once persisted (see persisted()).
      if (id === this.id) fresh.match = Math.min(last, this.log.persistedLastIndex());
      this.progress.set(id, fresh);
    }
  }

  private promotable(): boolean {
    return Membership.isVoter(this.membership.current(), this.id);
  }

  // ---- ticks -----------------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.config.preVote ? 'preVote' : 'election');
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) {
        this.checkQuorum();
        if (this.state !== StateType.Leader) return;
      }
      if (this.leadTransferee !== 0) {
        this.logger.info({ term: this.term, transferee: this.leadTransferee }, 'raft: leadership transfer timed out');
        this.leadTransferee = 0;
      }
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  /** Step down unless a majority of voters was heard from in the last election timeout. */
  private checkQuorum(): void {
    const voters = this.membership.current().voters;
    let active = 0;
    for (const id of voters) {
      if (id === this.id || this.progress.get(id)?.recentActive) active++;
    }
    for (const [id, pr] of this.progress) pr.recentActive = id === this.id;
    if (active < majority(voters.length)) {
      this.logger.warn({ term: this.term }, 'raft: lost contact with a quorum; stepping down');
      this.becomeFollower(this.term, 0);
    }
  }

  // ---- elections --------------------------------------------------------------------------

  private campaign(type: CampaignType): void {
    if (!this.promotable()) return;
    let voteTerm: Term;
    let voteType: MessageType;
    if (type === 'preVote') {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      voteTerm = this.term;
    }
    this.votes.set(this.id, true);
    if (this.pollResult() === VoteResult.Won) return;
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const id of this.membership.current().voters) {
      if (id === this.id) continue;
      this.send({ type: voteType, to: id, term: voteTerm, index, logTerm, ...(type === 'transfer' ? { context: 'transfer' } : {}) });
    }
  }

  /** Act on the votes so far: win, lose, or keep waiting. */
  private pollResult(): VoteResult {
    const result = tallyVotes(this.membership.current().voters, this.votes);
    if (result === VoteResult.Won) {
      if (this.state === StateType.PreCandidate) this.campaign('election');
      else {
        this.becomeLeader();
        this.bcastAppend();
      }
    } else if (result === VoteResult.Lost) {
      this.becomeFollower(this.term, 0);
    }
    return result;
  }

  private handleVoteRequest(m: Message): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === 0 && this.lead === 0) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    const respType = m.type === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
    if (canVote && !this.stillJoining() && this.log.isUpToDate(m.index, m.logTerm)) {
      this.send({ type: respType, to: m.from, term: m.term });
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, to: m.from, reject: true });
    }
  }

  /** Whether this replica has a configuration (from a bootstrap, a snapshot or its log). */
  private initialized(): boolean {
    const cs = this.membership.current();
    return cs.voters.length > 0 || cs.learners.length > 0;
  }

  /**
   * A replica created empty to be added to a group grants no vote or pre-vote until its log reaches
   * the commit index of the first append it received from a leader. Its node id may have held an
   * earlier replica of the group that was removed and deleted (a reassignment there and back); a
   * candidate with a stale log that still counts that id as a voter must not win with the newcomer's
   * vote, which would stand in for a replica that held committed entries (found by the chaos
   * harness: a committed entry overwritten). Every entry committed before the newcomer was added is
   * at or below that commit index, so once its log reaches it, the usual up-to-date check refuses
   * such candidates. Until then it is a learner in every configuration that includes it (it is
   * promoted only once caught up), so no election needs its vote.
   */
  private stillJoining(): boolean {
    if (!this.joining) return false;
    if (this.joinTarget === undefined || this.log.lastIndex() < this.joinTarget) return true;
    this.joining = false;
    return false;
  }

  /** How far this joining replica must still catch up, while its log is short of it (persisted in the hard state). */
  pendingJoinTarget(): Index | undefined {
    return this.joining && this.joinTarget !== undefined && this.log.lastIndex() < this.joinTarget ? this.joinTarget : undefined;
  }

  /** The first append or snapshot from a leader sets how far a joining replica must catch up. */
  private noteJoinTarget(m: Message): void {
    if (this.joining && this.joinTarget === undefined) this.joinTarget = m.type === MessageType.Snap ? m.snapshot!.meta.index : m.commit;
  }

  // ---- role step functions ----------------------------------------------------------------

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.App:
        this.heardFromLeader(m.from);
        this.noteJoinTarget(m);
        this.handleAppend(m);
        return;
      case MessageType.Heartbeat:
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.heardFromLeader(m.from);
        this.noteJoinTarget(m);
        this.handleSnapshot(m);
        return;
      case MessageType.TimeoutNow:
        this.logger.info({ term: this.term, from: m.from }, 'raft: leadership handed to us; campaigning');
        this.campaign('transfer');
        return;
      default:
        return; // stale responses from an earlier role
    }
  }

  private heardFromLeader(from: NodeId): void {
    this.electionElapsed = 0;
    this.lead = from;
  }

  private stepCandidate(m: Message): void {
    const myResp = this.state === StateType.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.App:
      case MessageType.Heartbeat:
      case MessageType.Snap:
        // A leader exists in our term: follow it.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case myResp:
        if (!this.votes.has(m.from)) this.votes.set(m.from, !m.reject);
        this.pollResult();
        return;
      default:
        return;
    }
  }

  private stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    if (!pr) return; // not a member (any more)
    switch (m.type) {
      case MessageType.AppResp:
        pr.recentActive = true;
        if (m.reject) this.handleAppendRejected(m, pr);
        else this.handleAppendAcked(m, pr);
        return;
      case MessageType.HeartbeatResp:
        pr.recentActive = true;
        pr.probeSent = false;
        if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
        return;
      default:
        return;
    }
  }

  private handleAppendRejected(m: Message, pr: Progress): void {
    let hint = m.rejectHint;
    if (m.logTerm > 0) hint = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, hint)) {
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      this.sendAppend(m.from);
    }
  }

  private handleAppendAcked(m: Message, pr: Progress): void {
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === ProgressState.Probe) pr.becomeReplicate();
    else if (pr.state === ProgressState.Snapshot && pr.match >= pr.pendingSnapshot) pr.becomeReplicate();
    else if (pr.state === ProgressState.Replicate) pr.inflights.freeLE(m.index);

    if (this.maybeCommit()) {
      // maybeCommit may have stepped us down (our own removal committed); a follower sends nothing.
      if (this.state !== StateType.Leader) return;
      this.bcastAppend();
    } else if (wasPaused) {
      this.sendAppend(m.from);
    }
    while (this.sendAppend(m.from, false)) {
      // stream everything the window allows
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.send({ type: MessageType.TimeoutNow, to: m.from });
    }
  }

  // ---- follower log handling ----------------------------------------------------------------

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      this.send({ type: MessageType.AppResp, to: m.from, index: this.log.committed });
      return;
    }
    const result = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (result) {
      if (result.appended.length > 0) {
        this.membership.truncateFrom(result.appended[0]!.index);
        this.membership.observe(result.appended);
      }
      this.send({ type: MessageType.AppResp, to: m.from, index: result.lastNew });
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({ type: MessageType.AppResp, to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
  }

  /**
   * A leader sends commit = min(match, committed), so the commit is within our log, except when the
   * leader's match describes an earlier replica of this group on this node: one removed, its data
   * deleted, and created again empty while a heartbeat for the old one was still in flight. Such a
   * commit says nothing about our log: ignore it (the leader's next append is checked as usual).
   */
  private handleHeartbeat(m: Message): void {
    if (m.commit > this.log.lastIndex()) {
      this.logger.warn({ term: this.term, commit: m.commit, lastIndex: this.log.lastIndex() }, 'raft: heartbeat commit beyond our log (a stale message for an earlier replica); ignored');
    } else {
      this.log.commitTo(m.commit);
    }
    this.send({ type: MessageType.HeartbeatResp, to: m.from });
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot!;
    if (this.restore(s)) {
      this.logger.info({ term: this.term, index: s.meta.index }, 'raft: restored snapshot');
      this.send({ type: MessageType.AppResp, to: m.from, index: this.log.lastIndex() });
    } else {
      this.send({ type: MessageType.AppResp, to: m.from, index: this.log.committed });
    }
  }

  private restore(s: Snapshot): boolean {
    if (s.meta.index <= this.log.committed) return false;
    if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // We already hold the entry the snapshot ends at: just fast-forward the commit.
      this.log.commitTo(s.meta.index);
      return false;
    }
    this.log.restore(s);
    this.membership = new Membership(s.meta.index, s.meta.confState);
    return true;
  }

  // ---- leader log handling ---------------------------------------------------------------

  private checkConfChangeAllowed(change: ConfChange): void {
    if (this.membership.lastChangeIndex() > this.log.committed) {
      throw new ProposalDroppedError('a membership change is already pending');
    }
    if (this.log.termOrUndefined(this.log.committed) !== this.term) {
      throw new ProposalDroppedError('leader has not committed an entry in its term yet');
    }
    if (change.type === ConfChangeType.AddVoter) {
      const pr = this.progress.get(change.nodeId);
      if (!pr || !pr.isLearner) {
        throw new ProposalDroppedError('invalid membership change', `node ${change.nodeId} must be added as a learner first`);
      }
      const lag = this.log.lastIndex() - pr.match;
      if (lag > this.config.maxPromotionLagEntries) {
        throw new ProposalDroppedError('invalid membership change', `learner ${change.nodeId} is ${lag} entries behind`);
      }
    }
  }

  private appendEntries(entries: readonly NewEntry[]): Index {
    let bytes = 0;
    for (const e of entries) bytes += e.data.byteLength;
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > this.config.maxUncommittedBytes) {
      throw new ProposalDroppedError('uncommitted log too large', `${this.uncommittedBytes} bytes pending`);
    }
    this.uncommittedBytes += bytes;
    const first = this.log.lastIndex() + 1;
    const ents: Entry[] = entries.map((e, i) => ({ term: this.term, index: first + i, type: e.type, data: e.data }));
    const last = this.log.append(ents);
    const before = this.membership.lastChangeIndex();
    this.membership.observe(ents);
    if (this.membership.lastChangeIndex() !== before) this.syncProgress();
    // Not counted as matched here: see persisted().
    if (this.state === StateType.Leader) this.bcastAppend();
    return last;
  }

  /**
   * The host persisted the log up to `index` (RawNode.advance). A leader counts its own copy towards
   * commit only from now: its appends may leave before its own write completes (the Raft thesis,
   * §10.2.1; see Ready.appendsBeforePersist), so an entry is committed only once a majority — the
   * leader included or not — has it on disk, even if the leader crashes before its write lands.
   */
  persisted(index: Index): void {
    if (this.state !== StateType.Leader) return;
    const self = this.progress.get(this.id);
    if (!self || !self.maybeUpdate(Math.min(index, this.log.lastIndex()))) return;
    if (this.maybeCommit() && this.state === StateType.Leader) this.bcastAppend();
  }

  /** Advance the commit index to what a majority of voters holds, if it is from our term. */
  private maybeCommit(): boolean {
    const voters = this.membership.current().voters;
    const index = committedIndex(voters, (id) => this.progress.get(id)?.match ?? 0);
    if (!this.log.maybeCommit(index, this.term)) return false;
    const cs = this.membership.current();
    const removedStillTracked = this.progress.size > cs.voters.length + cs.learners.length;
    if (removedStillTracked && this.log.committed >= this.membership.lastChangeIndex()) this.syncProgress();
    if (!Membership.isVoter(cs, this.id) && this.log.committed >= this.membership.lastChangeIndex()) {
      // Our own removal is committed (dissertation §4.2.2): tell followers, then step down.
      this.bcastAppend();
      this.logger.info({ term: this.term }, 'raft: removed from the group; stepping down');
      this.becomeFollower(this.term, 0);
    }
    return true;
  }

  private bcastAppend(): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(): void {
    const retryBeats = Math.ceil((2 * this.config.electionTicks) / this.config.heartbeatTicks);
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      if (pr.state === ProgressState.Snapshot && ++pr.snapshotWaitBeats > retryBeats) {
        // The snapshot (or its answer) was probably lost; probe again, which re-sends it.
        pr.pendingSnapshot = 0;
        pr.becomeProbe();
      }
      this.send({ type: MessageType.Heartbeat, to: id, commit: Math.min(pr.match, this.log.committed) });
    }
  }

  /** Send the next append (or a snapshot) to `to` if its window allows. */
  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    let prevTerm: Term;
    let entries: Entry[];
    try {
      prevTerm = this.log.term(pr.next - 1);
      entries = this.log.entriesFrom(pr.next, this.config.maxMsgBytes);
    } catch (e) {
      if (e instanceof CompactedError || e instanceof UnavailableError) return this.sendSnapshot(to, pr);
      if (e instanceof TemporarilyUnavailableError) return false;
      throw e;
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: MessageType.App, to, index: pr.next - 1, logTerm: prevTerm, entries, commit: this.log.committed });
    pr.sentEntries(pr.next - 1 + entries.length, entries.length);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) return false;
    let snapshot: Snapshot;
    try {
      snapshot = this.log.snapshot();
    } catch (e) {
      if (e instanceof TemporarilyUnavailableError) return false;
      throw e;
    }
    assert(snapshot.meta.index > 0, 'log compacted but storage has no snapshot');
    pr.becomeSnapshot(snapshot.meta.index);
    this.logger.info({ term: this.term, to, index: snapshot.meta.index }, 'raft: sending snapshot');
    this.send({ type: MessageType.Snap, to, snapshot });
    return true;
  }

  /** Called by RawNode.advance with entries the host applied: frees the proposal budget. */
  reduceUncommittedBytes(applied: readonly Entry[]): void {
    if (this.state !== StateType.Leader) return;
    let bytes = 0;
    for (const e of applied) bytes += e.data.byteLength;
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes - bytes);
  }

  // ---- output ----------------------------------------------------------------------------

  private send(m: Partial<Message> & Pick<Message, 'type' | 'to'>): void {
    this.msgs.push({
      from: this.id,
      term: this.term,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
      ...m,
    });
  }
}
