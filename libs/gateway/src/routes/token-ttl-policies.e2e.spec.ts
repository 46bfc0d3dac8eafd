import { MAX_TOKEN_TTL_MS, MEMBERSHIP } from '@idp/contracts';
import { TIMESTAMP_PATTERN } from '../jsonapi/timestamp';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import type { FakeOrganization } from '../testing/fake-membership';
import { JSON_API, lastCall, signedIn, type SignedInUser } from '../testing/membership-fixtures';
import { leakCheckedInject } from '../testing/leak-check';

const DAY = 24 * 60 * 60 * 1000;
const TYPE = 'organization-token-ttl-policies';
const URL = '/api/v2/organizations/acme/token-ttl-policies';

/** The PATCH body of TFC-API §5.4 with these entries. */
const body = (policies: unknown) => ({
  data: { type: TYPE, attributes: { 'token-ttl-policies': policies } },
});

describe('token TTL policies: /api/v2/organizations/:organization_name/token-ttl-policies', () => {
  let fx: FakeServicesApp;
  let call: ReturnType<typeof leakCheckedInject>;
  let ada: SignedInUser;
  let bob: SignedInUser;
  let eve: SignedInUser;
  let acme: FakeOrganization;
  /** Bearer user tokens the fake token service verifies (the rest: its sessions). */
  const userTokens = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices();
    call = leakCheckedInject(fx.app, fx.state);
    ada = signedIn(fx.state, 'ada');
    bob = signedIn(fx.state, 'bob');
    eve = signedIn(fx.state, 'eve');
    const m = fx.state.membership;
    // ada owns acme; bob is a plain member; eve belongs nowhere.
    acme = m.createOrganization('acme', 'billing@acme.example', ada.id);
    m.join(acme, bob.id);
    fx.state.verifyReply = (token) => {
      const userToken = userTokens.get(token);
      if (userToken) return userToken;
      const session = [...fx.state.sessions.values()].find((s) => s.token === token && !s.ended);
      return session
        ? { kind: 'session', sessionId: session.id, userId: session.userId, expiresAt: session.expiresAt }
        : null;
    };
  });
  afterAll(() => fx?.close());

  /** A user token of `user` created a day ago living `lifetimeMs` (null: never expires), as a bearer header. */
  const userToken = (user: SignedInUser, lifetimeMs: number | null) => {
    const secret = `ut-${userTokens.size}.atlasv1.${'t'.repeat(60)}`;
    const createdAt = Date.now() - DAY;
    userTokens.set(secret, {
      kind: 'user-token',
      userId: user.id,
      tokenId: `at-ut-${userTokens.size}`,
      createdAt: new Date(createdAt).toISOString(),
      expiresAt: lifetimeMs === null ? null : new Date(createdAt + lifetimeMs).toISOString(),
    });
    return { authorization: `Bearer ${secret}` };
  };
  const get = (url: string, auth: Record<string, string>) => call({ method: 'GET', url, headers: auth });
  const patch = (auth: Record<string, string>, payload: unknown) =>
    call({
      method: 'PATCH',
      url: URL,
      headers: { ...JSON_API, ...auth },
      payload: payload as Record<string, unknown>,
    });

  it('401 without a credential, before any service is asked', async () => {
    const before = fx.state.calls.length;
    for (const method of ['GET', 'PATCH'] as const) {
      const res = await call({
        method,
        url: URL,
        headers: JSON_API,
        payload: method === 'PATCH' ? body([]) : undefined,
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ errors: [{ status: '401', title: 'unauthorized' }] });
    }
    expect(fx.state.calls.slice(before).filter((c) => c.pattern.startsWith('membership.'))).toEqual([]);
  });

  it('GET: an empty list before any is set; max-ttl-enabled false', async () => {
    const res = await get(URL, ada.auth);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.api+json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({ data: [] });
    expect(lastCall(fx.state, MEMBERSHIP.getTokenTtlPolicies)).toMatchObject({ organization: 'acme' });
    const org = await get('/api/v2/organizations/acme', ada.auth);
    expect(org.json().data.attributes['max-ttl-enabled']).toBe(false);
  });

  it('PATCH: 200 with the whole list; unlisted types kept; max-ttl-enabled true', async () => {
    const first = await patch(ada.auth, body([{ 'token-type': 'user', 'max-ttl-ms': 30 * DAY }]));
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/vnd.api+json');
    expect(first.json()).toEqual({
      data: [
        {
          type: TYPE,
          id: `${acme.id}-user`,
          attributes: {
            'token-type': 'user',
            'max-ttl-ms': 30 * DAY,
            'created-at': expect.stringMatching(TIMESTAMP_PATTERN),
            'updated-at': expect.stringMatching(TIMESTAMP_PATTERN),
          },
        },
      ],
    });
    expect(lastCall(fx.state, MEMBERSHIP.setTokenTtlPolicies)).toMatchObject({
      organization: 'acme',
      policies: [{ tokenType: 'user', maxTtlMs: 30 * DAY }],
      meta: { actor: { kind: 'user', id: ada.id } },
    });

    const second = await patch(
      ada.auth,
      body([
        { 'token-type': 'audit_trails', 'max-ttl-ms': DAY },
        { 'token-type': 'team', 'max-ttl-ms': MAX_TOKEN_TTL_MS },
      ]),
    );
    expect(second.statusCode).toBe(200);
    const data = second.json().data as Array<{ id: string; attributes: Record<string, unknown> }>;
    expect(data.map((r) => [r.id, r.attributes['token-type'], r.attributes['max-ttl-ms']])).toEqual([
      [`${acme.id}-team`, 'team', MAX_TOKEN_TTL_MS],
      [`${acme.id}-user`, 'user', 30 * DAY],
      [`${acme.id}-audit_trails`, 'audit_trails', DAY],
    ]);
    expect((await get(URL, ada.auth)).json().data).toEqual(second.json().data);
    const org = await get('/api/v2/organizations/acme', ada.auth);
    expect(org.json().data.attributes['max-ttl-enabled']).toBe(true);
  });

  it('403 for a member who is not an owner; 404 for anyone else', async () => {
    for (const res of [
      await get(URL, bob.auth),
      await patch(bob.auth, body([{ 'token-type': 'user', 'max-ttl-ms': DAY }])),
    ]) {
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        errors: [
          {
            status: '403',
            title: 'forbidden',
            code: 'ORGANIZATION.OWNER_REQUIRED_FORBIDDEN',
            detail: "Only owners can see or change the organization's token TTL policies",
          },
        ],
      });
    }
    for (const url of [URL, '/api/v2/organizations/nowhere/token-ttl-policies']) {
      const res = await get(url, eve.auth);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ errors: [{ status: '404', title: 'not found' }] });
    }
    const refused = await patch(eve.auth, body([{ 'token-type': 'user', 'max-ttl-ms': DAY }]));
    expect(refused.statusCode).toBe(404);
  });

  it('422 with a pointer for each bad entry; nothing is sent', async () => {
    const before = fx.state.callsOf(MEMBERSHIP.setTokenTtlPolicies).length;
    const cases: Array<[unknown, string, string]> = [
      [
        [{ 'token-type': 'robot', 'max-ttl-ms': DAY }],
        '/data/attributes/token-ttl-policies/0/token-type',
        'Token type is not included in the list',
      ],
      [
        [{ 'token-type': 'user', 'max-ttl-ms': 1.5 }],
        '/data/attributes/token-ttl-policies/0/max-ttl-ms',
        'Max ttl ms must be an integer',
      ],
      [
        [{ 'token-type': 'user', 'max-ttl-ms': 0 }],
        '/data/attributes/token-ttl-policies/0/max-ttl-ms',
        'Max ttl ms must be greater than 0',
      ],
      [
        [{ 'token-type': 'user', 'max-ttl-ms': -DAY }],
        '/data/attributes/token-ttl-policies/0/max-ttl-ms',
        'Max ttl ms must be greater than 0',
      ],
      [
        [{ 'token-type': 'user', 'max-ttl-ms': MAX_TOKEN_TTL_MS + 1 }],
        '/data/attributes/token-ttl-policies/0/max-ttl-ms',
        `Max ttl ms must be less than or equal to ${MAX_TOKEN_TTL_MS}`,
      ],
      [
        [{ 'token-type': 'user', 'max-ttl-ms': '2592000000' }],
        '/data/attributes/token-ttl-policies/0/max-ttl-ms',
        'Max ttl ms must be a number',
      ],
      [
        [
          { 'token-type': 'user', 'max-ttl-ms': DAY },
          { 'token-type': 'user', 'max-ttl-ms': 2 * DAY },
        ],
        '/data/attributes/token-ttl-policies/1/token-type',
        'Token type must appear only once',
      ],
      [[], '/data/attributes/token-ttl-policies', "Token ttl policies can't be blank"],
      [null, '/data/attributes/token-ttl-policies', "Token ttl policies can't be blank"],
    ];
    for (const [policies, pointer, detail] of cases) {
      const res = await patch(ada.auth, body(policies));
      expect({ policies, status: res.statusCode }).toEqual({ policies, status: 422 });
      expect(res.json()).toEqual({
        errors: [{ status: '422', title: 'invalid attribute', detail, source: { pointer } }],
      });
    }
    const wrongType = await patch(ada.auth, { data: { type: 'organizations', attributes: {} } });
    expect(wrongType.statusCode).toBe(409);
    expect(fx.state.callsOf(MEMBERSHIP.setTokenTtlPolicies).length).toBe(before);
  });

  it("a user token's request carries meta.actor.userToken (id, created-at, expired-at); a session's does not", async () => {
    const auth = userToken(ada, 10 * DAY);
    expect((await get('/api/v2/organizations/acme', auth)).statusCode).toBe(200);
    const sent = lastCall(fx.state, MEMBERSHIP.getOrganization).meta as { actor: Record<string, unknown> };
    const token = [...userTokens.values()].at(-1)!;
    expect(sent.actor).toEqual({
      kind: 'user',
      id: ada.id,
      userToken: { tokenId: token.tokenId, createdAt: token.createdAt, expiredAt: token.expiresAt },
    });
    expect((await get('/api/v2/organizations/acme', ada.auth)).statusCode).toBe(200);
    expect(lastCall(fx.state, MEMBERSHIP.getOrganization).meta).toEqual(
      expect.objectContaining({ actor: { kind: 'user', id: ada.id } }),
    );
  });

  it("a member's user token living longer than the `user` policy: 403 ORGANIZATION.TOKEN_TTL_EXCEEDED on the organization's routes", async () => {
    // acme's user policy is 30 days (set above).
    for (const auth of [userToken(bob, 31 * DAY), userToken(bob, null)]) {
      for (const url of ['/api/v2/organizations/acme', '/api/v2/organizations/acme/teams']) {
        const res = await get(url, auth);
        expect({ url, status: res.statusCode }).toEqual({ url, status: 403 });
        expect(res.json()).toEqual({
          errors: [
            {
              status: '403',
              title: 'forbidden',
              code: 'ORGANIZATION.TOKEN_TTL_EXCEEDED',
              detail: expect.stringMatching(
                /^The organization acme accepts user tokens that live at most 30 days.*a session/,
              ),
            },
          ],
        });
      }
      // Still a valid credential: its own account is reachable.
      expect((await get('/api/v2/account/details', auth)).statusCode).toBe(200);
    }
    expect((await get('/api/v2/organizations/acme', userToken(bob, 30 * DAY))).statusCode).toBe(200);
    expect((await get('/api/v2/organizations/acme', bob.auth)).statusCode).toBe(200);
  });
});
