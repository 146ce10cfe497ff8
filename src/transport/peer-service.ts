import type * as grpc from '@grpc/grpc-js';

/**
 * The peer service: one bidirectional streaming method. Messages are raw frame bytes (frame-codec.ts)
 * with passthrough (de)serializers: no protobuf on this internal hot path.
 */
export const PEER_STREAM_PATH = '/runnel.peer.v1.Peer/Stream';

const passthrough = (b: Buffer): Buffer => b;

export const peerServiceDefinition = {
  stream: {
    path: PEER_STREAM_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: passthrough,
    requestDeserialize: passthrough,
    responseSerialize: passthrough,
    responseDeserialize: passthrough,
  },
} satisfies grpc.ServiceDefinition;

export { passthrough };
