import type { Index, Logger } from '../core/index.js';
import type { RetentionPolicy } from '../log/index.js';
import type { TopicConfigs } from '../metadata/index.js';
import { decodeConfChange, EntryType, type ConfState } from '../raft/index.js';
import type { PartitionReplica } from './partition-replica.js';

/** The topic's retention overrides over the broker's log.retention.* defaults. */
export function retentionPolicy(configs: TopicConfigs, defaults: RetentionPolicy): RetentionPolicy {
  const ms = configs['retention.ms'];
  const bytes = configs['retention.bytes'];
  return {
    retentionMs: ms === undefined ? defaults.retentionMs : Number(ms),
    retentionBytes: bytes === undefined ? defaults.retentionBytes : Number(bytes),
  };
}

/**
 * The group's membership as of `index`: the stored snapshot's, then every stored ConfChange entry at
 * or below `index` (each carries the whole resulting configuration).
 */
function confStateAt(replica: PartitionReplica, index: Index): ConfState {
  const init = replica.storage.initialState();
  let cs = init.confState;
  for (const e of init.confEntries) {
    if (e.index <= index && e.type === EntryType.ConfChange) cs = decodeConfChange(e.data).confState;
  }
  return cs;
}

/**
 * Retention on one replica (docs/LOG.md): the partition log plans which whole batches at the head
 * expire (never past the high watermark) and moves its log start offset; the group's storage then
 * records the partition snapshot at the cut and deletes the entries up to it (durable with the next
 * flush). Each replica does this on its own log, as each Kafka broker deletes its own segments.
 */
export async function runRetention(replica: PartitionReplica, nowMs: number, policy: RetentionPolicy, logger: Logger): Promise<void> {
  if (policy.retentionMs < 0 && policy.retentionBytes < 0) return;
  const startBefore = replica.log.logStartOffset;
  const plan = await replica.log.planRetention(nowMs, policy);
  if (!plan || replica.closed) return;
  // Only control entries (a leader's no-op: append time 0) at the head: not worth a snapshot.
  if (plan.logStartOffset === startBefore) return;
  // A snapshot installed meanwhile may have moved the log past the cut already.
  if (plan.compactIndex < replica.storage.firstIndex() || plan.compactIndex > replica.log.appliedIndex) return;
  const confState = confStateAt(replica, plan.compactIndex);
  replica.storage.compact({ meta: { index: plan.compactIndex, term: plan.compactTerm, confState }, data: plan.snapshot }, plan.compactIndex);
  logger.info({ groupId: replica.groupId, compactIndex: plan.compactIndex, logStartOffset: plan.logStartOffset }, 'broker: retention deleted old batches');
}
