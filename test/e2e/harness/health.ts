/** grpc.health.v1 Check against one node's CLIENT listener. */
import * as grpc from '@grpc/grpc-js';
import { loadGrpcObject } from '../../../src/api/index.js';
import type { HealthClient } from '../../../src/api/generated/grpc/health/v1/Health.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export function addressOf(a: HostPort): string {
  return `${a.host}:${a.port}`;
}

/** The node's overall status ('SERVING', 'NOT_SERVING', ...), or the call's error message. */
export function checkHealth(address: HostPort, timeoutMs: number): Promise<string> {
  const { grpc: g } = loadGrpcObject();
  const client: HealthClient = new g.health.v1.Health(addressOf(address), grpc.credentials.createInsecure());
  return new Promise<string>((resolve) => {
    client.Check({ service: '' }, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => {
      client.close();
      resolve(err ? `unreachable (${err.message})` : String(res?.status ?? 'no status'));
    });
  });
}
