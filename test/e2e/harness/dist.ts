/**
 * The e2e tests run the compiled node (dist/cli/main.js), so dist/ must be built from the current
 * src/. Freshness is by modification time: dist/cli/main.js must be newer than every file under src/
 * and proto/ and the build's own config (tsc rewrites every output on each build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/e2e/harness/dist.ts). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const cliMainPath = join(repoRoot, 'dist', 'cli', 'main.js');

const buildTimeoutMs = 300_000;
const buildOutputCharsMax = 20_000;

function newestMtimeMs(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, name)));
  return newest;
}

/** Why dist/ is stale, or undefined when it is fresh. */
export function distStaleness(): string | undefined {
  if (!existsSync(cliMainPath)) return `${cliMainPath} does not exist`;
  const builtMs = statSync(cliMainPath).mtimeMs;
  const inputs = ['src', 'proto', 'tsconfig.json', 'tsconfig.build.json', 'package.json'].map((p) => join(repoRoot, p));
  const newest = Math.max(...inputs.filter((p) => existsSync(p)).map(newestMtimeMs));
  return newest > builtMs ? 'src/ or proto/ changed after the last build' : undefined;
}

/** Builds dist/ (npm run build) if it is stale; returns an error description, or undefined on success. */
export function ensureDistBuilt(): string | undefined {
  const why = distStaleness();
  if (why === undefined) return undefined;
  const r = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8', timeout: buildTimeoutMs });
  // A file edited during the build makes dist/ look stale again; the build itself succeeded.
  if (r.status === 0) return undefined;
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-buildOutputCharsMax);
  return `dist/ was stale (${why}) and \`npm run build\` failed (status ${r.status ?? r.signal ?? r.error?.message}):\n${output}`;
}
