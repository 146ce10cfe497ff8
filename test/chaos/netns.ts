/**
 * Network partitions between real node processes with Linux network namespaces: one namespace per
 * node, each with a veth link to a bridge in the run's own (private) namespace, node N at
 * 10.77.0.N/24 and the chaos driver itself at 10.77.0.254 on the bridge. A partition adds
 * `blackhole` routes to the cut-off peers inside the node namespaces; healing deletes them. The
 * driver's clients always reach every node (clients are never partitioned).
 *
 * This must run inside a private network and mount namespace (scripts/chaos.ts re-executes itself
 * under `unshare --net --mount` and mounts a tmpfs on /run/netns): everything created here lives
 * and dies with that namespace, and no address or namespace of the host is touched.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export const subnetPrefix = '10.77.0';
export const driverAddress = `${subnetPrefix}.254`;
const ipCallTimeoutMs = 5_000;

/** Runs `ip ...`; throws with its stderr on failure. */
function ip(...args: string[]): void {
  execFileSync('ip', args, { timeout: ipCallTimeoutMs, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Whether this process can create network namespaces here (root, iproute2, and a private netns). */
export function netnsAvailable(): string | undefined {
  // Everything a run does, once, in a throwaway namespace: a tmpfs for /run/netns, a named
  // namespace, a bridge and a veth pair (a container may allow some of these and not others).
  const probe = 'mkdir -p /run/netns && mount -t tmpfs -o size=1m probe /run/netns && ip netns add rnlprobe && ip link add rnlprobebr type bridge && ip link add rnlprobe0 type veth peer name rnlprobe1 && ip link set rnlprobe1 netns rnlprobe';
  const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', probe], { timeout: ipCallTimeoutMs, encoding: 'utf8' });
  if (r.error) return `unshare/ip not usable: ${r.error.message}`;
  return r.status === 0 ? undefined : `a private network namespace with a bridge and veth links could not be set up (status ${r.status}): ${r.stderr.trim()}`;
}

export class NetnsNetwork {
  /** Node pairs "a-b" (a < b) that cannot talk. */
  private readonly cut = new Set<string>();
  private created = false;

  constructor(
    readonly nodeIds: readonly number[],
    private readonly prefix = 'rnl',
  ) {}

  nsName(nodeId: number): string {
    return `${this.prefix}n${nodeId}`;
  }

  addressOf(nodeId: number): string {
    return `${subnetPrefix}.${nodeId}`;
  }

  /** Creates the bridge, one namespace per node and their links. */
  setUp(): void {
    this.created = true;
    const bridge = `${this.prefix}br`;
    ip('link', 'set', 'lo', 'up');
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${driverAddress}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (const id of this.nodeIds) this.addNode(id, bridge);
  }

  private addNode(id: number, bridge: string): void {
    const ns = this.nsName(id);
    const host = `${this.prefix}v${id}`;
    const inside = `${this.prefix}e${id}`;
    ip('netns', 'add', ns);
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', inside);
    ip('link', 'set', inside, 'netns', ns);
    ip('link', 'set', host, 'master', bridge);
    ip('link', 'set', host, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', `${this.addressOf(id)}/24`, 'dev', inside);
    ip('-n', ns, 'link', 'set', inside, 'up');
  }

  /** Removes everything setUp created (best effort: the private namespace goes away anyway). */
  tearDown(): void {
    if (!this.created) return;
    this.created = false;
    for (const id of this.nodeIds) spawnSync('ip', ['netns', 'del', this.nsName(id)], { timeout: ipCallTimeoutMs });
    spawnSync('ip', ['link', 'del', `${this.prefix}br`], { timeout: ipCallTimeoutMs });
  }

  /** Cuts every link between a node of `a` and a node of `b` (both directions). */
  cutBetween(a: readonly number[], b: readonly number[]): void {
    for (const x of a) for (const y of b) if (x !== y) this.cutPair(x, y);
  }

  /** Every node pair that is cut, as "a-b". */
  cutPairs(): string[] {
    return [...this.cut].sort();
  }

  private cutPair(x: number, y: number): void {
    const key = `${Math.min(x, y)}-${Math.max(x, y)}`;
    if (this.cut.has(key)) return;
    this.cut.add(key);
    ip('-n', this.nsName(x), 'route', 'add', 'blackhole', `${this.addressOf(y)}/32`);
    ip('-n', this.nsName(y), 'route', 'add', 'blackhole', `${this.addressOf(x)}/32`);
  }

  /** Restores every link. */
  healAll(): void {
    for (const key of this.cut) {
      const [x, y] = key.split('-').map(Number) as [number, number];
      ip('-n', this.nsName(x), 'route', 'del', 'blackhole', `${this.addressOf(y)}/32`);
      ip('-n', this.nsName(y), 'route', 'del', 'blackhole', `${this.addressOf(x)}/32`);
    }
    this.cut.clear();
  }
}
