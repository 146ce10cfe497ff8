import { RunnelError, type GroupId, type NodeId } from '../core/index.js';
import type { MetadataImage } from '../metadata/index.js';

/** A NOT_LEADER hint: the leader's id and advertised CLIENT address (src/api turns it into Error.leader_hint). */
export interface LeaderHint {
  readonly nodeId: NodeId;
  readonly host: string;
  readonly port: number;
}

/** `host:port` or `[v6]:port` -> host and port. */
export function splitAddress(address: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

export function leaderHint(image: MetadataImage, leader: NodeId): LeaderHint | undefined {
  if (leader === 0) return undefined;
  const node = image.nodes.get(leader);
  const addr = node && splitAddress(node.clientAddress);
  return addr ? { nodeId: leader, ...addr } : undefined;
}

/** NOT_LEADER (definite) naming what this node does not lead, with a hint when the leader is known. */
export function notLeaderError(image: MetadataImage, self: NodeId, what: string, leader: NodeId, groupId?: GroupId): RunnelError {
  const hint = leaderHint(image, leader);
  return new RunnelError('RUNNEL_ERR_NOT_LEADER', [self, what], { groupId, leaderId: leader, ...(hint ? { leaderHint: hint } : {}) });
}

/** A multiraft NOT_LEADER (details.leaderId) with the leader's address added. */
export function withLeaderHint(err: unknown, image: MetadataImage, self: NodeId, what: string): unknown {
  if (!(err instanceof RunnelError) || err.code !== 'RUNNEL_ERR_NOT_LEADER' || err.details['leaderHint'] !== undefined) return err;
  const leader = typeof err.details['leaderId'] === 'number' ? err.details['leaderId'] : 0;
  return notLeaderError(image, self, what, leader, err.details['groupId'] as GroupId | undefined);
}

export function timeoutError(timeoutMs: number): RunnelError {
  return new RunnelError('RUNNEL_ERR_TIMEOUT', [`after ${timeoutMs} ms`]);
}

/** Resolve as `p`, or reject with TIMEOUT (indefinite) after timeoutMs. */
export function withTimeout<T>(p: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError(timeoutMs)), timeoutMs);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
