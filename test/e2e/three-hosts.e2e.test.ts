/**
 * Issue #8's three-host test: scripts/three-hosts-test.sh installs Runnel three times with
 * deploy/install.sh, starts each node with the systemd unit's exact ExecStart line on its own
 * "host", runs the seed's walkthrough, cuts one host off and back, and compares the three disks.
 * As root it uses three network namespaces (a link really goes down); elsewhere it falls back to
 * 127.0.0.1/2/3 with a paused node as the cut-off host (see the script's header).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../cli/cli-harness.js';
import { netnsAvailable } from '../chaos/netns.js';
import { repoRoot } from './harness/dist.js';

const runTimeoutMs = 360_000;

describe('deploy/ on three hosts', () => {
  it('installs, starts from the unit, survives one host cut off, and ends with identical disks', async () => {
    const args = [join(repoRoot, 'scripts', 'three-hosts-test.sh'), ...(netnsAvailable() === undefined ? [] : ['--loopback'])];
    const r = await run('bash', args, { timeoutMs: runTimeoutMs });
    console.log(r.stdout.split('\n').filter((l) => l.startsWith('three-hosts:')).join('\n'));
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/three-hosts: PASSED/);
  }, runTimeoutMs + 30_000);
});
