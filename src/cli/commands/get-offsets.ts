/** `runnel get-offsets`: kafka-get-offsets.sh, `topic:partition:offset` per partition via ListOffsets. */
import { InvalidArgumentError, type Command } from 'commander';
import { Consumer } from '../../client/index.js';
import { clientCommand, cliClientOptions, CliError, bootstrapList, reaching, type TlsFlags } from './common.js';

interface GetOffsetsOptions extends TlsFlags {
  bootstrapServer?: string;
  topic?: string;
  partitions?: number[];
  time: 'earliest' | 'latest' | number;
}

/** `0,1,2` -> [0, 1, 2]. */
function partitionList(value: string): number[] {
  const list = value.split(',').map((s) => s.trim());
  if (list.some((s) => !/^\d+$/.test(s))) throw new InvalidArgumentError('not a comma-separated list of partition numbers.');
  return list.map(Number);
}

/** Kafka's --time: -1 latest, -2 earliest, otherwise a timestamp in ms. */
function timeSpec(value: string): 'earliest' | 'latest' | number {
  const v = value.trim().toLowerCase();
  if (v === '-1' || v === 'latest') return 'latest';
  if (v === '-2' || v === 'earliest') return 'earliest';
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('not -1, -2 or a timestamp in ms.');
  return Number(v);
}

async function getOffsets(opts: GetOffsetsOptions): Promise<void> {
  const servers = bootstrapList(opts.bootstrapServer);
  if (opts.topic === undefined) throw new CliError('--topic is required');
  const topic = opts.topic;
  await reaching(servers, async () => {
    const consumer = new Consumer({ bootstrapServers: servers, ...cliClientOptions(opts) });
    try {
      const info = await consumer.metadata.requireTopic(topic);
      const all = info.partitions.map((p) => p.partition).sort((a, b) => a - b);
      const wanted = opts.partitions ?? all;
      const missing = wanted.filter((p) => !all.includes(p));
      if (missing.length > 0) throw new CliError(`topic ${topic} has no partition ${missing.join(',')}`);
      const tps = wanted.map((partition) => ({ topic, partition }));
      const offsets = await consumer.listOffsets(tps, opts.time);
      for (const tp of tps) process.stdout.write(`${topic}:${tp.partition}:${offsets.get(`${topic}/${tp.partition}`)}\n`);
    } finally {
      consumer.close();
    }
  });
}

export function registerGetOffsets(program: Command): void {
  clientCommand(program, 'get-offsets', 'print each partition\'s offset at a time (kafka-get-offsets.sh)')
    .option('--topic <name>', 'the topic')
    .option('--partitions <list>', 'comma-separated partitions (default: all)', partitionList)
    .option('--time <t>', '-1 (latest), -2 (earliest) or a timestamp in ms', timeSpec, 'latest')
    .action(getOffsets);
}
