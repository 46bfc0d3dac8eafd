import { ApiClient } from './account-journey';
import type { SignedIn } from './membership-journey';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The `team` maximum the journey sets: short enough that a team token made before it is already past it. */
const TEAM_MAX_MS = 1_000;
/** How long the journey waits for the token service to apply a policy the membership service accepted. */
const PROPAGATION_DEADLINE_MS = 15_000;

export interface TokenTtlJourneyResult {
  organization: string;
  /** From the policy's 200 to the first 401 of the team token it ended (ms): the propagation delay. */
  teamTokenEndedAfterMs: number;
}

const ms = (iso: string): number => Date.parse(iso);

/**
 * Token TTL policies (TFC-API §5.4, ADR 012) end to end over HTTP: `owner` creates an organization, a team, a user
 * token without expiry and one expiring in a day, a team token and an organization token without expiry. A non-member
 * gets 404 for the policies; the owner reads none, sets `user` 7 days, `team` 1 s, `organization` 30 days (422 for a
 * bad body). Then each service applies them to what it owns:
 * - membership refuses the never-expiring user token in this organization (403 `ORGANIZATION.TOKEN_TTL_EXCEEDED`),
 *   while it still works on the account and the organization list, and the one-day token still works here;
 * - the token service shortens the team token to `created-at + 1 s`, already past: its next request is a 401 (the
 *   gateway evicted it), and its read shows the new `expired-at`; the organization token gets `created-at + 30 days`
 *   and keeps working;
 * - a new team token without `expired-at` gets `created-at + 1 s`, one asking for an hour is a 422 on `expired-at`.
 * The token service learns the policy from the membership event, so the journey waits (bounded) for it.
 */
export const runTokenTtlJourney = async (
  baseUrl: string,
  owner: SignedIn,
  outsider: SignedIn,
  prefix: string,
): Promise<TokenTtlJourneyResult> => {
  const api = new ApiClient(baseUrl);
  const as = (method: string, path: string, body?: unknown) => api.call(method, path, body, owner.token);

  const organization = `${prefix}-ttl`;
  const created = await as('POST', '/api/v2/organizations', {
    data: {
      type: 'organizations',
      attributes: { name: organization, email: `billing@${prefix}.example.org` },
    },
  });
  expect(created.status).toBe(201);
  expect(created.json.data.attributes['max-ttl-enabled']).toBe(false);
  const orgPath = `/api/v2/organizations/${organization}`;
  const policiesPath = `${orgPath}/token-ttl-policies`;
  const team = await as('POST', `${orgPath}/teams`, {
    data: { type: 'teams', attributes: { name: 'ci', visibility: 'organization' } },
  });
  expect([200, 201]).toContain(team.status);
  const teamId: string = team.json.data.id;

  const userToken = async (attributes: Record<string, unknown>) => {
    const res = await as('POST', `/api/v2/users/${owner.userId}/authentication-tokens`, {
      data: { type: 'authentication-tokens', attributes },
    });
    expect(res.status).toBe(201);
    return res.json.data.attributes.token as string;
  };
  const forever = await userToken({ description: 'forever' });
  const oneDay = await userToken({
    description: 'one day',
    'expired-at': new Date(Date.now() + DAY_MS).toISOString(),
  });
  const teamToken = await as('POST', `/api/v2/teams/${teamId}/authentication-tokens`, {
    data: { type: 'authentication-tokens', attributes: { description: 'before the policy' } },
  });
  expect(teamToken.status).toBe(201);
  expect(teamToken.json.data.attributes['expired-at']).toBeNull();
  const orgToken = await as('POST', `${orgPath}/authentication-token`, {
    data: { type: 'authentication-token', attributes: {} },
  });
  expect(orgToken.status).toBe(201);
  const teamSecret: string = teamToken.json.data.attributes.token;
  const orgSecret: string = orgToken.json.data.attributes.token;
  for (const secret of [forever, oneDay, teamSecret, orgSecret]) {
    expect((await api.call('GET', orgPath, undefined, secret)).status).toBe(200);
  }

  // Owners only: whoever is not a member gets a 404 (no existence oracle), whatever the method.
  expect((await api.call('GET', policiesPath, undefined, outsider.token)).status).toBe(404);
  const body = (policies: unknown[]) => ({
    data: { type: 'organization-token-ttl-policies', attributes: { 'token-ttl-policies': policies } },
  });
  expect(
    (
      await api.call(
        'PATCH',
        policiesPath,
        body([{ 'token-type': 'user', 'max-ttl-ms': DAY_MS }]),
        outsider.token,
      )
    ).status,
  ).toBe(404);

  const none = await as('GET', policiesPath);
  expect(none.status).toBe(200);
  expect(none.json.data).toEqual([]);

  for (const bad of [
    [{ 'token-type': 'robot', 'max-ttl-ms': DAY_MS }],
    [{ 'token-type': 'user', 'max-ttl-ms': 0 }],
    [],
  ]) {
    const refused = await as('PATCH', policiesPath, body(bad));
    expect({ bad, status: refused.status }).toEqual({ bad, status: 422 });
    expect(refused.json.errors[0].status).toBe('422');
  }

  // The long-lived team token was made more than the team maximum ago: it is past its new bound at once.
  await new Promise((resolve) => setTimeout(resolve, TEAM_MAX_MS + 100));
  const set = await as(
    'PATCH',
    policiesPath,
    body([
      { 'token-type': 'user', 'max-ttl-ms': 7 * DAY_MS },
      { 'token-type': 'team', 'max-ttl-ms': TEAM_MAX_MS },
      { 'token-type': 'organization', 'max-ttl-ms': 30 * DAY_MS },
    ]),
  );
  const setAt = Date.now();
  expect(set.status).toBe(200);
  type PolicyResource = { type: string; attributes: Record<string, unknown> };
  const byType = (doc: { data: PolicyResource[] }): Record<string, PolicyResource> =>
    Object.fromEntries(doc.data.map((r) => [String(r.attributes['token-type']), r]));
  const listed = byType(set.json);
  expect(Object.keys(listed).sort()).toEqual(['organization', 'team', 'user']);
  for (const r of Object.values(listed)) expect(r.type).toBe('organization-token-ttl-policies');
  expect(listed.user!.attributes['max-ttl-ms']).toBe(7 * DAY_MS);
  expect(listed.team!.attributes['max-ttl-ms']).toBe(TEAM_MAX_MS);
  expect(byType((await as('GET', policiesPath)).json)).toEqual(listed);
  expect((await as('GET', orgPath)).json.data.attributes['max-ttl-enabled']).toBe(true);

  // Membership: a user token living longer than 7 days may not act here; it is still a good token elsewhere.
  const refusedHere = await api.call('GET', orgPath, undefined, forever);
  expect(refusedHere.status).toBe(403);
  expect(refusedHere.json.errors[0].status).toBe('403');
  expect((await api.call('GET', `${orgPath}/teams`, undefined, forever)).status).toBe(403);
  expect((await api.call('GET', '/api/v2/account/details', undefined, forever)).status).toBe(200);
  expect((await api.call('GET', '/api/v2/organizations', undefined, forever)).status).toBe(200);
  expect((await api.call('GET', orgPath, undefined, oneDay)).status).toBe(200);
  // A session is no API token: the owner still manages the organization.
  expect((await as('GET', orgPath)).status).toBe(200);

  // Token service: the team token ends once the policy reached it (the gateway evicts it on the event).
  let teamTokenEndedAfterMs = -1;
  while (Date.now() - setAt < PROPAGATION_DEADLINE_MS) {
    const { status } = await api.call('GET', orgPath, undefined, teamSecret);
    if (status === 401) {
      teamTokenEndedAfterMs = Date.now() - setAt;
      break;
    }
    expect(status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(teamTokenEndedAfterMs).toBeGreaterThanOrEqual(0);
  const teamRead = await as('GET', `/api/v2/authentication-tokens/${teamToken.json.data.id}`);
  expect(teamRead.status).toBe(200);
  const teamAttrs = teamRead.json.data.attributes;
  expect(ms(teamAttrs['expired-at']) - ms(teamAttrs['created-at'])).toBe(TEAM_MAX_MS);
  // Never again, even past the cache's TTL.
  expect((await api.call('GET', orgPath, undefined, teamSecret)).status).toBe(401);

  // The organization token is bounded by 30 days and keeps working.
  const orgRead = await as('GET', `${orgPath}/authentication-token`);
  expect(orgRead.status).toBe(200);
  expect(
    ms(orgRead.json.data.attributes['expired-at']) - ms(orgRead.json.data.attributes['created-at']),
  ).toBe(30 * DAY_MS);
  expect((await api.call('GET', orgPath, undefined, orgSecret)).status).toBe(200);

  // New team tokens: no `expired-at` gets the maximum; a later one is refused, nothing created.
  const bounded = await as('POST', `/api/v2/teams/${teamId}/authentication-tokens`, {
    data: { type: 'authentication-tokens', attributes: { description: 'after the policy' } },
  });
  expect(bounded.status).toBe(201);
  expect(
    ms(bounded.json.data.attributes['expired-at']) - ms(bounded.json.data.attributes['created-at']),
  ).toBe(TEAM_MAX_MS);
  const tooLong = await as('POST', `/api/v2/teams/${teamId}/authentication-tokens`, {
    data: {
      type: 'authentication-tokens',
      attributes: { description: 'an hour', 'expired-at': new Date(Date.now() + 3_600_000).toISOString() },
    },
  });
  expect(tooLong.status).toBe(422);
  expect(tooLong.json.errors[0].source).toEqual({ pointer: '/data/attributes/expired-at' });
  const teamTokens = await as('GET', `${orgPath}/team-tokens`);
  expect(teamTokens.status).toBe(200);
  expect(
    teamTokens.json.data.map((t: { attributes: { description: string } }) => t.attributes.description).sort(),
  ).toEqual(['after the policy', 'before the policy']);

  return { organization, teamTokenEndedAfterMs };
};
