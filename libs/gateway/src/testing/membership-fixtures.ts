import type { FakeServiceState } from './fake-services';

/** Helpers of the organization, membership, team and invitation route suites. */
export const JSON_API = { 'content-type': 'application/vnd.api+json' };

export interface SignedInUser {
  id: string;
  username: string;
  email: string;
  /** `Authorization: Bearer <session token>`. */
  auth: Record<string, string>;
}

/** An account of the fake identity service (e-mail confirmed unless said otherwise) with a live session. */
export const signedIn = (
  state: FakeServiceState,
  username: string,
  options: { confirmed?: boolean; twoFactor?: boolean } = {},
): SignedInUser => {
  const account = state.addAccount({
    username,
    email: `${username}@example.com`,
    password: 'x'.repeat(12),
  });
  account.emailConfirmed = options.confirmed ?? true;
  if (options.twoFactor) account.twoFactor = { enabled: true, verified: true };
  const session = state.startSession(account.id);
  return {
    id: account.id,
    username,
    email: account.email,
    auth: { authorization: `Bearer ${session.token}` },
  };
};

/** The payload of the last message of `pattern` the fakes received (`meta` included). */
export const lastCall = (state: FakeServiceState, pattern: string): Record<string, unknown> => {
  const call = state.callsOf(pattern).at(-1);
  if (!call) throw new Error(`no ${pattern} request was sent`);
  return call.payload;
};

/** `included` resources of a document keyed `"type,id"` (how go-tfe finds them). */
export const includedIndex = (body: {
  included?: Array<{ type: string; id: string }>;
}): Map<string, Record<string, unknown>> =>
  new Map((body.included ?? []).map((r) => [`${r.type},${r.id}`, r as Record<string, unknown>]));
