import { RunnelError, type GroupId, type Index, type NodeId, type Term } from '../core/index.js';
import type { ProposalDroppedError } from '../raft/index.js';

/**
 * Proposal outcomes as catalog errors. Definite: the entry never entered a log that could commit it,
 * so a retry is safe. Indefinite (LEADERSHIP_LOST): it may still commit under another leader.
 * Every error carries the group and the leader this node knows of, so callers can re-route.
 */

function groupName(groupId: GroupId): string {
  return `group ${groupId}`;
}

export function notLeader(nodeId: NodeId, groupId: GroupId, leaderId: NodeId): RunnelError {
  return new RunnelError('RUNNEL_ERR_NOT_LEADER', [nodeId, groupName(groupId)], { groupId, leaderId });
}

/** The core refused the proposal (ProposalDroppedError): it surely did not happen. */
export function droppedError(nodeId: NodeId, groupId: GroupId, err: ProposalDroppedError, leaderId: NodeId): RunnelError {
  if (err.reason === 'not leader') return notLeader(nodeId, groupId, leaderId);
  const detail = err.message.replace(/^proposal dropped: /, '');
  return new RunnelError('RUNNEL_ERR_PROPOSAL_DROPPED', [`${detail} (${groupName(groupId)})`], { groupId, leaderId, reason: err.reason });
}

export function tooManyPending(groupId: GroupId, pendingProposalsMax: number, leaderId: NodeId): RunnelError {
  const why = `${pendingProposalsMax} proposals already pending in ${groupName(groupId)} (pendingProposalsMax)`;
  return new RunnelError('RUNNEL_ERR_PROPOSAL_DROPPED', [why], { groupId, leaderId, reason: 'too many pending proposals' });
}

/** Queued proposals that never reached the core when the group went away: definite. */
export function neverProposed(groupId: GroupId, reason: string, leaderId: NodeId): RunnelError {
  return new RunnelError('RUNNEL_ERR_PROPOSAL_DROPPED', [`${reason} (${groupName(groupId)})`], { groupId, leaderId, reason });
}

export function leadershipLost(nodeId: NodeId, groupId: GroupId, reason: string, leaderId: NodeId): RunnelError {
  return new RunnelError('RUNNEL_ERR_LEADERSHIP_LOST', [nodeId, groupName(groupId), reason], { groupId, leaderId });
}

export function superseded(groupId: GroupId, index: Index, term: Term, appliedTerm: Term): RunnelError {
  return new RunnelError('RUNNEL_ERR_PROPOSAL_SUPERSEDED', [index, term, groupName(groupId), appliedTerm], { groupId, index, term });
}

export function invalidProposal(groupId: GroupId, why: string): RunnelError {
  return new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`${why} (${groupName(groupId)})`], { groupId });
}
