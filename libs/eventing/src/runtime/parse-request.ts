import { DomainError } from '../decider/decider';

/** A request that does not match its contract schema (a gateway bug, or junk on the bus): `<SERVICE>.INVALID_REQUEST`. */
export class InvalidRequest extends DomainError {
  constructor(service: string, message: string, attribute?: string) {
    super(`${service}.INVALID_REQUEST`, message, attribute ? { attribute } : {});
  }
}

/** The part of a contract schema (zod, from @idp/contracts) a service relies on; no zod import here. */
export interface RequestSchema<T> {
  safeParse(
    body: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } };
}

/**
 * A bus handler's request parser for one service (`TOKEN`, `MEMBERSHIP`): parses against the contract schema and
 * throws `InvalidRequest` naming the first bad field (its path becomes the 422's pointer attribute).
 */
export const requestParser =
  (service: string) =>
  <T>(schema: RequestSchema<T>, body: unknown): T => {
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const path = issue?.path.map(String).join('.');
    throw new InvalidRequest(
      service,
      `${path || 'request'}: ${issue?.message ?? 'invalid'}`,
      path || undefined,
    );
  };
