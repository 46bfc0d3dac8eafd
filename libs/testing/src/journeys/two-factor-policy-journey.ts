import type { TestSmtpServer } from '../smtp';
import { eventually } from '../wait';
import { ApiClient } from './account-journey';
import { invitationToken, type SignedIn, signUpConfirmed } from './membership-journey';
import { TestAuthenticator } from './two-factor-journey';

/** The journeys' shared password (`signUpConfirmed`). */
const PASSWORD = 'correct horse battery staple 42';

const body = (type: string, attributes: Record<string, unknown>) => ({ data: { type, attributes } });

export interface TwoFactorPolicyJourneyResult {
  organization: string;
  owner: SignedIn;
  member: SignedIn;
}

/**
 * The organization 2FA policy end to end over HTTP (issue 6, TFC-API §12): Olga creates an organization and cannot
 * require 2FA before she has it herself (422); she enrols an authenticator app and then can. Milo, invited, sees
 * `is-org-two-factor-required`, accepts, and is locked out of the organization with a 403 that says why
 * (`ORGANIZATION.TWO_FACTOR_REQUIRED`) while his own memberships and organization list still show it
 * (`two-factor-conformant: false`); the owner sees `two-factor {enabled, verified}` on the members. Milo enrols an
 * app and is let back in. Olga cannot disable her own 2FA while she owns the organization (identity asks
 * `membership.user-ownerships`). One code attempt per user (each has their own per-minute budget). Identity's
 * `TwoFactorEnabled` reaches membership asynchronously (a relay, then the bus), hence `eventually`.
 */
export const runTwoFactorPolicyJourney = async (
  baseUrl: string,
  smtp: TestSmtpServer,
  prefix: string,
): Promise<TwoFactorPolicyJourneyResult> => {
  const api = new ApiClient(baseUrl);
  const as = (who: SignedIn) => ({
    call: (method: string, path: string, b?: unknown) => api.call(method, path, b, who.token),
  });
  /** Enrols an authenticator app and enables it with its first code. */
  const enableTwoFactor = async (who: SignedIn) => {
    const enrolled = await as(who).call(
      'POST',
      '/api/v2/account/two-factor',
      body('two-factor-settings', { delivery: 'app' }),
    );
    expect(enrolled.status).toBe(201);
    const app = new TestAuthenticator(enrolled.json.data.attributes.secret as string);
    const enabled = await as(who).call(
      'POST',
      '/api/v2/account/actions/two-factor-enable',
      body('two-factor-settings', { code: await app.nextCode() }),
    );
    expect(enabled.status).toBe(200);
    expect(enabled.json.data.attributes.enabled).toBe(true);
  };

  const olga = await signUpConfirmed(api, smtp, `${prefix}-olga`, `${prefix}-olga@example.org`);
  const milo = await signUpConfirmed(api, smtp, `${prefix}-milo`, `${prefix}-milo@example.org`);
  const organization = `${prefix}-vault`;
  const orgPath = `/api/v2/organizations/${organization}`;
  const created = await as(olga).call(
    'POST',
    '/api/v2/organizations',
    body('organizations', { name: organization, email: `ops@${prefix}.example.org` }),
  );
  expect(created.status).toBe(201);
  const requireTwoFactor = () =>
    as(olga).call(
      'PATCH',
      orgPath,
      body('organizations', { 'collaborator-auth-policy': 'two_factor_mandatory' }),
    );

  // Not before every owner (Olga) has 2FA: a 422 on the attribute.
  const early = await requireTwoFactor();
  expect(early.status).toBe(422);
  expect(early.json.errors[0]).toMatchObject({
    code: 'ORGANIZATION.INVALID_COLLABORATOR_AUTH_POLICY',
    source: { pointer: '/data/attributes/collaborator-auth-policy' },
  });

  // Olga enables 2FA; once membership has heard of it, the policy can be set.
  await enableTwoFactor(olga);
  await eventually(async () => {
    const set = await requireTwoFactor();
    expect(set.status).toBe(200);
    expect(set.json.data.attributes).toMatchObject({
      'collaborator-auth-policy': 'two_factor_mandatory',
      'two-factor-conformant': true,
    });
  }, 20_000);

  // Milo is invited: the invitation says 2FA will be needed; he accepts.
  const invited = await as(olga).call(
    'POST',
    `${orgPath}/organization-memberships`,
    body('organization-memberships', { email: milo.email }),
  );
  expect(invited.status).toBe(201);
  expect(invited.json.data.attributes['is-org-two-factor-required']).toBe(true);
  const miloMembership: string = invited.json.data.id;
  const mail = await smtp.waitForMail((m) => m.to.includes(milo.email) && /invit/i.test(m.subject), 20_000);
  const token = encodeURIComponent(invitationToken(mail.text));
  const shown = await api.call('GET', `/api/v2/invitations/${token}`);
  expect(shown.status).toBe(200);
  expect(shown.json.data.attributes['is-org-two-factor-required']).toBe(true);
  const accepted = await as(milo).call('POST', `/api/v2/invitations/${token}/actions/accept`);
  expect(accepted.status).toBe(200);
  expect(accepted.json.data.attributes.status).toBe('active');

  // Locked out, and told why: the organization and everything in it.
  for (const path of [orgPath, `${orgPath}/teams`, `${orgPath}/entitlement-set`]) {
    const refused = await as(milo).call('GET', path);
    expect({ path, status: refused.status }).toEqual({ path, status: 403 });
    expect(refused.json.errors[0]).toMatchObject({
      status: '403',
      code: 'ORGANIZATION.TWO_FACTOR_REQUIRED',
    });
    expect(refused.json.errors[0].detail).toMatch(/requires two-factor authentication/);
  }
  // What he keeps: his organization list and his own membership, which show why.
  const listed = await as(milo).call('GET', '/api/v2/organizations');
  expect(listed.status).toBe(200);
  expect(listed.json.data).toEqual([
    expect.objectContaining({
      id: organization,
      attributes: expect.objectContaining({
        'collaborator-auth-policy': 'two_factor_mandatory',
        'two-factor-conformant': false,
      }),
    }),
  ]);
  const mine = await as(milo).call('GET', '/api/v2/organization-memberships');
  expect(mine.status).toBe(200);
  expect(mine.json.data.map((m: { id: string }) => m.id)).toEqual([miloMembership]);

  // The owner sees each member's two-factor state.
  await eventually(async () => {
    const members = await as(olga).call('GET', `${orgPath}/organization-memberships?include=user`);
    expect(members.status).toBe(200);
    const twoFactorOf = (userId: string) =>
      (
        members.json.included as Array<{ type: string; id: string; attributes: Record<string, unknown> }>
      ).find((r) => r.type === 'users' && r.id === userId)?.attributes['two-factor'];
    expect(twoFactorOf(olga.userId)).toEqual({ enabled: true, verified: true });
    expect(twoFactorOf(milo.userId)).toEqual({ enabled: false, verified: false });
  }, 20_000);

  // Milo enables 2FA and is let back in, with his member's permissions.
  await enableTwoFactor(milo);
  await eventually(async () => {
    const back = await as(milo).call('GET', orgPath);
    expect(back.status).toBe(200);
    expect(back.json.data.attributes['two-factor-conformant']).toBe(true);
    expect(back.json.data.attributes.permissions['can-traverse']).toBe(true);
  }, 20_000);
  expect((await as(milo).call('GET', `${orgPath}/teams`)).status).toBe(200);

  // Olga owns an organization that requires 2FA: she cannot disable hers.
  const disable = await as(olga).call(
    'DELETE',
    '/api/v2/account/two-factor',
    body('two-factor-settings', { password: PASSWORD }),
  );
  expect(disable.status).toBe(422);
  expect(disable.json.errors[0].detail).toContain(organization);

  return { organization, owner: olga, member: milo };
};
