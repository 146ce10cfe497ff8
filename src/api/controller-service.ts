/**
 * The internal node -> metadata-leader call (KRaft's broker heartbeat/registration), served on the
 * CLIENT listener next to the public API but not part of it: one unary method with a JSON body
 * (passthrough serializers, no .proto), `/runnel.internal.v1.Controller/Heartbeat`.
 */
import * as grpc from '@grpc/grpc-js';
import type { Broker, ControllerClient, NodeHeartbeatRequest } from '../broker/index.js';
import { fromServiceError, toServiceError } from './errors.js';

export const CONTROLLER_HEARTBEAT_PATH = '/runnel.internal.v1.Controller/Heartbeat';

const json = {
  serialize: (v: unknown): Buffer => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer): unknown => JSON.parse(b.toString('utf8')) as unknown,
};

export const controllerServiceDefinition: grpc.ServiceDefinition = {
  Heartbeat: {
    path: CONTROLLER_HEARTBEAT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};

function isHeartbeat(v: unknown): v is NodeHeartbeatRequest {
  const r = v as Partial<NodeHeartbeatRequest> | null;
  return (
    typeof r === 'object' && r !== null && Number.isInteger(r.nodeId) && typeof r.incarnationId === 'string' &&
    typeof r.clientAddress === 'string' && typeof r.peerAddress === 'string' && Array.isArray(r.leaderReports) &&
    (r.completedReassignments === undefined || Array.isArray(r.completedReassignments)) &&
    (r.autoCreateTopics === undefined || (Array.isArray(r.autoCreateTopics) && r.autoCreateTopics.every((n) => typeof n === 'string')))
  );
}

export function controllerHandlers(broker: Broker): grpc.UntypedServiceImplementation {
  return {
    Heartbeat(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      if (!isHeartbeat(call.request)) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: 'malformed node heartbeat' });
        return;
      }
      broker.handleNodeHeartbeat(call.request).then(
        () => callback(null, {}),
        (err: unknown) => callback(toServiceError(err)),
      );
    },
  };
}

/** One channel per metadata leader address, reused. */
export class GrpcControllerClient implements ControllerClient {
  private readonly clients = new Map<string, grpc.Client>();

  /** `credentials`: how this node dials other nodes' CLIENT listeners (TLS when CLIENT is SSL). */
  constructor(private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()) {}

  heartbeat(address: string, request: NodeHeartbeatRequest, timeoutMs: number): Promise<void> {
    const client = this.client(address);
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        CONTROLLER_HEARTBEAT_PATH,
        json.serialize,
        json.deserialize,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err) => (err ? reject(fromServiceError(err)) : resolve()),
      );
    });
  }

  private client(address: string): grpc.Client {
    let c = this.clients.get(address);
    if (!c) {
      c = new grpc.Client(address, this.credentials, { 'grpc.use_local_subchannel_pool': 1 });
      this.clients.set(address, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
