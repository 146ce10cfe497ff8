/**
 * Request checks shared by the services: topic names (Kafka's rules, org.apache.kafka.common.internals
 * .Topic) and int64 fields that must be exact JavaScript integers.
 */
import { RunnelError } from '../core/index.js';

/** Kafka's limit, so a topic name valid in Kafka is valid here and the other way round. */
export const topicNameLengthMax = 249;

const legalTopicName = /^[a-zA-Z0-9._-]+$/;

/**
 * Why `name` is not a legal topic name, or undefined if it is. The wording is that of
 * src/metadata/topic-name.ts, which applies the same rule when the metadata group applies a topic:
 * a client sees the same error whether the API or the metadata image refused the name.
 */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name === '.' || name === '..') return 'the name cannot be "." or ".."';
  if (name.length > topicNameLengthMax) return `the name is ${name.length} characters, more than ${topicNameLengthMax}`;
  if (!legalTopicName.test(name)) return "the name may hold only ASCII letters, digits, '.', '_' and '-'";
  return undefined;
}

export function isValidTopicName(name: string): boolean {
  return topicNameProblem(name) === undefined;
}

/** Throws RUNNEL_ERR_INVALID_TOPIC (definite) naming the problem. */
export function validateTopicName(name: string): void {
  const problem = topicNameProblem(name);
  if (problem !== undefined) throw new RunnelError('RUNNEL_ERR_INVALID_TOPIC', [name, problem]);
}

/**
 * An int64 field decoded as a number (see src/api/proto.ts) must be an exact integer: a value
 * beyond 2^53 - 1 on the wire decodes rounded, but still beyond it, so it is refused here rather than
 * used rounded. Throws RUNNEL_ERR_INVALID_REQUEST naming the field.
 */
export function requireSafeInt64(value: number, field: string): number {
  if (!Number.isSafeInteger(value)) {
    throw new RunnelError('RUNNEL_ERR_INVALID_REQUEST', [`${field} ${value} is outside -(2^53 - 1)..2^53 - 1`], { field });
  }
  return value;
}
