import { z } from 'zod';
import { RunnelError } from '../../core/index.js';

/**
 * The commands of a `__consumer_offsets` partition's Raft group (one entry each): what its state
 * machine (offsets-state.ts) applies in log order on every replica. JSON with a version, validated
 * on decode: these entries are small and rare next to record batches, and stay readable with any
 * tool. Bounds: group id 1..249 characters, metadata ≤ 4,096 bytes, ≤ 10,000 offsets per command,
 * ≤ 1,000 members in a group state. `group-state` carries a group's whole membership after a change,
 * so a new coordinator continues where the last one left off.
 */
export const groupIdLengthMax = 249;
export const commitMetadataBytesMax = 4_096;
export const offsetsPerCommandMax = 10_000;

const groupId = z.string().min(1).max(groupIdLengthMax);
const committed = z.object({
  topic: z.string().min(1).max(249),
  partition: z.number().int().min(0).max(0x7fffffff),
  offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  metadata: z.string().max(commitMetadataBytesMax),
});

const tpList = z.array(z.string().min(1).max(300)).max(100_000);
const persistedMember = z.object({
  id: z.string().min(1).max(255),
  clientId: z.string().max(255),
  epoch: z.number().int().min(0),
  topics: z.array(z.string().min(1).max(249)).max(10_000),
  assigned: tpList,
  owned: tpList,
  sessionTimeoutMs: z.number().int().min(1).max(300_000),
});
/** A group's membership as the coordinator last acted on it (group-membership.ts toRecord). */
const groupState = z.object({
  groupEpoch: z.number().int().min(0),
  members: z.array(persistedMember).max(1_000),
  target: z.array(z.object({ id: z.string().min(1).max(255), tps: tpList })).max(1_000),
  targetSignature: z.string().max(10_000_000),
});

const command = z.discriminatedUnion('type', [
  z.object({ v: z.literal(1), type: z.literal('commit'), groupId, timestampMs: z.number().int().min(0), offsets: z.array(committed).min(1).max(offsetsPerCommandMax) }),
  z.object({ v: z.literal(1), type: z.literal('delete-group'), groupId }),
  z.object({ v: z.literal(1), type: z.literal('group-state'), groupId, state: groupState }),
]);

export type GroupStateRecord = z.infer<typeof groupState>;
export const groupStateSchema = groupState;

export type GroupCommand = z.infer<typeof command>;
export type CommittedOffsetInput = z.infer<typeof committed>;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeGroupCommand(c: GroupCommand): Uint8Array {
  return utf8Encoder.encode(JSON.stringify(command.parse(c)));
}

/** RUNNEL_ERR_CORRUPT for bytes that are not a command this version writes. */
export function decodeGroupCommand(data: Uint8Array): GroupCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Decoder.decode(data));
  } catch (err) {
    throw new RunnelError('RUNNEL_ERR_CORRUPT', [`group command is not JSON: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const r = command.safeParse(parsed);
  if (!r.success) throw new RunnelError('RUNNEL_ERR_CORRUPT', [`group command: ${r.error.issues[0]?.message ?? 'invalid'}`]);
  return r.data;
}
