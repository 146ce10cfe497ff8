/**
 * Election safety, checked on votes as well as on leaders: at most one leader per term over the
 * whole run (crashes included); no node grants or persists two different votes in one term; a
 * grant leaves only once it is durable; and a new leader was granted its term's vote by a majority
 * of the voters it counts, so a vote counted twice (say, from a duplicated message) shows at the
 * election itself, not only if a second leader happens to appear.
 */
import type { NodeId } from '../../src/core/index.js';
import { MessageType, type Message, type Ready } from '../../src/raft/index.js';
import type { SimNode } from './sim-node.js';
import type { SimStats } from './stats.js';
import { fail } from './violation.js';

/** Terms stay below this, so (term, node) packs into one safe integer key. */
export const TERM_SPAN = 1 << 20;

export class ElectionChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** (term, voter) -> the candidate the voter granted (or durably recorded) its vote in that term. */
  private readonly votes = new Map<number, NodeId>();
  private lastLeader: NodeId = 0;

  constructor(private readonly stats: SimStats) {}

  /** After n persisted rd, just before rd's messages leave. */
  onPersist(n: SimNode, rd: Ready): void {
    if (rd.hardState && rd.hardState.vote !== 0) this.recordVote(n, rd.hardState.term, rd.hardState.vote);
    for (const m of rd.messages) if (m.type === MessageType.VoteResp && !m.reject) this.checkGrant(n, m);
  }

  /** n has just become leader of its current term; returns true if that term had no leader yet. */
  onLeader(n: SimNode): boolean {
    const term = n.node.raft.term;
    if (term >= TERM_SPAN) fail('election safety', n.id, `term ${term} too large for the checker`);
    const holder = this.leaderOfTerm.get(term);
    if (holder !== undefined && holder !== n.id) fail('election safety', n.id, `n${n.id} and n${holder} both leaders of term ${term}`);
    this.checkVoteQuorum(n);
    if (holder !== undefined) return false;
    this.leaderOfTerm.set(term, n.id);
    this.stats.elections++;
    if (n.id !== this.lastLeader) this.stats.leaderChanges++;
    this.lastLeader = n.id;
    return true;
  }

  private recordVote(n: SimNode, term: number, candidate: NodeId): void {
    const key = term * TERM_SPAN + n.id;
    const earlier = this.votes.get(key);
    if (earlier === undefined) this.votes.set(key, candidate);
    else if (earlier !== candidate) fail('election safety', n.id, `voted for n${earlier} and then n${candidate} in term ${term}`);
  }

  /**
   * A vote grant leaves only once it is durable: the voter's stored hard state records that vote,
   * or has moved to a later term (and so can never vote in this one again).
   */
  private checkGrant(n: SimNode, m: Message): void {
    const hs = n.storage.getHardState();
    if (hs.term < m.term || (hs.term === m.term && hs.vote !== m.to)) {
      fail('election safety', n.id, `sent its vote for n${m.to} in term ${m.term} with stored term ${hs.term}, vote ${hs.vote}`);
    }
    this.recordVote(n, m.term, m.to);
  }

  private checkVoteQuorum(n: SimNode): void {
    const raft = n.node.raft;
    const voters = raft.membership.current().voters;
    const granted = voters.filter((v) => v === n.id || this.votes.get(raft.term * TERM_SPAN + v) === n.id);
    if (granted.length < Math.floor(voters.length / 2) + 1) {
      fail('election safety', n.id, `leader of term ${raft.term} was granted votes by [${granted.join(',')}] only, of voters [${voters.join(',')}]`);
    }
  }
}
