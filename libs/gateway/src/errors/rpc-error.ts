/**
 * The wire shape of a domain error crossing the bus (request-reply). Services throw
 * `new RpcException({ code, message, details })` for a broken rule; the Kafka and in-process transports deliver
 * that object unchanged to the caller's observable, and the gateway maps it by `code` (see `domain-errors.ts`).
 *
 * - `code`: stable, grep-able, `NAMESPACE.REASON` in upper snake case (`ACCOUNT.NOT_FOUND`,
 *   `UNIQUENESS.USERNAME_TAKEN`) — the same code as the `DomainError` thrown by the decider.
 * - `message`: one human sentence; it becomes the `detail` of a 4xx JSON:API error, so it must be safe to show
 *   (no secrets, no internal ids beyond what the caller sent).
 * - `details`: optional structured data. The gateway reads `attribute` (the camelCase or kebab-case attribute the
 *   error is about → `source.pointer`), `pointer` (a full JSON pointer) and, for rate limits, `retryAfterSeconds`.
 * - `status`: ignored; Nest's transport adds `status: 'error'` to errors it wraps from a plain string.
 *
 * Any other thrown value reaches the caller as `{ status: 'error', message: 'Internal server error' }` (or a
 * string when no handler exists) and is answered as a 500.
 *
 * To be moved to `@idp/contracts` so services and gateway share it.
 */
export interface RpcErrorPayload {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  status?: string;
}

/** `NAMESPACE.REASON` (one or more dot-separated upper-snake segments). */
export const ERROR_CODE = /^[A-Z][A-Z0-9_]*(\.[A-Z][A-Z0-9_]*)+$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether a thrown value carries a domain error: an RPC error object from the bus or an in-process
 * `DomainError`/`CodedError` (both have a well-formed `code` and a string `message`).
 */
export const isCodedErrorLike = (value: unknown): value is RpcErrorPayload =>
  isRecord(value) &&
  typeof value.code === 'string' &&
  ERROR_CODE.test(value.code) &&
  typeof value.message === 'string' &&
  (value.details === undefined || isRecord(value.details));
