import { DomainError } from '@idp/eventing';

/** A request that does not match its contract schema (a gateway bug, or junk on the bus). */
export class InvalidTokenRequest extends DomainError {
  constructor(message: string, attribute?: string) {
    super('TOKEN.INVALID_REQUEST', message, attribute ? { attribute } : {});
  }
}

/** The part of a contract schema (zod, from @idp/contracts) this lib relies on; no direct zod import. */
interface RequestSchema<T> {
  safeParse(
    body: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } };
}

/** Parses a request against its contract schema; throws `InvalidTokenRequest` naming the first bad field. */
export const parseRequest = <T>(schema: RequestSchema<T>, body: unknown): T => {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.');
  throw new InvalidTokenRequest(`${path || 'request'}: ${issue?.message ?? 'invalid'}`, path || undefined);
};
