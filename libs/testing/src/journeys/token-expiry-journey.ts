import { ApiClient } from './account-journey';
import type { SignedIn } from './membership-journey';

/** How far ahead of its creation each token expires: room for a few requests before, yet a short test. */
const LEAD_MS = 2_500;
/** How long past `expired-at` the loop goes on asking. */
const AFTER_MS = 1_000;
/** At most this many requests per token, whatever the clock says. */
const MAX_REQUESTS = 2_000;

/** One request with a token: when it left (ms), when its answer came, and the status. */
interface Attempt {
  sentAt: number;
  doneAt: number;
  status: number;
}

/** What the loop saw around one token's `expired-at`, in ms relative to it (negative: before). */
export interface ExpiryFigures {
  kind: 'user' | 'team' | 'organization';
  requests: number;
  /** Requests answered 200 that completed before `expired-at`. */
  okBefore: number;
  /** Requests sent after `expired-at` (all 401). */
  sentAfter: number;
  /** When the last request answered 200 was sent, and when that answer came back. */
  lastOkSentAt: number;
  lastOkDoneAt: number;
  /** When the first request answered 401 was sent. */
  firstRefusedSentAt: number;
}

export interface TokenExpiryJourneyResult {
  organization: string;
  figures: ExpiryFigures[];
}

/**
 * Uses `token` on `path` in a tight loop (one request at a time) from before `expiresAt` until `AFTER_MS` past it,
 * bounded by `MAX_REQUESTS`, and asserts the boundary: every request that completed before `expired-at` got 200,
 * every request sent at or after it got 401. A request in flight across the instant may get either.
 */
const useAcrossExpiry = async (
  api: ApiClient,
  kind: ExpiryFigures['kind'],
  token: string,
  path: string,
  expiresAt: number,
): Promise<ExpiryFigures> => {
  const attempts: Attempt[] = [];
  while (attempts.length < MAX_REQUESTS) {
    const sentAt = Date.now();
    if (sentAt > expiresAt + AFTER_MS) break;
    const { status } = await api.call('GET', path, undefined, token);
    attempts.push({ sentAt, doneAt: Date.now(), status });
  }
  const before = attempts.filter((a) => a.doneAt < expiresAt);
  const after = attempts.filter((a) => a.sentAt >= expiresAt);
  // A failure names the token, how many requests were wrong and the first of them (ms relative to expired-at).
  const wrong = (xs: Attempt[], status: number) => {
    const bad = xs.filter((a) => a.status !== status);
    const first = bad
      .slice(0, 5)
      .map((a) => ({ ...a, sentAt: a.sentAt - expiresAt, doneAt: a.doneAt - expiresAt }));
    return { kind, count: bad.length, first };
  };
  const none = { kind, count: 0, first: [] };
  expect(wrong(before, 200)).toEqual(none);
  expect(wrong(after, 401)).toEqual(none);
  // The loop really straddled the instant: it was used before, and refused after.
  expect(before.length).toBeGreaterThan(0);
  expect(after.length).toBeGreaterThan(0);
  const refused = attempts.find((a) => a.status === 401)!;
  const lastOk = attempts.filter((a) => a.status === 200).at(-1)!;
  return {
    kind,
    requests: attempts.length,
    okBefore: before.length,
    sentAfter: after.length,
    lastOkSentAt: lastOk.sentAt - expiresAt,
    lastOkDoneAt: lastOk.doneAt - expiresAt,
    firstRefusedSentAt: refused.sentAt - expiresAt,
  };
};

/**
 * Token expiry at the boundary, end to end over HTTP (issue 5): `owner` creates an organization and a team, then a
 * user token, a team token and an organization token, each with an `expired-at` `LEAD_MS` ahead, and uses each in a
 * tight loop until past that instant (`useAcrossExpiry`). The first use puts the credential in the gateway's
 * credential cache (TTL longer than the lead), so the loop shows that a cached entry is not honoured past the
 * token's own expiry. Expired tokens are still listed and read, with their `expired-at`. The same journey runs
 * against the embedded platform and the distributed services.
 *
 * Wall clock, not a controlled one: the instant is judged by the gateway and by the token service, each in its own
 * process reading `Date.now()`; freezing or advancing their clocks would need a test-only switch in product code.
 * The assertions are therefore one-sided and immune to load: a request completed before the instant can only have
 * been judged before it, one sent after it only after it (one machine, one clock).
 */
export const runTokenExpiryJourney = async (
  baseUrl: string,
  owner: SignedIn,
  prefix: string,
): Promise<TokenExpiryJourneyResult> => {
  const api = new ApiClient(baseUrl);
  const as = (method: string, path: string, body?: unknown) => api.call(method, path, body, owner.token);

  const organization = `${prefix}-expiry`;
  const created = await as('POST', '/api/v2/organizations', {
    data: {
      type: 'organizations',
      attributes: { name: organization, email: `billing@${prefix}.example.org` },
    },
  });
  expect(created.status).toBe(201);
  const orgPath = `/api/v2/organizations/${organization}`;
  const team = await as('POST', `${orgPath}/teams`, {
    data: { type: 'teams', attributes: { name: 'expiring', visibility: 'organization' } },
  });
  expect([200, 201]).toContain(team.status);
  const teamId: string = team.json.data.id;

  // One instant for all three, so that the loops run side by side and the journey lasts one lead, not three.
  const expiresAt = Date.now() + LEAD_MS;
  const expiredAt = new Date(expiresAt).toISOString();
  const user = await as('POST', `/api/v2/users/${owner.userId}/authentication-tokens`, {
    data: { type: 'authentication-tokens', attributes: { description: 'expiring', 'expired-at': expiredAt } },
  });
  expect(user.status).toBe(201);
  const teamToken = await as('POST', `/api/v2/teams/${teamId}/authentication-tokens`, {
    data: { type: 'authentication-tokens', attributes: { description: 'expiring', 'expired-at': expiredAt } },
  });
  expect(teamToken.status).toBe(201);
  const orgToken = await as('POST', `${orgPath}/authentication-token`, {
    data: { type: 'authentication-token', attributes: { 'expired-at': expiredAt } },
  });
  expect(orgToken.status).toBe(201);
  for (const t of [user, teamToken, orgToken]) expect(t.json.data.attributes['expired-at']).toBe(expiredAt);
  // Creating three tokens must leave time to use them before the instant (else the loops prove nothing).
  expect(Date.now()).toBeLessThan(expiresAt);

  const figures = await Promise.all([
    useAcrossExpiry(api, 'user', user.json.data.attributes.token, orgPath, expiresAt),
    useAcrossExpiry(api, 'team', teamToken.json.data.attributes.token, orgPath, expiresAt),
    useAcrossExpiry(api, 'organization', orgToken.json.data.attributes.token, orgPath, expiresAt),
  ]);

  // Expired, not gone: listed and read with their `expired-at`.
  const userTokens = await as('GET', `/api/v2/users/${owner.userId}/authentication-tokens`);
  expect(userTokens.status).toBe(200);
  expect(userTokens.json.data.find((t: { id: string }) => t.id === user.json.data.id)).toMatchObject({
    attributes: { 'expired-at': expiredAt, token: null },
  });
  const userRead = await as('GET', `/api/v2/authentication-tokens/${user.json.data.id}`);
  expect(userRead.status).toBe(200);
  expect(userRead.json.data.attributes['expired-at']).toBe(expiredAt);

  const teamTokens = await as('GET', `${orgPath}/team-tokens`);
  expect(teamTokens.status).toBe(200);
  expect(teamTokens.json.data.find((t: { id: string }) => t.id === teamToken.json.data.id)).toMatchObject({
    attributes: { 'expired-at': expiredAt, token: null },
  });
  const teamRead = await as('GET', `/api/v2/authentication-tokens/${teamToken.json.data.id}`);
  expect(teamRead.status).toBe(200);
  expect(teamRead.json.data.attributes['expired-at']).toBe(expiredAt);

  const orgRead = await as('GET', `${orgPath}/authentication-token`);
  expect(orgRead.status).toBe(200);
  expect(orgRead.json.data.id).toBe(orgToken.json.data.id);
  expect(orgRead.json.data.attributes).toMatchObject({ 'expired-at': expiredAt, token: null });

  return { organization, figures };
};
