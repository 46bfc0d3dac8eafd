import { ApiClient } from './account-journey';
import type { MembershipJourneyResult } from './membership-journey';

const SECRET_SHAPE = /^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{67}$/;

/**
 * Team API tokens end to end over HTTP (TFC-API §5.1, §5.2), after the membership journey, in its organization (Carol
 * is its owner by then): Carol creates a team and a described team token; a duplicate description is TFC's exact 422;
 * the token authenticates as the team (its synthetic service user on `/account/details`), acts in its organization
 * only and cannot create one; it is listed and read without its secret; revoked, the very next request with it is a
 * 401. A legacy token of a second team stops on the very next request after the team is deleted, a third team's token
 * after the organization is deleted (the journey ends with it). The same journey runs against the embedded platform
 * and the distributed services.
 */
export const runTeamTokenJourney = async (
  baseUrl: string,
  membership: MembershipJourneyResult,
): Promise<void> => {
  const api = new ApiClient(baseUrl);
  const carol = (method: string, path: string, body?: unknown) =>
    api.call(method, path, body, membership.carol.token);
  const orgPath = `/api/v2/organizations/${membership.organization}`;
  const createTeam = async (name: string) => {
    const res = await carol('POST', `${orgPath}/teams`, {
      data: { type: 'teams', attributes: { name, visibility: 'organization' } },
    });
    expect([200, 201]).toContain(res.status);
    return res.json.data.id as string;
  };

  // A described team token, with go-tfe's body ("type": "").
  const ciId = await createTeam('ci');
  const created = await carol('POST', `/api/v2/teams/${ciId}/authentication-tokens`, {
    data: { type: '', attributes: { description: 'deploy' } },
  });
  expect(created.status).toBe(201);
  const tokenId: string = created.json.data.id;
  const secret: string = created.json.data.attributes.token;
  expect(created.json.data.type).toBe('authentication-tokens');
  expect(secret).toMatch(SECRET_SHAPE);
  expect(created.json.data.relationships.team.data).toEqual({ type: 'teams', id: ciId });

  const duplicate = await carol('POST', `/api/v2/teams/${ciId}/authentication-tokens`, {
    data: { type: '', attributes: { description: 'deploy' } },
  });
  expect(duplicate.status).toBe(422);
  expect(duplicate.json.errors[0]).toMatchObject({
    status: '422',
    title: 'invalid attributes',
    detail: 'Validation failed: Description has already been taken',
  });

  // It authenticates as the team.
  const asTeam = (method: string, path: string, body?: unknown) => api.call(method, path, body, secret);
  const me = await asTeam('GET', '/api/v2/account/details');
  expect(me.status).toBe(200);
  expect(me.json.data.attributes['is-service-account']).toBe(true);
  expect(me.json.data.attributes.username).toMatch(/^api-team_/);
  expect(me.json.data.relationships['authenticated-resource'].data).toEqual({ type: 'teams', id: ciId });
  expect((await asTeam('GET', orgPath)).status).toBe(200);
  const own = await asTeam('GET', '/api/v2/organizations');
  expect(own.json.data.map((o: { id: string }) => o.id)).toEqual([membership.organization]);
  const newOrg = await asTeam('POST', '/api/v2/organizations', {
    data: {
      type: 'organizations',
      attributes: { name: `${membership.organization}-x`, email: 'x@example.org' },
    },
  });
  expect(newOrg.status).toBe(403);

  // Listed and read without its secret.
  const listed = await carol('GET', `${orgPath}/team-tokens`);
  expect(listed.status).toBe(200);
  const element = listed.json.data.find((t: { id: string }) => t.id === tokenId);
  expect(element).toMatchObject({
    type: 'authentication-tokens',
    attributes: { description: 'deploy', token: null },
  });
  const read = await carol('GET', `/api/v2/authentication-tokens/${tokenId}`);
  expect(read.status).toBe(200);
  expect(read.json.data.attributes.token).toBeNull();
  expect(JSON.stringify(listed.json) + JSON.stringify(read.json)).not.toContain(secret);

  // Revoked: the very next request with it is a 401.
  expect((await carol('DELETE', `/api/v2/authentication-tokens/${tokenId}`)).status).toBe(204);
  expect((await asTeam('GET', '/api/v2/account/details')).status).toBe(401);
  expect((await carol('DELETE', `/api/v2/authentication-tokens/${tokenId}`)).status).toBe(404);

  // A legacy token of another team; the team is deleted: the very next request with it is a 401.
  const opsId = await createTeam('ops');
  const legacy = await carol('POST', `/api/v2/teams/${opsId}/authentication-token`, { data: { type: '' } });
  expect(legacy.status).toBe(201);
  expect(legacy.json.data.attributes.description).toBeNull();
  const legacySecret: string = legacy.json.data.attributes.token;
  expect((await api.call('GET', '/api/v2/account/details', undefined, legacySecret)).status).toBe(200);
  expect((await carol('DELETE', `/api/v2/teams/${opsId}`)).status).toBe(204);
  expect((await api.call('GET', '/api/v2/account/details', undefined, legacySecret)).status).toBe(401);

  // The organization deleted: its teams' tokens are 401 on the very next request.
  const lastId = await createTeam('last');
  const last = await carol('POST', `/api/v2/teams/${lastId}/authentication-tokens`, {
    data: { type: '', attributes: { description: 'until the end' } },
  });
  expect(last.status).toBe(201);
  const lastSecret: string = last.json.data.attributes.token;
  expect((await api.call('GET', '/api/v2/account/details', undefined, lastSecret)).status).toBe(200);
  expect((await carol('DELETE', orgPath)).status).toBe(204);
  expect((await api.call('GET', '/api/v2/account/details', undefined, lastSecret)).status).toBe(401);
};
