import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryType, type Entry } from '../../src/raft/index.js';
import { LevelDbEngine, type LevelDbGroupStore } from '../../src/storage/index.js';
import { tempDir } from './helpers.js';

function entry(index: number, bytes = 100): Entry {
  return { index, term: 1, type: EntryType.Normal, data: new Uint8Array(bytes).fill(index & 0xff) };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface WriteGate {
  /** Options passed to each chained batch write, in order. */
  readonly calls: Array<{ ops: number; options: unknown }>;
  /** Hold every write until release() is called. */
  hold(): void;
  release(): void;
}

/** Wrap the engine's LevelDB so each chained-batch write is recorded (and can be held back). */
function gateWrites(engine: LevelDbEngine): WriteGate {
  const db = engine.rawDb();
  const calls: WriteGate['calls'] = [];
  let gate: Promise<void> | undefined;
  let open = (): void => {};
  const original = db.batch.bind(db);
  (db as unknown as { batch: () => unknown }).batch = () => {
    const b = original();
    const write = b.write.bind(b) as (o?: unknown) => Promise<void>;
    (b as unknown as { write: (o?: unknown) => Promise<void> }).write = async (options?: unknown) => {
      calls.push({ ops: b.length, options });
      if (gate) await gate;
      return write(options);
    };
    return b;
  };
  return {
    calls,
    hold: () => {
      gate = new Promise((resolve) => (open = resolve));
    },
    release: () => {
      gate = undefined;
      open();
    },
  };
}

describe('group commit', () => {
  let tmp: ReturnType<typeof tempDir>;
  let engine: LevelDbEngine;
  let groups: LevelDbGroupStore[];

  beforeEach(async () => {
    tmp = tempDir('gc');
    engine = await LevelDbEngine.open({ dir: tmp.dir, fsync: true, pendingBytesMax: 50_000 });
    groups = [];
    for (let g = 0; g < 8; g++) groups.push(await engine.openGroup(g, { bootstrap: { voters: [1], learners: [] } }));
  });

  afterEach(async () => {
    await engine.close();
    tmp.cleanup();
  });

  it('writes everything staged in one turn, across groups, with one synced write', async () => {
    const gate = gateWrites(engine);
    for (const g of groups) {
      g.append([entry(1), entry(2)]);
      g.setHardState({ term: 1, vote: 1, commit: 1 });
    }
    const flushes = groups.map(() => engine.flush());
    await Promise.all(flushes);
    expect(gate.calls).toHaveLength(1);
    // 2 entries x (data + index) + 1 term start + hard state, per group
    expect(gate.calls[0]).toEqual({ ops: 8 * 6, options: { sync: true } });
    expect(engine.stats().writes).toBeGreaterThanOrEqual(1);
  });

  it('keeps one write in flight and accumulates the next turns into one batch', async () => {
    const gate = gateWrites(engine);
    gate.hold();
    groups[0]!.append([entry(1)]);
    const first = engine.flush();
    await nextTurn();
    await nextTurn();
    expect(gate.calls).toHaveLength(1); // in flight, held
    let done = false;
    void first.then(() => (done = true));
    for (let turn = 0; turn < 5; turn++) {
      groups[turn + 1]!.append([entry(1)]);
      await nextTurn();
    }
    const second = engine.flush();
    expect(gate.calls).toHaveLength(1); // nothing else started while one is in flight
    expect(done).toBe(false);
    gate.release();
    await first;
    await second;
    expect(gate.calls.map((c) => c.ops)).toEqual([2 + 1, 5 * 3]);
  });

  it('flush() with nothing staged resolves at once; flush() covers only what was staged before it', async () => {
    const before = engine.stats().writes;
    await engine.flush();
    expect(engine.stats().writes).toBe(before);
    const gate = gateWrites(engine);
    gate.hold();
    groups[0]!.append([entry(1)]);
    const a = engine.flush();
    await nextTurn();
    groups[1]!.append([entry(1)]);
    const b = engine.flush();
    let aDone = false;
    let bDone = false;
    void a.then(() => (aDone = true));
    void b.then(() => (bDone = true));
    gate.release();
    await a;
    expect(aDone).toBe(true);
    await b;
    expect(bDone).toBe(true);
    expect(gate.calls).toHaveLength(2);
  });

  it('backpressure: writable() waits while the pending batch is over pendingBytesMax', async () => {
    const gate = gateWrites(engine);
    gate.hold();
    groups[0]!.append([entry(1)]);
    await nextTurn(); // first write in flight (held)
    for (let i = 1; i <= 10; i++) groups[1]!.append([entry(i, 10_000)]);
    let writable = false;
    void engine.writable().then(() => (writable = true));
    await nextTurn();
    expect(writable).toBe(false);
    gate.release();
    await engine.flush();
    expect(writable).toBe(true);
  });

  it('passes sync: false when fsync is off (unsafe mode)', async () => {
    const t = tempDir('gc-nosync');
    const e = await LevelDbEngine.open({ dir: t.dir, fsync: false });
    try {
      const gate = gateWrites(e);
      const g = await e.openGroup(1);
      g.append([entry(1)]);
      await e.flush();
      expect(gate.calls.length).toBeGreaterThanOrEqual(2); // group creation, then the append
      for (const c of gate.calls) expect(c.options).toEqual({ sync: false });
    } finally {
      await e.close();
      t.cleanup();
    }
  });

  it('a failed write fails that flush and every later one', async () => {
    const db = engine.rawDb();
    const original = db.batch.bind(db);
    (db as unknown as { batch: () => unknown }).batch = () => {
      const b = original();
      (b as unknown as { write: () => Promise<void> }).write = () => Promise.reject(new Error('disk on fire'));
      return b;
    };
    groups[0]!.append([entry(1)]);
    await expect(engine.flush()).rejects.toThrow('disk on fire');
    await expect(engine.flush()).rejects.toThrow('disk on fire');
    expect(() => groups[1]!.append([entry(1)])).toThrow('disk on fire');
    (db as unknown as { batch: unknown }).batch = original;
    // close() must still release LevelDB
    await expect(engine.close()).rejects.toThrow('disk on fire');
    engine = await LevelDbEngine.open({ dir: tmp.dir, fsync: true });
  });

  it('checks the hard state against the log before writing', async () => {
    groups[0]!.append([entry(1)]);
    groups[0]!.setHardState({ term: 1, vote: 0, commit: 5 }); // commit beyond last index
    await expect(engine.flush()).rejects.toThrow(/commit 5 beyond last index 1/);
    await engine.close().catch(() => {});
    engine = await LevelDbEngine.open({ dir: tmp.dir, fsync: true });
  });
});
