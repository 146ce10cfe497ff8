/**
 * Kafka producer properties (`--producer-property k=v` of console-producer, `--producer-props k=v ...`
 * of producer-perf-test) as the client's ProducerOptions. Unknown keys and bad values are errors.
 */
import type { AcksSetting, ProducerOptions } from '../../client/index.js';
import { CliError } from './common.js';

type ProducerSettings = Pick<ProducerOptions, 'acks' | 'lingerMs' | 'batchSizeBytes' | 'bufferMemoryBytes' | 'enableIdempotence' | 'deliveryTimeoutMs'>;

const numeric: Readonly<Record<string, keyof ProducerSettings>> = {
  'linger.ms': 'lingerMs',
  'batch.size': 'batchSizeBytes',
  'buffer.memory': 'bufferMemoryBytes',
  'delivery.timeout.ms': 'deliveryTimeoutMs',
};

/** The keys these tools understand (Kafka's names). */
export const producerPropertyKeys = ['acks', 'enable.idempotence', ...Object.keys(numeric)] as const;

function acksOf(flag: string, v: string | undefined): AcksSetting {
  if (v === undefined || v === 'all' || v === '-1') return 'all';
  if (v === '1' || v === '0') return v;
  throw new CliError(`${flag} acks=${v}: expected all, -1, 1 or 0`);
}

/**
 * Kafka's defaults where the user is silent: acks=all and, with it, idempotence (a retried batch is
 * never written twice); `defaults` fills in what a tool wants otherwise (console-producer: linger.ms=5).
 */
export function producerSettings(props: ReadonlyMap<string, string>, flag: string, defaults: ProducerSettings = {}): ProducerSettings {
  for (const k of props.keys()) {
    if (!(producerPropertyKeys as readonly string[]).includes(k)) throw new CliError(`${flag} ${k}: unknown; supported: ${producerPropertyKeys.join(', ')}`);
  }
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, option] of Object.entries(numeric)) {
    const v = props.get(key);
    if (v === undefined) continue;
    if (!/^\d+$/.test(v)) throw new CliError(`${flag} ${key}=${v}: expected a whole number`);
    out[option] = Number(v);
  }
  const acks = acksOf(flag, props.get('acks'));
  const idem = props.get('enable.idempotence');
  if (idem !== undefined && idem !== 'true' && idem !== 'false') throw new CliError(`${flag} enable.idempotence=${idem}: expected true or false`);
  if (idem === 'true' && acks !== 'all') throw new CliError(`${flag} enable.idempotence=true needs acks=all (got acks=${acks})`);
  return { ...out, acks, enableIdempotence: idem === undefined ? acks === 'all' : idem === 'true' };
}
