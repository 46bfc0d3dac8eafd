import { MEMBERSHIP } from '@idp/contracts';
import { TIMESTAMP_PATTERN } from '../jsonapi/timestamp';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import type { FakeMembership, FakeOrganization } from '../testing/fake-membership';
import { leakCheckedInject } from '../testing/leak-check';
import {
  includedIndex,
  JSON_API,
  lastCall,
  signedIn,
  type SignedInUser,
} from '../testing/membership-fixtures';

describe('invitations: /api/v2/invitations/:token', () => {
  let fx: FakeServicesApp;
  // Every response is checked for the invitation tokens (the fake registers them as secrets).
  let call: ReturnType<typeof leakCheckedInject>;
  let ada: SignedInUser;
  let bob: SignedInUser;
  let eve: SignedInUser;
  let acme: FakeOrganization;
  let forBob: FakeMembership;
  let forNobody: FakeMembership;

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices();
    call = leakCheckedInject(fx.app, fx.state);
    ada = signedIn(fx.state, 'ada');
    bob = signedIn(fx.state, 'bob');
    eve = signedIn(fx.state, 'eve');
    const m = fx.state.membership;
    acme = m.createOrganization('acme', 'billing@acme.example', ada.id);
    m.addTeam(acme, 'dev', { visibility: 'organization' });
    forBob = m.addMembership(acme, bob.email, 'invited', null, 'ada');
    m.teamNamed(acme, 'dev')!.memberIds.add(forBob.id);
    forNobody = m.addMembership(acme, 'nobody@example.com', 'invited', null, null);
  });
  afterAll(() => fx?.close());

  const path = (token: string) => `/api/v2/invitations/${encodeURIComponent(token)}`;
  const accept = (token: string, as?: SignedInUser, query = '') =>
    call({
      method: 'POST',
      url: `${path(token)}/actions/accept${query}`,
      headers: { ...JSON_API, ...as?.auth },
    });

  describe('GET (no authentication)', () => {
    it('200 without a credential: the invitation, its id never the token, no link to it, no-store', async () => {
      const res = await call({ method: 'GET', url: path(forBob.invitation!.token) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.api+json');
      expect(res.headers['cache-control']).toBe('no-store');
      const { data } = res.json();
      expect(data.type).toBe('invitations');
      expect(data.id).toMatch(/^inv-[0-9a-f]{20}$/);
      expect(data).not.toHaveProperty('links');
      expect(data.attributes).toEqual({
        'organization-name': 'acme',
        email: bob.email,
        'invited-by': 'ada',
        'expires-at': expect.stringMatching(TIMESTAMP_PATTERN),
        'account-exists': true,
        'is-org-two-factor-required': false,
      });
      // The service is asked without an actor: nobody is logged in.
      const sent = lastCall(fx.state, MEMBERSHIP.getInvitation);
      expect(sent.token).toBe(forBob.invitation!.token);
      expect(sent.meta).not.toHaveProperty('actor');
    });

    it('the id is stable for the invitation and differs between invitations', async () => {
      const again = (await call({ method: 'GET', url: path(forBob.invitation!.token) })).json().data;
      const other = (await call({ method: 'GET', url: path(forNobody.invitation!.token) })).json().data;
      const first = (await call({ method: 'GET', url: path(forBob.invitation!.token) })).json().data;
      expect(again.id).toBe(first.id);
      expect(other.id).not.toBe(first.id);
      expect(other.attributes).toMatchObject({ 'account-exists': false, 'invited-by': null });
    });

    it('also with a credential (a logged-in invitee), the same answer', async () => {
      const res = await call({ method: 'GET', url: path(forBob.invitation!.token), headers: bob.auth });
      expect(res.statusCode).toBe(200);
    });

    it('404, bare, for an unknown token; a malformed one is not even sent', async () => {
      const res = await call({ method: 'GET', url: path(`${acme.id}.not-a-real-secret`) });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ errors: [{ status: '404', title: 'not found' }] });
      const before = fx.state.callsOf(MEMBERSHIP.getInvitation).length;
      expect((await call({ method: 'GET', url: path('has space') })).statusCode).toBe(404);
      expect(fx.state.callsOf(MEMBERSHIP.getInvitation)).toHaveLength(before);
    });
  });

  describe('POST /actions/accept', () => {
    it('401 without a credential', async () => {
      const res = await accept(forBob.invitation!.token);
      expect(res.statusCode).toBe(401);
      expect(fx.state.callsOf(MEMBERSHIP.acceptInvitation)).toHaveLength(0);
    });

    it("403 with the reason when the caller's confirmed e-mail is not the invited one", async () => {
      const res = await accept(forBob.invitation!.token, eve);
      expect(res.statusCode).toBe(403);
      expect(res.json().errors[0]).toMatchObject({
        status: '403',
        code: 'INVITATION.EMAIL_MISMATCH_FORBIDDEN',
        detail: "This invitation was sent to a different e-mail address than your account's confirmed one",
      });
    });

    it('200 with the membership, now active, for the invitee; meta.actor sent; include=organization,teams', async () => {
      const token = forBob.invitation!.token;
      const res = await accept(token, bob, '?include=organization%2Cteams%2Cuser');
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body.data).toMatchObject({
        type: 'organization-memberships',
        id: forBob.id,
        attributes: { status: 'active', email: bob.email },
        relationships: {
          user: { data: { type: 'users', id: bob.id } },
          organization: { data: { type: 'organizations', id: 'acme' } },
        },
      });
      const index = includedIndex(body);
      expect(index.has('organizations,acme')).toBe(true);
      expect(index.has(`users,${bob.id}`)).toBe(true);
      for (const t of body.data.relationships.teams.data) expect(index.has(`teams,${t.id}`)).toBe(true);
      expect(body.data.relationships.teams.data).toHaveLength(1);
      expect(lastCall(fx.state, MEMBERSHIP.acceptInvitation)).toEqual({
        token,
        meta: expect.objectContaining({ actor: { kind: 'user', id: bob.id } }),
      });

      // Used: the invitation is gone.
      expect((await call({ method: 'GET', url: path(token) })).statusCode).toBe(404);
      expect((await accept(token, bob)).statusCode).toBe(404);
    });

    it('422 when already a member; 400 for an include not offered', async () => {
      const again = fx.state.membership.addMembership(acme, bob.email.toUpperCase(), 'invited', null, 'ada');
      const res = await accept(again.invitation!.token, bob);
      expect(res.statusCode).toBe(422);
      expect(res.json().errors[0]).toMatchObject({
        code: 'MEMBERSHIP.ALREADY_MEMBER',
        detail: 'You are already a member of this organization',
      });
      expect((await accept(again.invitation!.token, bob, '?include=users')).statusCode).toBe(400);
    });
  });
});
