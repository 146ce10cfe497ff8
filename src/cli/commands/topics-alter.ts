/**
 * `runnel topics --alter`: kafka-topics.sh's --partitions (grow a topic; Kafka's CreatePartitions)
 * and, as kafka-configs.sh does for topics, --config k=v / --delete-config k.
 */
import type { AdminClient } from '../../client/index.js';
import { CliError, parseProperties } from './common.js';

export interface AlterOptions {
  readonly topic: string;
  readonly partitions?: number;
  readonly replicationFactor?: number;
  readonly config: readonly string[];
  readonly deleteConfig: readonly string[];
}

/** Grows the partition count, then changes the configs; one line on stdout per change made. */
export async function alterTopic(admin: AdminClient, opts: AlterOptions): Promise<void> {
  if (opts.replicationFactor !== undefined) throw new CliError('--replication-factor cannot be used with --alter (see reassign-partitions)');
  const set = Object.fromEntries(parseProperties(opts.config, '--config'));
  const remove = opts.deleteConfig.map((k) => k.trim());
  if (opts.partitions === undefined && Object.keys(set).length === 0 && remove.length === 0) {
    throw new CliError('--alter requires --partitions, --config or --delete-config');
  }
  if (opts.partitions !== undefined) {
    const [r] = await admin.createPartitions([{ name: opts.topic, totalCount: opts.partitions }]);
    if (r?.error) throw r.error;
    process.stdout.write(`Altered topic ${opts.topic}: ${opts.partitions} partitions.\n`);
  }
  if (Object.keys(set).length > 0 || remove.length > 0) {
    const [r] = await admin.incrementalAlterConfigs([{ topic: opts.topic, set, delete: remove }]);
    if (r?.error) throw r.error;
    process.stdout.write(`Completed updating config for topic ${opts.topic}.\n`);
  }
}
