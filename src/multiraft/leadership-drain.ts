import type { GroupId, NodeId } from '../core/index.js';
import type { HostedGroup } from './hosted-group.js';

export interface DrainResult {
  /** Groups this node led during the drain and no longer leads. */
  readonly moved: number;
  /** Groups still led here at the deadline although another voter exists. */
  readonly remaining: readonly GroupId[];
  /** Groups led here with no other voter: leadership cannot move (a single-replica group). */
  readonly unmovable: readonly GroupId[];
}

export interface DrainHost {
  readonly nodeId: NodeId;
  groups(): Iterable<HostedGroup>;
  /** Input was given to the group: schedule a Ready pass. */
  kick(group: HostedGroup): void;
}

/**
 * Graceful shutdown (DESIGN "Graceful stop"): hand every group this node leads to its most
 * caught-up reachable voter and wait until none is led here, or the deadline passes. The core gives
 * up a transfer after one election timeout; the next poll then tries again (maybe another voter).
 */
export async function drainLeadership(host: DrainHost, timeoutMs: number, pollMs: number): Promise<DrainResult> {
  const deadline = Date.now() + timeoutMs;
  const led = new Set<HostedGroup>();
  for (;;) {
    const { movable, unmovable } = leadingGroups(host);
    for (const g of movable) {
      led.add(g);
      startTransfer(host, g);
    }
    const now = Date.now();
    if (movable.length === 0 || now >= deadline) {
      const moved = [...led].filter((g) => !g.isLeader()).length;
      return { moved, remaining: movable.map((g) => g.id), unmovable: unmovable.map((g) => g.id) };
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, deadline - now)));
  }
}

function leadingGroups(host: DrainHost): { movable: HostedGroup[]; unmovable: HostedGroup[] } {
  const movable: HostedGroup[] = [];
  const unmovable: HostedGroup[] = [];
  for (const g of host.groups()) {
    if (!g.isLeader()) continue;
    const others = g.rawNode.status().confState.voters.some((v) => v !== host.nodeId);
    (others ? movable : unmovable).push(g);
  }
  return { movable, unmovable };
}

function startTransfer(host: DrainHost, g: HostedGroup): void {
  if (g.rawNode.raft.leadTransferee !== 0) return; // one in progress
  const to = pickTransferee(host.nodeId, g);
  if (to !== undefined && g.rawNode.transferLeader(to)) host.kick(g);
}

/** The voter with the highest acknowledged index, preferring ones heard from recently. */
export function pickTransferee(self: NodeId, g: HostedGroup): NodeId | undefined {
  const raft = g.rawNode.raft;
  let best: NodeId | undefined;
  let bestScore = -1;
  for (const id of raft.membership.current().voters) {
    const pr = raft.progress.get(id);
    if (id === self || !pr) continue;
    // Recently active first, then the most caught up (the transfer waits for it to catch up fully).
    const score = (pr.recentActive ? Number.MAX_SAFE_INTEGER / 2 : 0) + pr.match;
    if (score > bestScore) {
      best = id;
      bestScore = score;
    }
  }
  return best;
}
