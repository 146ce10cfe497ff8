import { COMMANDS } from './commands.js';
import { parseFile, renderFile, type TestCase } from './datadriven.js';
import { InteractionEnv } from './env.js';

export interface CaseResult {
  readonly tc: TestCase;
  readonly actual: string;
}

export interface ScriptResult {
  readonly cases: readonly CaseResult[];
  /** The script with every expected output replaced by the actual one (for REWRITE=1). */
  readonly rewritten: string;
}

/** Run every command of a script against one fresh environment. */
export function runScript(text: string): ScriptResult {
  const chunks = parseFile(text);
  const env = new InteractionEnv();
  const cases: CaseResult[] = [];
  for (const c of chunks) {
    if (c.kind !== 'case') continue;
    cases.push({ tc: c.tc, actual: runCase(env, c.tc) });
  }
  return { cases, rewritten: renderFile(chunks, cases.map((c) => c.actual)) };
}

function runCase(env: InteractionEnv, tc: TestCase): string {
  const handler = COMMANDS[tc.cmd];
  try {
    if (!handler) throw new Error(`unknown command '${tc.cmd}'`);
    handler(env, tc.args);
  } catch (e) {
    // Script errors and exceptions from the core (an assertion, say) become part of the output,
    // so a golden file can never pass over them silently.
    env.out.error(e instanceof Error ? `error: ${e.name}: ${e.message}` : `error: ${String(e)}`);
  }
  const out = env.out.take();
  if (out.split('\n').some((l) => l.trim() === '')) {
    throw new Error(`line ${tc.line}: output of '${tc.source}' contains a blank line, which the format cannot hold`);
  }
  return out;
}
