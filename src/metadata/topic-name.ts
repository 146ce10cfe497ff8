import { RunnelError } from '../core/index.js';
import { topicNameLengthMax } from './metadata-limits.js';

/** Kafka's `Topic.validate`: ASCII letters, digits, '.', '_' and '-'. */
const legalChars = /^[a-zA-Z0-9._-]+$/;

/** Why `name` is not a legal topic name, or undefined if it is (Kafka's rules). */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name === '.' || name === '..') return 'the name cannot be "." or ".."';
  if (name.length > topicNameLengthMax) return `the name is ${name.length} characters, more than ${topicNameLengthMax}`;
  if (!legalChars.test(name)) return "the name may hold only ASCII letters, digits, '.', '_' and '-'";
  return undefined;
}

/** Throws RUNNEL_ERR_INVALID_TOPIC for an illegal name. */
export function validateTopicName(name: string): void {
  const problem = topicNameProblem(name);
  if (problem !== undefined) throw new RunnelError('RUNNEL_ERR_INVALID_TOPIC', [name, problem]);
}
