import { z } from 'zod';

/**
 * Who asks, and in which request: every message from the gateway carries it, and the owning service copies it
 * into the metadata of the events it appends (audit, impersonation, tracing).
 */
export const requestMetaSchema = z.object({
  actor: z
    .object({
      kind: z.enum(['user', 'team', 'organization', 'system', 'anonymous']),
      id: z.string(),
      impersonatorId: z.string().optional(),
      impersonationReason: z.string().optional(),
      /**
       * The credential the request presented, when it is a user API token: its id and lifetime, so that a service
       * can apply an organization's token TTL policy for `user` tokens (TFC-API §5.4) to the user acting through it.
       * Absent for a session and for team and organization tokens (their own organization's policy is applied to them
       * by the token service). Never the secret or its hash.
       */
      userToken: z
        .object({
          tokenId: z.string().max(100),
          createdAt: z.string().max(40),
          /** Its `expired-at`, or null when it never expires. */
          expiredAt: z.string().max(40).nullable(),
        })
        .optional(),
    })
    .optional(),
  correlationId: z.string().max(200).optional(),
  traceparent: z.string().max(200).optional(),
  /** Client address as the gateway saw it (rate limits, login throttling, audit). */
  ip: z.string().max(100).optional(),
});
export type RequestMeta = z.infer<typeof requestMetaSchema>;

/**
 * The error a service returns for a broken rule (thrown as `new RpcException(rpcError(err))`): the domain error's
 * stable code, its message and details (e.g. `attribute` for a 422 pointer). The gateway maps codes to HTTP
 * statuses in one table; anything without a code is an internal error.
 */
export interface RpcErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export const isRpcErrorBody = (value: unknown): value is RpcErrorBody =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as RpcErrorBody).code === 'string' &&
  typeof (value as RpcErrorBody).message === 'string';

export const rpcError = (err: {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}): RpcErrorBody => ({
  code: err.code,
  message: err.message,
  ...(err.details && Object.keys(err.details).length ? { details: err.details } : {}),
});
