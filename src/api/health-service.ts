import type * as grpc from '@grpc/grpc-js';
import type { Broker } from '../broker/index.js';
import type { HealthHandlers } from './generated/grpc/health/v1/Health.js';
import type { HealthCheckRequest__Output } from './generated/grpc/health/v1/HealthCheckRequest.js';
import type { HealthCheckResponse } from './generated/grpc/health/v1/HealthCheckResponse.js';

/** Services that report the node's status under their own name; '' is the node as a whole. */
export const healthServiceNames = [
  '',
  'runnel.v1.ProduceService',
  'runnel.v1.FetchService',
  'runnel.v1.MetadataService',
  'runnel.v1.AdminService',
] as const;

/** How often Watch re-checks the node's status (a change is sent at most this late). */
const watchPollMs = 500;

function statusOf(broker: Broker, service: string): HealthCheckResponse['status'] {
  if (!(healthServiceNames as readonly string[]).includes(service)) return 'SERVICE_UNKNOWN';
  return broker.joined() ? 'SERVING' : 'NOT_SERVING';
}

/** grpc.health.v1: SERVING once the node has joined the cluster (registered in the image). */
export function healthHandlers(broker: Broker): HealthHandlers {
  return {
    Check(call, callback) {
      const status = statusOf(broker, call.request.service);
      if (status === 'SERVICE_UNKNOWN') callback({ code: 5, details: `unknown service ${call.request.service}` });
      else callback(null, { status });
    },
    Watch(call: grpc.ServerWritableStream<HealthCheckRequest__Output, HealthCheckResponse>) {
      let last: HealthCheckResponse['status'] | undefined;
      const send = (): void => {
        const status = statusOf(broker, call.request.service);
        if (status !== last) {
          last = status;
          call.write({ status });
        }
      };
      send();
      const timer = setInterval(send, watchPollMs);
      call.on('cancelled', () => clearInterval(timer));
      call.on('close', () => clearInterval(timer));
    },
  };
}
