import { EntryType, type Entry, type Snapshot } from '../../src/raft/index.js';

const encoder = new TextEncoder();

/** Entries with the given terms at consecutive indexes from `first`; data is `e<index>`. */
export function entries(first: number, terms: readonly number[]): Entry[] {
  return terms.map((term, i) => ({
    term,
    index: first + i,
    type: EntryType.Normal,
    data: encoder.encode(`e${first + i}`),
  }));
}

/** `term/index` of each entry, for compact assertions. */
export function ids(ents: readonly Entry[]): string[] {
  return ents.map((e) => `${e.term}/${e.index}`);
}

export function snapshot(index: number, term: number, voters: number[] = [1, 2, 3]): Snapshot {
  return { meta: { index, term, confState: { voters, learners: [] } }, data: new Uint8Array(0) };
}
