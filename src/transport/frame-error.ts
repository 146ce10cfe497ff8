/** A peer frame that does not decode: the stream that carried it is closed (the node keeps running). */
export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`malformed peer frame at byte ${offset}: ${message}`);
  }
}
