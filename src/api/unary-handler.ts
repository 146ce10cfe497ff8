import type * as grpc from '@grpc/grpc-js';
import { toServiceError } from './errors.js';

/** Run a unary handler body; a throw fails the whole call with status + runnel-error-bin. */
export function unary<Req, Res>(body: (req: Req) => Promise<Res> | Res) {
  return (call: { request: Req }, callback: (err: grpc.ServerErrorResponse | null, res?: Res) => void): void => {
    Promise.resolve()
      .then(() => body(call.request))
      .then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err)),
      );
  };
}
