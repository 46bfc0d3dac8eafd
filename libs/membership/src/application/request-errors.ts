import { DomainError, requestParser } from '@idp/eventing';

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

/** Parses a request against its contract schema; `MEMBERSHIP.INVALID_REQUEST` naming the first bad field. */
export const parseRequest = requestParser('MEMBERSHIP');
