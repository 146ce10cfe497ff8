/**
 * Mutation check: copy the repo, break one Raft safety rule on purpose, run the simulator over the
 * CI seed budget and, separately, the scenario and unit tests of the core, and report which of them
 * FAIL (as they must). Exits non-zero if a mutant survives both.
 *
 *   npm run mutants                       # every mutant, 1,000 seeds each
 *   npm run mutants -- --seeds 300 double-vote figure-8-commit-by-count
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

interface Edit {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

interface Mutant {
  readonly name: string;
  readonly breaks: string;
  readonly edits: readonly Edit[];
}

const MUTANTS: readonly Mutant[] = [
  {
    name: 'double-vote',
    breaks: 'a node grants its vote to a second candidate in the same term',
    edits: [{ file: 'src/raft/raft.ts', from: 'this.vote === m.from ||', to: 'true ||' }],
  },
  {
    name: 'count-vote-twice',
    breaks: 'a candidate counts every granted answer, so a duplicated message counts twice',
    edits: [
      {
        file: 'src/raft/raft.ts',
        from: 'if (!this.votes.has(m.from)) this.votes.set(m.from, !m.reject);',
        to: 'this.votes.set(this.votes.size * 1000 + m.from, !m.reject);',
      },
      {
        file: 'src/raft/quorum.ts',
        from: 'for (const id of voters) {\n    const v = votes.get(id);',
        to: 'for (const v of votes.values()) {',
      },
    ],
  },
  {
    name: 'figure-8-commit-by-count',
    breaks: 'a leader commits an entry of an earlier term because a majority holds it (Raft §5.4.2)',
    edits: [{ file: 'src/raft/raft-log.ts', from: 'this.termOrUndefined(maxIndex) === term', to: 'this.termOrUndefined(maxIndex) !== undefined' }],
  },
  {
    name: 'vote-for-stale-log',
    breaks: 'a node votes for a candidate whose log is behind its own (Raft §5.4.1)',
    edits: [{ file: 'src/raft/raft-log.ts', from: 'return term > myTerm || (term === myTerm && lastIndex >= this.lastIndex());', to: 'return term >= 0 || myTerm < 0;' }],
  },
  {
    name: 'minority-commit',
    breaks: 'the commit quorum is a minority (n/2 rounded down)',
    edits: [{ file: 'src/raft/quorum.ts', from: 'return Math.floor(voterCount / 2) + 1;', to: 'return Math.max(1, Math.floor(voterCount / 2));' }],
  },
  {
    name: 'follower-commits-unmatched',
    breaks: "a follower takes the leader's commit index beyond what it verified matches the leader",
    edits: [{ file: 'src/raft/raft-log.ts', from: 'this.commitTo(Math.min(committed, lastNew));', to: 'this.commitTo(Math.min(committed, this.lastIndex()));' }],
  },
  {
    name: 'two-pending-conf-changes',
    breaks: 'a leader appends a membership change while another is uncommitted',
    edits: [{ file: 'src/raft/raft.ts', from: 'if (this.membership.lastChangeIndex() > this.log.committed) {', to: 'if (false) {' }],
  },
  {
    name: 'leader-counts-unpersisted',
    breaks: 'a leader counts its own entries towards commit when it appends them, though its appends leave before its own write',
    edits: [
      {
        file: 'src/raft/raft.ts',
        from: '    // Not counted as matched here: see persisted().\n',
        to: '    this.progress.get(this.id)?.maybeUpdate(last);\n    this.maybeCommit();\n',
      },
    ],
  },
];

function parseArgs(argv: readonly string[]): { seeds: number; only: Set<string> } {
  let seeds = 1000;
  const only = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seeds') seeds = Number(argv[++i]);
    else only.add(argv[i]!);
  }
  return { seeds, only };
}

function applyEdits(dir: string, edits: readonly Edit[]): void {
  for (const e of edits) {
    const path = join(dir, e.file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes(e.from)) throw new Error(`mutant no longer applies: ${e.file} lacks ${JSON.stringify(e.from)}`);
    writeFileSync(path, text.replace(e.from, e.to));
  }
}

interface Verdict {
  readonly caught: boolean;
  readonly line: string;
  readonly seconds: number;
}

function run(dir: string, args: readonly string[], pattern: RegExp): Verdict {
  const started = Date.now();
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 10 * 60_000, env });
  const out = `${r.stdout}\n${r.stderr}`;
  const line = out.split('\n').find((l) => pattern.test(l))?.trim() ?? out.trim().split('\n').pop() ?? '';
  return { caught: r.status !== 0, line, seconds: (Date.now() - started) / 1000 };
}

/** Runs the simulator and, separately, the scenario and unit tests of the core against one mutant. */
function runMutant(root: string, m: Mutant, seeds: number): { sim: Verdict; tests: Verdict } {
  const dir = mkdtempSync(join(tmpdir(), `runnel-mutant-${m.name}-`));
  try {
    for (const part of ['src', 'test', 'package.json', 'tsconfig.json', 'vitest.config.ts']) {
      cpSync(join(root, part), join(dir, part), { recursive: true });
    }
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    applyEdits(dir, m.edits);
    const sim = run(dir, ['--import', 'tsx', 'test/sim/main.ts', '--seeds', String(seeds)], /violat|FAILURE|Error/);
    const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
    const tests = run(dir, [vitest, 'run', 'test/raft'], /FAIL|Tests /);
    return { sim, tests };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const root = resolve(import.meta.dirname, '..');
  const { seeds, only } = parseArgs(process.argv.slice(2));
  const chosen = MUTANTS.filter((m) => only.size === 0 || only.has(m.name));
  let missedBySim = 0;
  let survivors = 0;
  for (const m of chosen) {
    const { sim, tests } = runMutant(root, m, seeds);
    if (!sim.caught) missedBySim++;
    if (!sim.caught && !tests.caught) survivors++;
    const mark = (v: Verdict): string => (v.caught ? 'caught' : 'MISSED');
    process.stdout.write(
      `${m.name.padEnd(28)} sim: ${mark(sim)} (${sim.seconds.toFixed(1)}s)  scenario+unit tests: ${mark(tests)}\n` +
        `    breaks: ${m.breaks}\n    sim: ${sim.line.slice(0, 160)}\n    tests: ${tests.line.slice(0, 160)}\n`,
    );
  }
  process.stdout.write(
    `${chosen.length - missedBySim} of ${chosen.length} mutants caught by the simulator (${seeds} seeds each); ` +
      `${chosen.length - survivors} of ${chosen.length} caught by the simulator or the scenario/unit tests\n`,
  );
  process.exitCode = survivors === 0 ? 0 : 1;
}

main();
