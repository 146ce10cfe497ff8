/** The Subscription state machine: where partitions start, and which are dropped, as metadata changes. */
import { describe, expect, it } from 'vitest';
import { Subscription, type TopicLookup } from '../../src/client/subscription.js';

function lookup(topics: Record<string, { id: string; n: number }>): TopicLookup {
  return (t) => {
    const x = topics[t];
    return x && { topicId: x.id, partitions: Array.from({ length: x.n }, (_, i) => i) };
  };
}

describe('Subscription', () => {
  it('starts partitions there at subscribe per autoOffsetReset and later ones from the start', () => {
    const sub = new Subscription(['a', 'b', 'a'], 1_000);
    expect(sub.topics).toEqual(['a', 'b']);
    expect(sub.due(0)).toBe(true);
    const first = sub.update(0, lookup({ a: { id: 'A', n: 2 } }));
    expect(first.added).toEqual([
      { tp: { topic: 'a', partition: 0 }, fromStart: false },
      { tp: { topic: 'a', partition: 1 }, fromStart: false },
    ]);
    expect(first.removed).toEqual([]);
    expect(sub.due(999)).toBe(false);
    expect(sub.due(1_000)).toBe(true);

    // a grew to 3 partitions, b was created: all new ones from the start; nothing seen twice.
    const second = sub.update(1_000, lookup({ a: { id: 'A', n: 3 }, b: { id: 'B', n: 1 } }));
    expect(second.added).toEqual([
      { tp: { topic: 'a', partition: 2 }, fromStart: true },
      { tp: { topic: 'b', partition: 0 }, fromStart: true },
    ]);
    expect(sub.update(2_000, lookup({ a: { id: 'A', n: 3 }, b: { id: 'B', n: 1 } })).added).toEqual([]);
  });

  it('drops a deleted topic and reads it from the start when re-created under a new id', () => {
    const sub = new Subscription(['a'], 1_000);
    sub.update(0, lookup({ a: { id: 'A', n: 2 } }));
    sub.expire();
    expect(sub.due(1)).toBe(true);
    const gone = sub.update(1, lookup({}));
    expect(gone.removed).toEqual([
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 1 },
    ]);
    expect(gone.added).toEqual([]);
    const recreated = sub.update(2, lookup({ a: { id: 'A2', n: 1 } }));
    expect(recreated).toEqual({ added: [{ tp: { topic: 'a', partition: 0 }, fromStart: true }], removed: [] });

    // Deleted and re-created between two refreshes: the new id says so.
    const swapped = sub.update(3, lookup({ a: { id: 'A3', n: 1 } }));
    expect(swapped).toEqual({ added: [{ tp: { topic: 'a', partition: 0 }, fromStart: true }], removed: [{ topic: 'a', partition: 0 }] });
  });
});
