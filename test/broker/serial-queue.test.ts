/** SerialQueue: one job at a time in arrival order, failures kept to their caller, and the bound. */
import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../src/broker/serial-queue.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('SerialQueue', () => {
  it('runs jobs one at a time, in order, past a failing one', async () => {
    const q = new SerialQueue('jobs', 10);
    const log: string[] = [];
    const first = gate();
    const a = q.run(async () => {
      log.push('a start');
      await first.promise;
      log.push('a end');
      return 1;
    });
    const b = q.run(async () => {
      log.push('b');
      throw new Error('b failed');
    });
    const c = q.run(async () => {
      log.push('c');
      return 3;
    });
    await Promise.resolve();
    expect(log).toEqual(['a start']);
    first.open();
    await expect(a).resolves.toBe(1);
    await expect(b).rejects.toThrow('b failed');
    await expect(c).resolves.toBe(3);
    expect(log).toEqual(['a start', 'a end', 'b', 'c']);
  });

  it('refuses beyond queuedMax with a definite PROPOSAL_DROPPED, and takes jobs again once they settle', async () => {
    const q = new SerialQueue('CreatePartitions requests', 2);
    const hold = gate();
    const running = [q.run(() => hold.promise), q.run(() => hold.promise)];
    await expect(q.run(async () => 0)).rejects.toMatchObject({ code: 'RUNNEL_ERR_PROPOSAL_DROPPED', definite: true, message: expect.stringContaining('2 CreatePartitions requests already queued') });
    hold.open();
    await Promise.all(running);
    await expect(q.run(async () => 7)).resolves.toBe(7);
  });
});
