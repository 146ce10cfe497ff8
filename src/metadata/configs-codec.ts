import { assert } from '../core/index.js';
import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { configsPerTopicMax, configValueBytesMax } from './metadata-limits.js';
import type { TopicConfigs } from './metadata-record.js';

/**
 * Topic configs and config key lists, shared by records and snapshots: a u16 count, then the entries
 * with keys strictly ascending (code-unit order), so equal configs always give equal bytes and the
 * decoder can reject any other order.
 */
export function writeConfigs(w: ByteWriter, configs: TopicConfigs): void {
  const keys = Object.keys(configs).sort();
  assert(keys.length <= configsPerTopicMax, () => `${keys.length} configs exceed ${configsPerTopicMax}`);
  w.u16(keys.length);
  for (const key of keys) w.string(key, configValueBytesMax).string(configs[key]!, configValueBytesMax);
}

export function readConfigs(r: ByteReader): TopicConfigs {
  const n = r.u16('config count');
  if (n > configsPerTopicMax) throw r.bad(`${n} configs exceed ${configsPerTopicMax}`);
  const entries: [string, string][] = [];
  for (let i = 0; i < n; i++) {
    const key = r.string('config key', configValueBytesMax);
    if (i > 0 && !(entries[i - 1]![0] < key)) throw r.bad('config keys must be unique and ascending');
    entries.push([key, r.string('config value', configValueBytesMax)]);
  }
  return Object.fromEntries(entries);
}

/** A key list is a set: written deduplicated and sorted. */
export function writeKeys(w: ByteWriter, keys: readonly string[]): void {
  const sorted = [...new Set(keys)].sort();
  assert(sorted.length <= configsPerTopicMax, () => `${sorted.length} config keys exceed ${configsPerTopicMax}`);
  w.u16(sorted.length);
  for (const key of sorted) w.string(key, configValueBytesMax);
}

export function readKeys(r: ByteReader): string[] {
  const n = r.u16('config key count');
  if (n > configsPerTopicMax) throw r.bad(`${n} config keys exceed ${configsPerTopicMax}`);
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = r.string('config key', configValueBytesMax);
    if (i > 0 && !(keys[i - 1]! < key)) throw r.bad('config keys must be unique and ascending');
    keys.push(key);
  }
  return keys;
}

/** The same configs with keys inserted in ascending order. */
export function sortedConfigs(configs: TopicConfigs): TopicConfigs {
  return Object.fromEntries(Object.keys(configs).sort().map((k) => [k, configs[k]!]));
}
