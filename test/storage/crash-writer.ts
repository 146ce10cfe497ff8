/**
 * The crash test's writer: opens the store (recovering whatever a previous SIGKILL left), then runs
 * one loop per group under load: stage an operation, await the engine's flush(), print the ack. An
 * ack line is printed ONLY after the flush covering that operation resolved.
 *
 *   node --import tsx test/storage/crash-writer.ts <dir> <seed>
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRng, type GroupId } from '../../src/core/index.js';
import { LevelDbEngine, type LevelDbGroupStore } from '../../src/storage/index.js';
import { CRASH_GROUPS, groupOptions, snapshotOf, spec, toEntry, type EntrySpec, type Line, type Op, type WalMark } from './crash-workload.js';

const [dir, seedArg] = process.argv.slice(2);
if (!dir || !seedArg) throw new Error('usage: crash-writer.ts <dir> <seed>');
const seed = Number(seedArg);

function emit(line: Line): void {
  process.stdout.write(`${JSON.stringify(line)}\n`); // synchronous for pipes on Linux
}

/** The newest LevelDB write-ahead log (NNNNNN.log) and its size. */
export function newestWal(d: string): WalMark {
  const logs = readdirSync(d).filter((f) => /^\d+\.log$/.test(f));
  logs.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  const name = logs[logs.length - 1]!;
  return { name, size: statSync(join(d, name)).size };
}

async function chooseOp(g: GroupId, s: LevelDbGroupStore, rng: SeededRng, clock: { t: number }): Promise<Op> {
  const hs = s.getHardState();
  const first = s.firstIndex();
  const last = s.lastIndex();
  const snapIndex = s.snapshot().meta.index;
  const lastTerm = s.term(last);
  const r = rng.next();
  const canCompact = hs.commit > snapIndex;
  if ((last - first > 300 || (r >= 0.8 && r < 0.96)) && canCompact) {
    const si = rng.int(Math.max(snapIndex + 1, hs.commit - 40), hs.commit + 1);
    return { t: 'compact', s: si, sTerm: s.term(si), ci: Math.max(first - 1, si - rng.int(0, 6)) };
  }
  if (r < 0.55) return appendOp(g, s, rng, clock);
  if (r >= 0.96) {
    const si = Math.max(hs.commit, snapIndex) + 1 + rng.int(0, 20);
    const sTerm = Math.max(lastTerm, hs.term) + 1;
    return { t: 'snapshot', s: si, sTerm, endOffset: s.logEndOffset() + rng.int(0, 1000), hs: { term: sTerm, vote: 0, commit: si } };
  }
  const term = Math.max(hs.term, lastTerm) + (rng.chance(0.05) ? 1 : 0);
  const vote = term > hs.term || hs.vote === 0 ? rng.int(0, 4) : hs.vote;
  return { t: 'hs', hs: { term, vote, commit: rng.int(hs.commit, last + 1) } };
}

async function appendOp(g: GroupId, s: LevelDbGroupStore, rng: SeededRng, clock: { t: number }): Promise<Op> {
  const hs = s.getHardState();
  const last = s.lastIndex();
  let k = last + 1;
  let term = Math.max(s.term(last), hs.term);
  if (last > hs.commit && last >= s.firstIndex() && rng.chance(0.15)) {
    k = rng.int(Math.max(hs.commit + 1, s.firstIndex() + 1), last + 1); // replace an uncommitted suffix
    term += 1;
  }
  // End offset through k - 1 (for an empty log, the log start's).
  let end = k - 1 >= s.firstIndex() ? (await s.locate(k - 1))!.endOffset : s.logEndOffset();
  const entries: EntrySpec[] = [];
  const n = rng.int(1, 9);
  for (let j = 0; j < n; j++) {
    const kind = rng.chance(0.05) ? 'm' : rng.chance(0.08) ? 'c' : 'b';
    const len = kind === 'c' ? 0 : kind === 'm' ? 24 : rng.chance(0.05) ? rng.int(20_000, 120_000) : rng.int(0, 2000);
    if (kind === 'b' && g !== 0) {
      const count = rng.int(1, 50);
      clock.t += rng.int(0, 3);
      entries.push(spec(g, { i: k + j, t: term, k: kind, len, base: end, count, time: clock.t }));
      end += count;
    } else {
      entries.push(spec(g, { i: k + j, t: term, k: kind, len }));
    }
  }
  const newLast = k + n - 1;
  if (!rng.chance(0.3)) return { t: 'append', entries };
  const vote = term > hs.term || hs.vote === 0 ? rng.int(0, 4) : hs.vote;
  return { t: 'append', entries, hs: { term: Math.max(hs.term, term), vote, commit: rng.int(hs.commit, newLast + 1) } };
}

function stage(g: GroupId, s: LevelDbGroupStore, op: Op): void {
  switch (op.t) {
    case 'append':
      s.append(op.entries.map((e) => toEntry(g, e)));
      if (op.hs) s.setHardState(op.hs);
      return;
    case 'hs':
      s.setHardState(op.hs);
      return;
    case 'compact':
      s.compact(snapshotOf(op), op.ci);
      return;
    case 'snapshot':
      s.applySnapshot(snapshotOf(op));
      s.setHardState(op.hs);
      return;
  }
}

async function run(engine: LevelDbEngine, g: GroupId, s: LevelDbGroupStore): Promise<never> {
  const rng = new SeededRng((seed * 31 + g) >>> 0);
  const clock = { t: s.last()?.appendTimeMs ?? 0 };
  for (let n = 0; ; n++) {
    const op = await chooseOp(g, s, rng, clock);
    emit({ t: 'intent', g, n, op });
    stage(g, s, op);
    await engine.flush();
    emit({ t: 'ack', g, n, wal: newestWal(dir!) });
    if (rng.chance(0.3)) await new Promise((resolve) => setImmediate(resolve));
  }
}

const engine = await LevelDbEngine.open({ dir, fsync: true, tailCacheBytesMax: 256 * 1024, leveldb: { writeBufferBytes: 1024 * 1024 } });
const stores = await Promise.all(CRASH_GROUPS.map((g) => engine.openGroup(g, groupOptions(g))));
emit({ t: 'ready' });
await Promise.all(CRASH_GROUPS.map((g, k) => run(engine, g, stores[k]!)));
