import { DomainError } from '@idp/eventing';

/** A request that does not match its contract schema (a gateway bug, or junk on the bus). */
export class InvalidMembershipRequest extends DomainError {
  constructor(message: string, attribute?: string) {
    super('MEMBERSHIP.INVALID_REQUEST', message, attribute ? { attribute } : {});
  }
}

/**
 * The caller's account is not (yet) known to this service: its `AccountRegistered` has not arrived from
 * `identity.events`. Transient by nature (503 at the edge: retry), and only possible in the moments after a sign-up.
 */
export class UserNotYetKnown extends DomainError {
  constructor() {
    super(
      'MEMBERSHIP.USER_UNAVAILABLE',
      'Your account is not known to the membership service yet; retry shortly',
    );
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

/** Parses a request against its contract schema; throws `InvalidMembershipRequest` naming the first bad field. */
export const parseRequest = <T>(schema: RequestSchema<T>, body: unknown): T => {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.');
  throw new InvalidMembershipRequest(
    `${path || 'request'}: ${issue?.message ?? 'invalid'}`,
    path || undefined,
  );
};
