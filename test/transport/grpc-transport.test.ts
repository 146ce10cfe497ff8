import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/core/index.js';
import type { PeerFrame } from '../../src/multiraft/index.js';
import { GrpcTransport, PEER_STREAM_PATH, type GrpcTransportOptions } from '../../src/transport/index.js';
import { helloMetadata } from '../../src/transport/handshake.js';
import { captureLogger, waitFor, type LogLine } from './helpers.js';

const CLUSTER = 'test-cluster';
const open: GrpcTransport[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function start(nodeId: NodeId, host: string, extra: Partial<GrpcTransportOptions> = {}): Promise<GrpcTransport> {
  const t = await GrpcTransport.start({ nodeId, clusterId: CLUSTER, listenAddress: `${host}:0`, reconnectBaseMs: 20, reconnectMaxMs: 200, ...extra });
  open.push(t);
  return t;
}

function heartbeat(groupId: number, term = 1): PeerFrame {
  return { kind: 'heartbeat', heartbeat: { groups: [{ groupId, term, commit: 0 }] } };
}

/** Frames received, per sender. */
function inbox(t: GrpcTransport): Map<NodeId, PeerFrame[]> {
  const got = new Map<NodeId, PeerFrame[]>();
  t.onFrame((from, f) => got.set(from, [...(got.get(from) ?? []), f]));
  return got;
}

/** Resend until one arrives: frames sent before the stream is up are refused, by design. */
async function deliver(from: GrpcTransport, to: NodeId, got: Map<NodeId, PeerFrame[]>, fromId: NodeId): Promise<void> {
  const before = got.get(fromId)?.length ?? 0;
  await waitFor(() => {
    if ((got.get(fromId)?.length ?? 0) > before) return true;
    from.send(to, heartbeat(99));
    return false;
  }, 5_000, `a frame from ${fromId} to ${to}`);
}

describe('GrpcTransport', () => {
  it('two nodes exchange frames both ways over exactly one stream', async () => {
    const a = await start(1, '127.0.0.1');
    const b = await start(2, '127.0.0.2');
    const gotA = inbox(a);
    const gotB = inbox(b);
    // Both learn each other's address; only the lower id dials.
    a.setPeerAddress(2, b.address);
    b.setPeerAddress(1, a.address);
    await waitFor(() => a.peerStats(2)!.connected && b.peerStats(1)!.connected, 5_000, 'the stream');
    for (let i = 0; i < 50; i++) {
      expect(a.send(2, heartbeat(i))).toBe(true);
      expect(b.send(1, heartbeat(1000 + i))).toBe(true);
    }
    await waitFor(() => gotB.get(1)?.length === 50 && gotA.get(2)?.length === 50, 5_000, '50 frames each way');
    expect(gotB.get(1)!.map((f) => (f.kind === 'heartbeat' ? f.heartbeat.groups[0]!.groupId : -1))).toEqual([...Array(50).keys()]);
    expect(a.peerStats(2)!.streamsOpened).toBe(1);
    expect(b.peerStats(1)!.streamsOpened).toBe(1);
    expect(a.peerStats(2)!.framesSent).toBe(50);
    expect(b.peerStats(1)!.framesReceived).toBe(50);
  });

  it('three nodes on 127.0.0.1/2/3 form one stream per pair', async () => {
    const ts = [await start(1, '127.0.0.1'), await start(2, '127.0.0.2'), await start(3, '127.0.0.3')];
    const got = ts.map(inbox);
    for (const t of ts) ts.forEach((p, k) => t.setPeerAddress(k + 1, p.address));
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) if (i !== j) await deliver(ts[i]!, j + 1, got[j]!, i + 1);
    }
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) if (i !== j) expect(ts[i]!.peerStats(j + 1)!.streamsOpened).toBe(1);
    }
  });

  it('reconnects to a peer that goes away and comes back, reporting it unreachable meanwhile', async () => {
    const a = await start(1, '127.0.0.1');
    let b = await start(2, '127.0.0.2');
    const port = b.port;
    const unreachable: NodeId[] = [];
    a.onUnreachable((p) => unreachable.push(p));
    a.setPeerAddress(2, b.address);
    await deliver(a, 2, inbox(b), 1);

    await b.close();
    await waitFor(() => unreachable.includes(2), 5_000, 'node 2 reported unreachable');
    await waitFor(() => !a.send(2, heartbeat(1)), 5_000, 'sends refused while node 2 is down');

    b = await start(2, '127.0.0.2', { listenAddress: `127.0.0.2:${port}` });
    await deliver(a, 2, inbox(b), 1);
    expect(a.peerStats(2)!.streamsOpened).toBeGreaterThanOrEqual(2);
    expect(b.peerStats(1)!.streamsOpened).toBe(1);
  });

  it('bounds the send queue: frames beyond it are dropped and reported', async () => {
    const a = await start(1, '127.0.0.1', { queueFramesMax: 8, queueBytesMax: 256 * 1024 });
    const b = await start(2, '127.0.0.2');
    const gotB = inbox(b);
    a.setPeerAddress(2, b.address);
    await deliver(a, 2, gotB, 1);
    const big: PeerFrame = { kind: 'heartbeat', heartbeat: { groups: Array.from({ length: 5000 }, (_, i) => ({ groupId: i, term: 1, commit: 1 })) } };
    // One synchronous burst: gRPC takes a few, the queue holds at most 8 more, the rest are refused.
    const droppedBefore = a.peerStats(2)!.framesDropped;
    const results = Array.from({ length: 200 }, () => a.send(2, big));
    const accepted = results.filter(Boolean).length;
    expect(accepted).toBeLessThan(200);
    expect(a.peerStats(2)!.framesDropped - droppedBefore).toBe(200 - accepted);
    expect(a.peerStats(2)!.queuedFrames).toBeLessThanOrEqual(8);
    expect(a.send(7, heartbeat(1))).toBe(false); // unknown peer
    const before = gotB.get(1)!.length;
    await waitFor(() => gotB.get(1)!.length === before + accepted, 10_000, 'every accepted frame delivered');
  });

  it('closes the stream on a malformed frame, logs it, and keeps serving', async () => {
    const lines: LogLine[] = [];
    const b = await start(2, '127.0.0.2', { logger: captureLogger(lines) });
    const client = new grpc.Client(b.address, grpc.credentials.createInsecure());
    try {
      const md = helloMetadata({ clusterId: CLUSTER, nodeId: 1, peerId: 2 });
      const call = client.makeBidiStreamRequest(PEER_STREAM_PATH, (x: Buffer) => x, (x: Buffer) => x, md, {});
      const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      call.on('error', () => {});
      call.write(Buffer.from([1, 2, 0xff, 0xff, 0xff, 0xff]));
      const s = await status;
      expect(s.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(s.details).toMatch(/malformed peer frame/);
      expect(lines.some((l) => l.level === 'error' && /malformed frame from node 1/.test(l.msg))).toBe(true);
    } finally {
      client.close();
    }
    // A well-behaved node 1 still gets through afterwards.
    const a = await start(1, '127.0.0.1');
    a.setPeerAddress(2, b.address);
    await deliver(a, 2, inbox(b), 1);
  });

  it('refuses a peer from another cluster, or one that reached the wrong node, with a clear log line', async () => {
    const lines: LogLine[] = [];
    const b = await start(2, '127.0.0.2', { logger: captureLogger(lines) });
    const c = await start(3, '127.0.0.3', { logger: captureLogger(lines) });
    const stranger = await start(1, '127.0.0.1', { clusterId: 'other-cluster' });
    stranger.setPeerAddress(2, b.address);
    await waitFor(() => lines.some((l) => /refused a stream .*cluster id "other-cluster" differs from ours "test-cluster"/.test(l.msg)), 5_000, 'the refusal');

    const confused = await start(1, '127.0.0.1', { logger: captureLogger(lines) });
    confused.setPeerAddress(2, c.address); // node 3's address given as node 2's
    await waitFor(() => lines.some((l) => /refused a stream .*it wants node 2 but this is node 3/.test(l.msg)), 5_000, 'the misdirected refusal');
    expect(c.peerStats(1)?.framesReceived ?? 0).toBe(0);
  });
});
