/** `runnel topics`: kafka-topics.sh's --create / --list / --describe / --delete / --alter over the AdminClient. */
import type { Command } from 'commander';
import { AdminClient, type TopicDescription } from '../../client/index.js';
import { clientCommand, cliClientOptions, CliError, bootstrapList, collect, parseProperties, positiveInt, reaching, type TlsFlags } from './common.js';
import { alterTopic } from './topics-alter.js';

interface TopicsOptions extends TlsFlags {
  bootstrapServer?: string;
  create?: boolean;
  list?: boolean;
  describe?: boolean;
  delete?: boolean;
  alter?: boolean;
  topic?: string;
  partitions?: number;
  replicationFactor?: number;
  config: string[];
  deleteConfig: string[];
}

/** kafka-topics.sh --describe lines for one topic. */
export function describeLines(t: TopicDescription): string[] {
  const rf = t.partitions[0]?.replicas.length ?? 0;
  const configs = Object.entries(t.configs).map(([k, v]) => `${k}=${v}`).join(',');
  const head = `Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${rf}\tConfigs: ${configs}`;
  const parts = t.partitions.map(
    (p) => `\tTopic: ${t.name}\tPartition: ${p.partition}\tLeader: ${p.leaderId === 0 ? 'none' : p.leaderId}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.inSyncReplicas.join(',')}`,
  );
  return [head, ...parts];
}

function serversOf(opts: TopicsOptions): string[] {
  return bootstrapList(opts.bootstrapServer);
}

async function topics(opts: TopicsOptions): Promise<void> {
  const servers = serversOf(opts);
  await reaching(servers, () => topicsBody(opts, servers));
}

async function topicsBody(opts: TopicsOptions, servers: readonly string[]): Promise<void> {
  const actions = (['create', 'list', 'describe', 'delete', 'alter'] as const).filter((a) => opts[a] === true);
  if (actions.length !== 1) throw new CliError('exactly one of --create, --list, --describe, --delete, --alter is required');
  const action = actions[0]!;
  if ((action === 'create' || action === 'delete' || action === 'alter') && opts.topic === undefined) throw new CliError(`--${action} requires --topic`);
  if (action !== 'alter' && opts.deleteConfig.length > 0) throw new CliError('--delete-config requires --alter');
  const admin = new AdminClient({ bootstrapServers: servers, ...cliClientOptions(opts) });
  try {
    switch (action) {
      case 'create': {
        const configs = Object.fromEntries(parseProperties(opts.config, '--config'));
        const [r] = await admin.createTopics([
          {
            name: opts.topic!,
            ...(opts.partitions !== undefined ? { numPartitions: opts.partitions } : {}),
            ...(opts.replicationFactor !== undefined ? { replicationFactor: opts.replicationFactor } : {}),
            configs,
          },
        ]);
        if (r?.error) throw r.error;
        process.stdout.write(`Created topic ${opts.topic!}.\n`);
        break;
      }
      case 'list':
        for (const name of await admin.listTopics()) process.stdout.write(`${name}\n`);
        break;
      case 'describe': {
        const found = await admin.describeTopics(opts.topic !== undefined ? [opts.topic] : []);
        const failed = found.find((t) => t.error);
        if (failed?.error) throw failed.error;
        for (const t of [...found].sort((a, b) => a.name.localeCompare(b.name))) process.stdout.write(describeLines(t).join('\n') + '\n');
        break;
      }
      case 'delete': {
        const [r] = await admin.deleteTopics([opts.topic!]);
        if (r?.error) throw r.error;
        process.stdout.write(`Deleted topic ${opts.topic!}.\n`);
        break;
      }
      case 'alter':
        await alterTopic(admin, { ...opts, topic: opts.topic! });
        break;
    }
  } finally {
    admin.close();
  }
}

export function registerTopics(program: Command): void {
  clientCommand(program, 'topics', 'create, list, describe, delete or alter topics (kafka-topics.sh)')
    .option('--create', 'create a topic')
    .option('--list', 'list all topics')
    .option('--describe', 'describe one topic (--topic) or all topics')
    .option('--delete', 'delete a topic')
    .option('--alter', 'change a topic: add partitions (--partitions), set (--config) or remove (--delete-config) configs')
    .option('--topic <name>', 'the topic')
    .option('--partitions <n>', 'partitions of the new topic (default: the broker\'s num.partitions); with --alter the new total, more than now', positiveInt)
    .option('--replication-factor <n>', 'replicas per partition (default: the broker\'s default.replication.factor)', positiveInt)
    .option('--config <key=value>', 'topic config for --create or --alter (repeatable)', collect, [])
    .option('--delete-config <key>', 'with --alter: remove a topic config, back to the broker default (repeatable)', collect, [])
    .action(topics);
}
