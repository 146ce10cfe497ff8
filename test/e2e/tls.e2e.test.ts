/**
 * TLS end to end (issue #8): certificates from deploy/gen-certs.sh, three real node processes with
 * CLIENT:SSL,PEER:SSL and ssl.client.auth=required. The nodes must form a cluster over mutual TLS,
 * the CLI with --ssl-ca/--ssl-cert/--ssl-key must create a topic, produce and consume, and every
 * client without the right certificates must be refused with a one-line error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { expectOneLineError, run, type Run } from '../cli/cli-harness.js';
import { Cluster } from './harness/cluster.js';
import { pollUntil } from './harness/deadline.js';
import { addressOf } from './harness/health.js';
import { cliMainPath, repoRoot } from './harness/dist.js';

const work = mkdtempSync(join(tmpdir(), 'runnel-tls-'));
const lines = 100;
let cluster: Cluster | undefined;
let failed = false;

afterAll(async () => {
  await cluster?.destroy(failed);
  if (failed) console.log(`e2e: TLS files and cluster kept in ${work} and ${cluster?.root}`);
  else rmSync(work, { recursive: true, force: true });
});

async function genCerts(dir: string): Promise<void> {
  const r = await run('bash', [join(repoRoot, 'deploy', 'gen-certs.sh'), '--out', dir, 'node=127.0.0.1,localhost'], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
}

function cli(args: readonly string[], stdin = ''): Promise<Run> {
  return run(process.execPath, [cliMainPath, ...args], { stdin, timeoutMs: 30_000 });
}

describe('TLS on both listeners, client certificates required', () => {
  it('forms a cluster over mutual TLS, serves the CLI with certificates, refuses it without', async () => {
    onTestFailed(() => {
      failed = true;
    });
    const tls = join(work, 'tls');
    const rogue = join(work, 'rogue');
    await genCerts(tls);
    await genCerts(rogue);
    const c = (cluster = await Cluster.start({
      size: 3,
      hostMode: 'ports',
      config: {
        'listener.security.protocol.map': 'CLIENT:SSL,PEER:SSL',
        'ssl.ca.location': join(tls, 'ca.crt'),
        'ssl.certificate.location': join(tls, 'node.crt'),
        'ssl.key.location': join(tls, 'node.key'),
        'ssl.client.auth': 'required',
      },
    }));
    const servers = c.clientAddresses().map(addressOf).join(',');
    const withCerts = (dir: string) => ['--ssl-ca', join(dir, 'ca.crt'), '--ssl-cert', join(dir, 'client.crt'), '--ssl-key', join(dir, 'client.key')];
    const good = withCerts(tls);

    // The nodes elect a controller and register with it only if PEER and CLIENT TLS both work.
    await pollUntil({ timeoutMs: 45_000, intervalMs: 500, what: 'a controller and three nodes over TLS' }, async () => {
      const r = await cli(['describe-cluster', '--bootstrap-server', servers, ...good]);
      return r.code === 0 && /^Controller: [1-3]$/m.test(r.stdout) && r.stdout.split('\n').filter((l) => /^[1-3] /.test(l)).length === 3 ? true : undefined;
    });

    const create = await cli(['topics', '--create', '--bootstrap-server', servers, '--topic', 'secure', '--partitions', '3', '--replication-factor', '3', ...good]);
    expect(create.code, create.stderr).toBe(0);
    const input = Array.from({ length: lines }, (_, i) => `secret-${i}`);
    const produce = await cli(['console-producer', '--bootstrap-server', servers, '--topic', 'secure', ...good], input.join('\n') + '\n');
    expect(produce.code, produce.stderr).toBe(0);
    const consume = await cli(['console-consumer', '--bootstrap-server', servers, '--topic', 'secure', '--from-beginning', '--max-messages', String(lines), '--timeout-ms', '20000', ...good]);
    expect(consume.code, consume.stderr).toBe(0);
    expect(consume.stdout.trim().split('\n').sort()).toEqual([...input].sort());

    const list = ['topics', '--list', '--bootstrap-server', servers];
    expectOneLineError(await cli(list)); // plaintext to a TLS listener
    const noClientCert = await cli([...list, '--ssl-ca', join(tls, 'ca.crt')]);
    expectOneLineError(noClientCert);
    const rogueClient = await cli([...list, '--ssl-ca', join(tls, 'ca.crt'), '--ssl-cert', join(rogue, 'client.crt'), '--ssl-key', join(rogue, 'client.key')]);
    expectOneLineError(rogueClient);
    const rogueCa = await cli([...list, ...withCerts(rogue)]);
    expectOneLineError(rogueCa);
    expect(rogueCa.stderr).toMatch(/TLS/);
    expectOneLineError(await cli([...list, '--ssl-cert', join(tls, 'client.crt'), '--ssl-key', join(tls, 'client.key')]));
  }, 150_000);
});
