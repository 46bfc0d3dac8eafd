/**
 * Base of the errors this library raises: `code` is stable and grep-able (`EVENT_STORE.WRONG_EXPECTED_VERSION`,
 * `BUS.CLOSED`, `READ_STORE.UNAVAILABLE`), so callers and the gateway's error table match on codes, not messages.
 */
export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
