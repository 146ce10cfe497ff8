export { LevelDbEngine, type LevelDbEngineOptions } from './leveldb-engine.js';
export { LevelDbGroupStore, type GroupStoreConfig } from './group-store.js';
export { CorruptionError } from './corruption-error.js';
export { type LevelDbTuning, LEVELDB_DEFAULTS } from './db.js';
export { type WriteStats } from './write-batcher.js';
export { KeyKind, dataKey, indexedKey, groupKey } from './keys.js';
