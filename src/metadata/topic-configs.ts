import { RunnelError } from '../core/index.js';
import { configsPerTopicMax } from './metadata-limits.js';
import type { TopicConfigs } from './metadata-record.js';

/**
 * The topic-level configs Runnel understands, under Kafka's names. A key not listed here is an error
 * (a misspelt `retention.ms` must not be silently ignored); a topic without a key takes the broker's
 * `log.*` default for it.
 */
interface TopicConfigDef {
  /** Why `value` is not acceptable, or undefined. */
  problem(value: string): string | undefined;
}

const int32Max = 2 ** 31 - 1;

function integer(min: number, max: number): TopicConfigDef {
  return {
    problem: (value) => {
      const n = /^-?\d{1,16}$/.test(value) ? Number(value) : NaN;
      return Number.isSafeInteger(n) && n >= min && n <= max ? undefined : `must be an integer in [${min}, ${max}]`;
    },
  };
}

function oneOf(...allowed: string[]): TopicConfigDef {
  return { problem: (value) => (allowed.includes(value) ? undefined : `must be one of ${allowed.join(', ')}`) };
}

export const topicConfigDefs: Readonly<Record<string, TopicConfigDef>> = {
  /** Only deletion by retention; log compaction is not implemented. */
  'cleanup.policy': oneOf('delete'),
  /** Like the broker's `log.retention.ms`; -1 keeps batches forever. */
  'retention.ms': integer(-1, Number.MAX_SAFE_INTEGER),
  /** Like the broker's `log.retention.bytes`; -1 means no size limit. */
  'retention.bytes': integer(-1, Number.MAX_SAFE_INTEGER),
  /** The largest record batch the topic accepts. */
  'max.message.bytes': integer(0, int32Max),
};

/** Why one config entry is unacceptable, or undefined. */
export function topicConfigProblem(key: string, value: string): string | undefined {
  if (!Object.hasOwn(topicConfigDefs, key)) return `unknown topic config ${key}`;
  const problem = topicConfigDefs[key]!.problem(value);
  return problem === undefined ? undefined : `${key}=${value} ${problem}`;
}

/** Why a set of overrides is unacceptable (the first problem in key order), or undefined. */
export function topicConfigsProblem(configs: TopicConfigs): string | undefined {
  const keys = Object.keys(configs).sort();
  if (keys.length > configsPerTopicMax) return `${keys.length} configs exceed ${configsPerTopicMax}`;
  for (const key of keys) {
    const problem = topicConfigProblem(key, configs[key]!);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Throws RUNNEL_ERR_INVALID_CONFIG naming the first bad key. */
export function validateTopicConfigs(configs: TopicConfigs): void {
  const problem = topicConfigsProblem(configs);
  if (problem !== undefined) throw new RunnelError('RUNNEL_ERR_INVALID_CONFIG', [problem]);
}

/** Why removing these keys is unacceptable (an unknown key), or undefined. */
export function configKeysProblem(keys: readonly string[]): string | undefined {
  const unknown = [...keys].sort().find((k) => !Object.hasOwn(topicConfigDefs, k));
  return unknown === undefined ? undefined : `unknown topic config ${unknown}`;
}
