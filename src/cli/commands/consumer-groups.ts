/**
 * `runnel consumer-groups`: kafka-consumer-groups.sh — --list, --describe (committed offsets, log-end
 * offsets, lag and owners per partition), --reset-offsets (plan, written only with --execute and only
 * while the group has no members) and --delete, over the AdminClient's group operations.
 */
import type { Command } from 'commander';
import { AdminClient, Consumer, type ConsumerGroupDescription, type TopicPartitionOffset } from '../../client/index.js';
import { clientCommand, cliClientOptions, CliError, bootstrapList, nonNegativeInt, reaching, type TlsFlags } from './common.js';

interface GroupsOptions extends TlsFlags {
  bootstrapServer?: string;
  list?: boolean;
  describe?: boolean;
  resetOffsets?: boolean;
  delete?: boolean;
  group?: string;
  topic?: string;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: number;
  execute?: boolean;
  dryRun?: boolean;
}

type Clients = { readonly admin: AdminClient; readonly consumer: Consumer };

/** Columns padded to their widest cell, one space apart (the last one not padded), as kafka-consumer-groups.sh prints them. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(' ')).join('\n') + '\n';
}

/** `topic/partition` (the client's map keys) back to a partition. */
function fromKey(key: string): { topic: string; partition: number } {
  const i = key.lastIndexOf('/');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}

const DESCRIBE_HEADER = ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'CLIENT-ID'];

/** One row per partition the group has an offset for or a member is assigned, sorted by topic and partition. */
export function describeRows(
  group: ConsumerGroupDescription,
  committed: ReadonlyMap<string, number>,
  logEnd: ReadonlyMap<string, number>,
): string[][] {
  const owner = new Map<string, { memberId: string; clientId: string }>();
  for (const m of group.members) for (const tp of m.assignment) owner.set(`${tp.topic}/${tp.partition}`, m);
  const keys = [...new Set([...committed.keys(), ...owner.keys()])].map((key) => ({ key, ...fromKey(key) }));
  keys.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return keys.map(({ key, topic, partition }) => {
    const current = committed.get(key) ?? -1;
    const end = logEnd.get(key);
    const m = owner.get(key);
    return [
      group.groupId,
      topic,
      String(partition),
      current < 0 ? '-' : String(current),
      end === undefined ? '-' : String(end),
      current < 0 || end === undefined ? '-' : String(Math.max(0, end - current)),
      m?.memberId || '-',
      m?.clientId || '-',
    ];
  });
}

async function describeGroup(c: Clients, groupId: string): Promise<void> {
  const [group] = await c.admin.groups.describeConsumerGroups([groupId]);
  if (group!.error?.code === 'RUNNEL_ERR_GROUP_ID_NOT_FOUND') throw new CliError(`consumer group '${groupId}' does not exist`);
  if (group!.error) throw group!.error;
  const committed = await c.admin.groups.listConsumerGroupOffsets(groupId);
  const assigned = group!.members.flatMap((m) => m.assignment);
  const all = [...new Map([...[...committed.keys()].map(fromKey), ...assigned].map((tp) => [`${tp.topic}/${tp.partition}`, tp])).values()];
  const logEnd = await c.consumer.listOffsets(all, 'latest').catch(() => new Map<string, number>());
  if (group!.members.length === 0) process.stdout.write(`\nConsumer group '${groupId}' has no active members.\n`);
  process.stdout.write('\n' + table([DESCRIBE_HEADER, ...describeRows(group!, committed, logEnd)]));
}

async function resetOffsets(c: Clients, opts: GroupsOptions, groupId: string): Promise<void> {
  if (opts.topic === undefined) throw new CliError('--reset-offsets requires --topic');
  const targets = [opts.toEarliest === true, opts.toLatest === true, opts.toOffset !== undefined].filter(Boolean).length;
  if (targets !== 1) throw new CliError('--reset-offsets needs exactly one of --to-earliest, --to-latest, --to-offset');
  if (opts.execute === true && opts.dryRun === true) throw new CliError('--execute and --dry-run are mutually exclusive');
  const [group] = await c.admin.groups.describeConsumerGroups([groupId]);
  if (group!.error && group!.error.code !== 'RUNNEL_ERR_GROUP_ID_NOT_FOUND') throw group!.error;
  if (group!.members.length > 0) {
    throw new CliError(`assignments can only be reset if the group '${groupId}' is inactive, but it has ${group!.members.length} members (state ${group!.state})`);
  }
  const info = await c.consumer.metadata.requireTopic(opts.topic);
  const tps = info.partitions.map((p) => ({ topic: opts.topic!, partition: p.partition }));
  const earliest = await c.consumer.listOffsets(tps, 'earliest');
  const latest = await c.consumer.listOffsets(tps, 'latest');
  const plan: TopicPartitionOffset[] = tps.map((tp) => {
    const k = `${tp.topic}/${tp.partition}`;
    const [lo, hi] = [earliest.get(k)!, latest.get(k)!];
    const offset = opts.toEarliest === true ? lo : opts.toLatest === true ? hi : Math.min(hi, Math.max(lo, opts.toOffset!)); // clamped, as Kafka does
    return { ...tp, offset };
  });
  if (opts.execute !== true && opts.dryRun !== true) process.stderr.write('WARN: No action will be performed as the --execute option is missing.\n');
  if (opts.execute === true) {
    const results = await c.admin.groups.alterConsumerGroupOffsets(groupId, plan);
    const failed = [...results.values()].find((e) => e !== null);
    if (failed) throw failed;
  }
  process.stdout.write('\n' + table([['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], ...plan.map((p) => [groupId, p.topic, String(p.partition), String(p.offset)])]));
}

async function deleteGroup(c: Clients, groupId: string): Promise<void> {
  const [r] = await c.admin.groups.deleteConsumerGroups([groupId]);
  if (r!.error?.code === 'RUNNEL_ERR_GROUP_ID_NOT_FOUND') throw new CliError(`consumer group '${groupId}' does not exist`);
  if (r!.error?.code === 'RUNNEL_ERR_GROUP_NOT_EMPTY') throw new CliError(`consumer group '${groupId}' could not be deleted: it has active members`);
  if (r!.error) throw r!.error;
  process.stdout.write(`Deletion of requested consumer groups ('${groupId}') was successful.\n`);
}

async function consumerGroups(opts: GroupsOptions): Promise<void> {
  const servers = bootstrapList(opts.bootstrapServer);
  const actions = (['list', 'describe', 'resetOffsets', 'delete'] as const).filter((a) => opts[a] === true);
  if (actions.length !== 1) throw new CliError('exactly one of --list, --describe, --reset-offsets, --delete is required');
  const action = actions[0]!;
  if (action !== 'list' && opts.group === undefined) throw new CliError(`--${action === 'resetOffsets' ? 'reset-offsets' : action} requires --group`);
  if (action !== 'resetOffsets' && (opts.execute === true || opts.dryRun === true || opts.toEarliest === true || opts.toLatest === true || opts.toOffset !== undefined)) {
    throw new CliError('--execute, --dry-run and --to-* go with --reset-offsets');
  }
  await reaching(servers, async () => {
    const options = { bootstrapServers: servers, ...cliClientOptions(opts) }; // reads the PEM files once
    const c = { admin: new AdminClient(options), consumer: new Consumer(options) };
    try {
      if (action === 'list') for (const g of await c.admin.groups.listConsumerGroups()) process.stdout.write(`${g.groupId}\n`);
      else if (action === 'describe') await describeGroup(c, opts.group!);
      else if (action === 'resetOffsets') await resetOffsets(c, opts, opts.group!);
      else await deleteGroup(c, opts.group!);
    } finally {
      c.admin.close();
      await c.consumer.close();
    }
  });
}

export function registerConsumerGroups(program: Command): void {
  clientCommand(program, 'consumer-groups', 'list, describe, reset the offsets of, or delete consumer groups (kafka-consumer-groups.sh)')
    .option('--list', 'list every consumer group')
    .option('--describe', 'per partition: committed offset, log-end offset, lag, and the member consuming it (--group)')
    .option('--reset-offsets', "set the group's committed offsets of --topic (only while the group has no members)")
    .option('--delete', 'delete a group without members, with its committed offsets')
    .option('--group <id>', 'the consumer group')
    .option('--topic <name>', 'with --reset-offsets: every partition of this topic')
    .option('--to-earliest', 'reset to the earliest offset')
    .option('--to-latest', 'reset to the log-end offset')
    .option('--to-offset <n>', 'reset to this offset (clamped to the partition\'s range)', nonNegativeInt)
    .option('--execute', 'write the reset (without it, only the plan is printed)')
    .option('--dry-run', 'only print the plan (the default)')
    .action(consumerGroups);
}
