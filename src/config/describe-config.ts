import { keySpecs, kafkaKeyHints } from './keys.js';
import { envName } from './load-config.js';

/** One key as the docs show it. */
export interface ConfigKeyDoc {
  readonly key: string;
  readonly type: string;
  /** The default as it would be written, or a note such as "same as listeners"; undefined if required. */
  readonly default: string | undefined;
  readonly required: boolean;
  readonly doc: string;
  /** The environment variable that overrides it. */
  readonly env: string;
  /** Kafka has a key of this name meaning the same thing. */
  readonly kafka: boolean;
}

/** Every key a server.properties may hold, in the order docs/CONFIG.md lists them. */
export function describeConfig(): ConfigKeyDoc[] {
  return keySpecs.map((s) => ({
    key: s.key,
    type: s.type,
    default: s.default ?? (s.derivedDefault === undefined ? undefined : `(${s.derivedDefault})`),
    required: s.required === true,
    doc: s.doc,
    env: envName(s.key),
    kafka: s.kafka,
  }));
}

/** Kafka keys Runnel does not take, each with what to do instead. */
export function describeKafkaOnlyKeys(): { readonly key: string; readonly hint: string }[] {
  return [...kafkaKeyHints].map(([key, hint]) => ({ key, hint }));
}
