import type * as grpc from '@grpc/grpc-js';
import type { Broker } from '../broker/index.js';
import { adminHandlers, metadataHandlers } from './admin-service.js';
import { controllerHandlers, controllerServiceDefinition } from './controller-service.js';
import { fetchHandlers } from './fetch-service.js';
import { groupHandlers } from './group-service.js';
import { healthHandlers } from './health-service.js';
import { produceHandlers } from './produce-service.js';
import { loadGrpcObject } from './proto.js';

/**
 * Every service of the CLIENT listener on `server`: the public API (proto/runnel/v1), the standard
 * health service and the internal node heartbeat. The server itself (and its message size limits,
 * runnel.request.max.bytes) is built by src/cli; see clientServerOptions.
 */
export function addClientServices(server: grpc.Server, broker: Broker): void {
  const { runnel, grpc: g } = loadGrpcObject();
  server.addService(runnel.v1.ProduceService.service, produceHandlers(broker));
  server.addService(runnel.v1.FetchService.service, fetchHandlers(broker));
  server.addService(runnel.v1.MetadataService.service, metadataHandlers(broker));
  server.addService(runnel.v1.AdminService.service, adminHandlers(broker));
  server.addService(runnel.v1.GroupService.service, groupHandlers(broker));
  server.addService(g.health.v1.Health.service, healthHandlers(broker));
  server.addService(controllerServiceDefinition, controllerHandlers(broker));
}

/** Server options of the CLIENT listener, every one explicit. */
export function clientServerOptions(requestMaxBytes: number): grpc.ServerOptions {
  return {
    'grpc.max_receive_message_length': requestMaxBytes,
    'grpc.max_send_message_length': requestMaxBytes,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.enable_channelz': 0,
  };
}
