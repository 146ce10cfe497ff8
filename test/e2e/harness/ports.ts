/**
 * Ports for a test cluster. Fixed ports collide with a developer's running cluster or a parallel
 * run, so each run picks a random base and checks that every port it needs can be bound before
 * using it (another process may still take one between the check and the node's bind; the node
 * then fails to start with a clear error, and the harness shows its log).
 *
 * The ports come from below the kernel's ephemeral range: the source port of any outgoing
 * connection (a node dialling its peers, the test's own clients) is drawn from that range, and one
 * did take a port chosen there before the node that was to listen on it had started.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const basePortMin = 20_000;
/** Linux's default ephemeral range starts at 32768 (macOS's at 49152). */
const ephemeralLowDefault = 32_768;
const pickAttemptsMax = 50;

/** The lowest ephemeral port (Linux: /proc/sys/net/ipv4/ip_local_port_range). */
function ephemeralLow(): number {
  const path = '/proc/sys/net/ipv4/ip_local_port_range';
  if (!existsSync(path)) return ephemeralLowDefault;
  const low = Number(readFileSync(path, 'utf8').trim().split(/\s+/)[0]);
  return Number.isInteger(low) && low > 1024 ? low : ephemeralLowDefault;
}

/** Whether `port` on `host` can be bound right now (it is free). */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** `count` consecutive ports free on every host, starting at a random base. */
export async function pickFreePorts(hosts: readonly string[], count: number): Promise<number[]> {
  // Should the ephemeral range start below basePortMin, still leave 1,000 bases to choose from.
  const basePortMax = Math.max(basePortMin + 1_000, ephemeralLow()) - count;
  for (let attempt = 0; attempt < pickAttemptsMax; attempt++) {
    const base = basePortMin + Math.floor(Math.random() * (basePortMax - basePortMin));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    let free = true;
    for (const host of hosts) {
      for (const port of ports) {
        if (!(await canBind(host, port))) {
          free = false;
          break;
        }
      }
      if (!free) break;
    }
    if (free) return ports;
  }
  throw new Error(`no ${count} consecutive free ports on ${hosts.join(', ')} after ${pickAttemptsMax} attempts`);
}
