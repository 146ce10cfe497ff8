export { GrpcTransport } from './grpc-transport.js';
export { type GrpcTransportOptions, TRANSPORT_DEFAULTS } from './transport-options.js';
export { type PeerStats } from './peer-link.js';
export { decodeFrame, encodeFrame, FRAME_VERSION } from './frame-codec.js';
export { FrameDecodeError } from './frame-error.js';
export { PEER_STREAM_PATH } from './peer-service.js';
export { PEER_PROTOCOL_VERSION } from './handshake.js';
