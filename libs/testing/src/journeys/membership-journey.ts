import type { TestSmtpServer } from '../smtp';
import { eventually } from '../wait';
import { ApiClient, linkToken } from './account-journey';

/**
 * People working together, end to end over HTTP (issue 4): Alice signs up and creates an organization; invites
 * bob@ (no account yet) and carol@ (an existing account) into team `dev`; both invitation mails arrive over real
 * SMTP; Bob signs up from his link and is an active member at once; Carol accepts with her account; Alice makes
 * Carol an owner and leaves; Carol, now the last owner, cannot leave; Carol removes Bob, who then sees nothing of
 * the organization. The same journey runs against the embedded platform and the distributed services.
 */
export interface MembershipJourneyResult {
  organization: string;
  alice: SignedIn;
  bob: SignedIn;
  carol: SignedIn;
}

export interface SignedIn {
  userId: string;
  username: string;
  email: string;
  token: string;
}

const PASSWORD = 'correct horse battery staple 42';

const users = (attributes: Record<string, unknown>) => ({ data: { type: 'users', attributes } });

/** The invitation token in a mail: the one link to `/invitations/<token>`. */
export const invitationToken = (text: string): string => {
  const match = /\/invitations\/([A-Za-z0-9._~%-]+)/.exec(text);
  if (!match) throw new Error(`no /invitations/ link in mail:\n${text}`);
  return decodeURIComponent(match[1]!);
};

/** Logs in (password) and returns the session token. */
export const logIn = async (api: ApiClient, login: string, password = PASSWORD): Promise<string> => {
  const session = await api.call('POST', '/api/v2/session', {
    data: { type: 'sessions', attributes: { login, password } },
  });
  expect(session.status).toBe(201);
  return session.json.data.attributes.token as string;
};

/** Signs up, confirms the e-mail from the mailed link, logs in. */
export const signUpConfirmed = async (
  api: ApiClient,
  smtp: TestSmtpServer,
  username: string,
  email: string,
): Promise<SignedIn> => {
  const created = await api.call(
    'POST',
    '/api/v2/account/create',
    users({ username, email, password: PASSWORD }),
  );
  expect(created.status).toBe(201);
  const mail = await smtp.waitForMail((m) => m.to.includes(email) && /confirm/i.test(m.subject), 20_000);
  const confirmed = await api.call('POST', '/api/v2/account/confirm', {
    data: { type: 'users', attributes: { token: linkToken(mail.text, '/account/confirm-email') } },
  });
  expect(confirmed.status).toBe(200);
  return { userId: created.json.data.id, username, email, token: await logIn(api, username) };
};

export const runMembershipJourney = async (
  baseUrl: string,
  smtp: TestSmtpServer,
  prefix: string,
): Promise<MembershipJourneyResult> => {
  const api = new ApiClient(baseUrl);
  const as = (who: SignedIn) => ({
    call: (method: string, path: string, body?: unknown) => api.call(method, path, body, who.token),
  });
  const alice = await signUpConfirmed(api, smtp, `${prefix}-alice`, `${prefix}-alice@example.org`);
  const carol = await signUpConfirmed(api, smtp, `${prefix}-carol`, `${prefix}-carol@example.org`);
  const bobEmail = `${prefix}-bob@example.org`;

  // A user with no organization sees none, and can create one: the creator is its first owner.
  expect((await as(alice).call('GET', '/api/v2/organizations')).json.data).toEqual([]);
  const organization = `${prefix}-acme`;
  const created = await as(alice).call('POST', '/api/v2/organizations', {
    data: {
      type: 'organizations',
      attributes: { name: organization, email: `billing@${prefix}.example.org` },
    },
  });
  expect(created.status).toBe(201);
  expect(created.json.data.id).toBe(organization);
  expect(created.json.data.attributes.permissions['can-destroy']).toBe(true);
  const orgPath = `/api/v2/organizations/${organization}`;

  const team = await as(alice).call('POST', `${orgPath}/teams`, {
    data: { type: 'teams', attributes: { name: 'dev', visibility: 'organization' } },
  });
  expect([200, 201]).toContain(team.status);
  const devId: string = team.json.data.id;

  // Invite Bob (no account) and Carol (an account) into `dev`: two mails over SMTP.
  const invite = async (email: string) => {
    const res = await as(alice).call('POST', `${orgPath}/organization-memberships`, {
      data: {
        type: 'organization-memberships',
        attributes: { email },
        relationships: { teams: { data: [{ type: 'teams', id: devId }] } },
      },
    });
    expect(res.status).toBe(201);
    expect(res.json.data.attributes.status).toBe('invited');
    return res.json.data.id as string;
  };
  const bobMembership = await invite(bobEmail);
  const carolMembership = await invite(carol.email);
  const mailTo = (email: string) =>
    smtp.waitForMail((m) => m.to.includes(email) && /invit/i.test(m.subject), 20_000);
  const [bobMail, carolMail] = await Promise.all([mailTo(bobEmail), mailTo(carol.email)]);
  expect(bobMail.text).toContain(organization);

  // Bob signs up from the link: he joins at once, his e-mail counts as confirmed.
  const bobToken = invitationToken(bobMail.text);
  const shown = await api.call('GET', `/api/v2/invitations/${encodeURIComponent(bobToken)}`);
  expect(shown.status).toBe(200);
  expect(shown.json.data.attributes['account-exists']).toBe(false);
  const bobCreated = await api.call(
    'POST',
    '/api/v2/account/create',
    users({ username: `${prefix}-bob`, email: bobEmail, password: PASSWORD, 'invitation-token': bobToken }),
  );
  expect(bobCreated.status).toBe(201);
  const bob: SignedIn = {
    userId: bobCreated.json.data.id,
    username: `${prefix}-bob`,
    email: bobEmail,
    token: await logIn(api, `${prefix}-bob`),
  };
  await eventually(async () => {
    const mine = await as(bob).call('GET', '/api/v2/organization-memberships');
    expect(mine.status).toBe(200);
    expect(mine.json.data).toEqual([
      expect.objectContaining({
        id: bobMembership,
        attributes: expect.objectContaining({ status: 'active' }),
      }),
    ]);
  }, 20_000);
  await eventually(async () => {
    const details = await as(bob).call('GET', '/api/v2/account/details');
    expect(details.json.data.attributes['is-confirmed']).toBe(true);
  }, 20_000);

  // Carol accepts with her account.
  const carolToken = invitationToken(carolMail.text);
  expect(
    (await api.call('GET', `/api/v2/invitations/${encodeURIComponent(carolToken)}`)).json.data.attributes[
      'account-exists'
    ],
  ).toBe(true);
  const accepted = await as(carol).call(
    'POST',
    `/api/v2/invitations/${encodeURIComponent(carolToken)}/actions/accept`,
  );
  expect(accepted.status).toBe(200);
  expect(accepted.json.data.id).toBe(carolMembership);
  expect(accepted.json.data.attributes.status).toBe('active');

  // Both are in `dev`, as active users.
  const dev = await as(alice).call('GET', `/api/v2/teams/${devId}?include=users`);
  expect(dev.status).toBe(200);
  expect(dev.json.data.relationships.users.data.map((u: { id: string }) => u.id).sort()).toEqual(
    [bob.userId, carol.userId].sort(),
  );

  // Alice makes Carol an owner, then leaves.
  const owners = await as(alice).call('GET', `${orgPath}/teams?filter%5Bnames%5D=owners`);
  expect(owners.json.data).toHaveLength(1);
  const ownersId: string = owners.json.data[0].id;
  const promoted = await as(alice).call('POST', `/api/v2/teams/${ownersId}/relationships/users`, {
    data: [{ type: 'users', id: carol.username }],
  });
  expect(promoted.status).toBe(204);
  const aliceOwn = await as(alice).call('GET', '/api/v2/organization-memberships');
  const aliceMembership: string = aliceOwn.json.data[0].id;
  expect(aliceOwn.json.data[0].meta['caller-is-owner']).toBe(true);
  expect((await as(alice).call('DELETE', `/api/v2/organization-memberships/${aliceMembership}`)).status).toBe(
    204,
  );
  expect((await as(alice).call('GET', orgPath)).status).toBe(404);

  // Carol is the last owner: she cannot leave, and is told why.
  const refused = await as(carol).call('DELETE', `/api/v2/organization-memberships/${carolMembership}`);
  expect(refused.status).toBe(403);
  expect(refused.json.errors[0].detail).toMatch(/owner/i);

  // Carol removes Bob; Bob no longer sees the organization.
  const found = await as(carol).call(
    'GET',
    `${orgPath}/organization-memberships?q=${encodeURIComponent(bob.username)}&include=user`,
  );
  expect(found.json.data.map((m: { id: string }) => m.id)).toEqual([bobMembership]);
  expect((await as(carol).call('DELETE', `/api/v2/organization-memberships/${bobMembership}`)).status).toBe(
    204,
  );
  expect((await as(bob).call('GET', orgPath)).status).toBe(404);
  const remaining = await as(carol).call('GET', `${orgPath}/organization-memberships`);
  expect(remaining.json.data.map((m: { id: string }) => m.id)).toEqual([carolMembership]);
  expect(remaining.json.meta['status-counts']).toEqual(
    expect.objectContaining({ total: 1, active: 1, invited: 0 }),
  );

  return { organization, alice, bob, carol };
};
