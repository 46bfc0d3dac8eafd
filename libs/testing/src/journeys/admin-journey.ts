import type { TestSmtpServer } from '../smtp';
import { eventually } from '../wait';
import { ApiClient } from './account-journey';
import { invitationToken, logIn, type SignedIn, signUpConfirmed } from './membership-journey';
import { TestAuthenticator } from './two-factor-journey';

/**
 * Site administration end to end over HTTP (issue 7, TFC-API §10): the first admin is bootstrapped with the IACT;
 * the admin finds a user in `GET /admin/users`, suspends them while they hold a live API token and session (the
 * very next request is a 401, login refused), unsuspends them (the API token works again, the session stays
 * ended); impersonates another user with a reason, acts as them (renames their account, creates an organization),
 * returns; deletes a third user, whose username and e-mail can then be registered again. The same journey runs
 * against the embedded platform and the distributed services; the caller then checks the stored events with
 * `expectImpersonationRecorded`.
 */
export interface AdminJourneyResult {
  adminId: string;
  /** The impersonated user, their new username and the organization created while impersonating. */
  impersonatedId: string;
  renamedTo: string;
  organization: string;
  reason: string;
  /** How long after the suspension answer the first request with the suspended user's token took (and was 401). */
  suspendedRefusedAfterMs: number;
  /** From the unsuspension answer until the user's API token verified again (polled every 20 ms). */
  unsuspendedRestoredAfterMs: number;
}

const PASSWORD = 'correct horse battery staple 42';

/** The session secret of a `Set-Cookie: idp_session=…` header. */
const sessionCookie = (headers: Headers): string => {
  const cookies = headers.getSetCookie?.() ?? [headers.get('set-cookie') ?? ''];
  const match = cookies.map((c) => /^idp_session=([^;]*);/.exec(c)).find((m) => m && m[1]);
  if (!match) throw new Error(`no idp_session cookie in ${JSON.stringify(cookies)}`);
  return match[1]!;
};

/** `POST /admin/initial-admin-user` with the IACT from `GET /admin/retrieve-iact` (loopback): the admin's session. */
export const bootstrapAdmin = async (baseUrl: string, username: string): Promise<SignedIn> => {
  const iact = await fetch(`${baseUrl}/admin/retrieve-iact`);
  expect(iact.status).toBe(200);
  const email = `${username}@example.org`;
  const created = await fetch(
    `${baseUrl}/admin/initial-admin-user?token=${encodeURIComponent((await iact.text()).trim())}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, email, password: PASSWORD }),
    },
  );
  expect(created.status).toBe(200);
  const { status, token } = (await created.json()) as { status: string; token: string };
  expect(status).toBe('created');
  const details = await new ApiClient(baseUrl).call('GET', '/api/v2/account/details', undefined, token);
  expect(details.status).toBe(200);
  expect(details.json.data.attributes['is-admin']).toBe(true);
  return { userId: details.json.data.id, username, email, token };
};

export const runAdminJourney = async (
  baseUrl: string,
  smtp: TestSmtpServer,
  prefix: string,
): Promise<AdminJourneyResult> => {
  const api = new ApiClient(baseUrl);
  const admin = await bootstrapAdmin(baseUrl, `${prefix}-root`);
  const asAdmin = (method: string, path: string, body?: unknown) => api.call(method, path, body, admin.token);
  const victim = await signUpConfirmed(api, smtp, `${prefix}-victim`, `${prefix}-victim@example.org`);
  const target = await signUpConfirmed(api, smtp, `${prefix}-target`, `${prefix}-target@example.org`);
  const leaver = await signUpConfirmed(api, smtp, `${prefix}-leaver`, `${prefix}-leaver@example.org`);

  // Non-admins have no admin API at all.
  expect((await api.call('GET', '/api/v2/admin/users', undefined, victim.token)).status).toBe(404);

  // The admin finds the victim by e-mail, with the instance's status counts.
  const found = await asAdmin('GET', `/api/v2/admin/users?q=${encodeURIComponent(victim.email)}`);
  expect(found.status).toBe(200);
  expect(found.json.data.map((u: { id: string }) => u.id)).toEqual([victim.userId]);
  expect(found.json.data[0].attributes).toMatchObject({
    username: victim.username,
    email: victim.email,
    'is-admin': false,
    'is-suspended': false,
  });
  expect(found.json.meta['status-counts']).toMatchObject({ admin: 1, suspended: 0 });
  expect(found.json.meta['status-counts'].total).toBeGreaterThanOrEqual(4);

  // Suspension: a live API token and session stop at the very next request; login is refused.
  const created = await api.call(
    'POST',
    `/api/v2/users/${victim.userId}/authentication-tokens`,
    { data: { type: 'authentication-tokens', attributes: { description: 'ci' } } },
    victim.token,
  );
  expect(created.status).toBe(201);
  const apiToken = created.json.data.attributes.token as string;
  const details = (token: string) => api.call('GET', '/api/v2/account/details', undefined, token);
  expect((await details(apiToken)).status).toBe(200);
  expect((await details(apiToken)).status).toBe(200); // now cached by the gateway
  const suspended = await asAdmin('POST', `/api/v2/admin/users/${victim.userId}/actions/suspend`);
  expect(suspended.status).toBe(200);
  expect(suspended.json.data.attributes['is-suspended']).toBe(true);
  const t0 = performance.now();
  expect((await details(apiToken)).status).toBe(401);
  const suspendedRefusedAfterMs = performance.now() - t0;
  expect((await details(victim.token)).status).toBe(401);
  const login = await api.call('POST', '/api/v2/session', {
    data: { type: 'sessions', attributes: { login: victim.username, password: PASSWORD } },
  });
  expect(login.status).toBe(401);
  expect((await asAdmin('POST', `/api/v2/admin/users/${victim.userId}/actions/suspend`)).status).toBe(400);
  const listed = await asAdmin('GET', '/api/v2/admin/users?filter[suspended]=true');
  expect(listed.json.data.map((u: { id: string }) => u.id)).toEqual([victim.userId]);

  // Unsuspension restores the API token (once the token service has heard of it); the ended session stays ended.
  const unsuspended = await asAdmin('POST', `/api/v2/admin/users/${victim.userId}/actions/unsuspend`);
  expect(unsuspended.status).toBe(200);
  expect(unsuspended.json.data.attributes['is-suspended']).toBe(false);
  const t1 = performance.now();
  await eventually(async () => expect((await details(apiToken)).status).toBe(200), 10_000, 20);
  const unsuspendedRestoredAfterMs = performance.now() - t1;
  expect((await details(victim.token)).status).toBe(401);
  expect(await logIn(api, victim.username)).toEqual(expect.any(String));

  // Impersonation: a reason is required; then a session as the target, shown as such, acting as them.
  const impersonate = (body: unknown) =>
    fetch(`${baseUrl}/api/v2/admin/users/${target.userId}/actions/impersonate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await impersonate({})).status).toBe(400);
  const reason = `support ticket ${prefix}`;
  const started = await impersonate({ reason });
  expect(started.status).toBe(204);
  const impersonation = sessionCookie(started.headers);
  const asTarget = await details(impersonation);
  expect(asTarget.status).toBe(200);
  expect(asTarget.json.data.id).toBe(target.userId);
  expect(asTarget.json.meta).toEqual({ impersonation: { 'impersonator-id': admin.userId, reason } });
  const sessions = await api.call('GET', '/api/v2/account/sessions', undefined, impersonation);
  expect(sessions.status).toBe(200);
  expect(
    sessions.json.data.find((s: { attributes: { current: boolean } }) => s.attributes.current).attributes,
  ).toMatchObject({ 'impersonator-id': admin.userId, 'impersonation-reason': reason });
  const renamedTo = `${prefix}-target2`;
  const renamed = await api.call(
    'PATCH',
    '/api/v2/account/update',
    { data: { type: 'users', attributes: { username: renamedTo } } },
    impersonation,
  );
  expect(renamed.status).toBe(200);
  const organization = `${prefix}-imp-org`;
  await eventually(async () => {
    const org = await api.call(
      'POST',
      '/api/v2/organizations',
      { data: { type: 'organizations', attributes: { name: organization, email: target.email } } },
      impersonation,
    );
    expect(org.status).toBe(201);
  }, 20_000);
  // The admin API is the target's while impersonating: none.
  expect((await api.call('GET', '/api/v2/admin/users', undefined, impersonation)).status).toBe(404);
  const back = await fetch(`${baseUrl}/api/v2/admin/users/actions/unimpersonate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${impersonation}` },
  });
  expect(back.status).toBe(204);
  const restored = sessionCookie(back.headers);
  expect((await details(impersonation)).status).toBe(401);
  const adminAgain = await details(restored);
  expect(adminAgain.status).toBe(200);
  expect(adminAgain.json.data.id).toBe(admin.userId);
  expect(adminAgain.json.meta).toBeUndefined();
  const asAdminAgain = (method: string, path: string) => api.call(method, path, undefined, restored);

  // include=organizations names the organizations a user belongs to (ids = names).
  const withOrganizations = await asAdminAgain(
    'GET',
    `/api/v2/admin/users?q=${encodeURIComponent(target.email)}&include=organizations`,
  );
  expect(withOrganizations.status).toBe(200);
  expect(withOrganizations.json.data[0].relationships.organizations.data).toEqual([
    { type: 'organizations', id: organization },
  ]);
  expect(withOrganizations.json.included).toEqual([
    expect.objectContaining({ type: 'organizations', id: organization, attributes: { name: organization } }),
  ]);

  // The leaver joins that organization (invited by e-mail, accepts): deleting them will end the membership.
  const orgPath = `/api/v2/organizations/${organization}`;
  const invited = await api.call(
    'POST',
    `${orgPath}/organization-memberships`,
    { data: { type: 'organization-memberships', attributes: { email: leaver.email } } },
    target.token,
  );
  expect(invited.status).toBe(201);
  const mail = await smtp.waitForMail((m) => m.to.includes(leaver.email) && /invit/i.test(m.subject), 20_000);
  const accepted = await api.call(
    'POST',
    `/api/v2/invitations/${encodeURIComponent(invitationToken(mail.text))}/actions/accept`,
    undefined,
    leaver.token,
  );
  expect(accepted.status).toBe(200);
  const memberEmails = async () =>
    (await api.call('GET', `${orgPath}/organization-memberships`, undefined, target.token)).json.data.map(
      (m: { attributes: { email: string; status: string } }) =>
        `${m.attributes.email}:${m.attributes.status}`,
    );
  expect(await memberEmails()).toContain(`${leaver.email}:active`);

  // The sole owner of an organization cannot be deleted; another user can: their memberships end, their names are
  // free again.
  const refused = await asAdminAgain('DELETE', `/api/v2/admin/users/${target.userId}`);
  expect(refused.status).toBe(422);
  expect(JSON.stringify(refused.json)).toContain(organization);
  expect((await asAdminAgain('DELETE', `/api/v2/admin/users/${leaver.userId}`)).status).toBe(204);
  await eventually(async () => expect((await memberEmails()).join()).not.toContain(leaver.email), 20_000);
  expect((await details(leaver.token)).status).toBe(401);
  const gone = await asAdminAgain('GET', `/api/v2/admin/users?q=${encodeURIComponent(leaver.email)}`);
  expect(gone.json.data).toEqual([]);
  const again = await api.call('POST', '/api/v2/account/create', {
    data: {
      type: 'users',
      attributes: { username: leaver.username, email: leaver.email, password: PASSWORD },
    },
  });
  expect(again.status).toBe(201);
  expect(again.json.data.id).not.toBe(leaver.userId);

  // Two-factor: nothing to turn off for a user without it (400).
  const twoFactor = await asAdminAgain(
    'POST',
    `/api/v2/admin/users/${victim.userId}/actions/disable_two_factor`,
  );
  expect(twoFactor.status).toBe(400);

  // The victim enrols an authenticator app; the admin turns it off (200, two-factor off), then there is nothing to
  // turn off again (400), and the victim logs in with the password alone.
  const victimToken = await logIn(api, victim.username);
  const asVictim = (path: string, attributes: Record<string, unknown>) =>
    api.call('POST', path, { data: { type: 'two-factor-settings', attributes } }, victimToken);
  const enrolment = await asVictim('/api/v2/account/two-factor', { delivery: 'app' });
  expect(enrolment.status).toBe(201);
  const app = new TestAuthenticator(enrolment.json.data.attributes.secret as string);
  const enabled = await asVictim('/api/v2/account/actions/two-factor-enable', { code: await app.nextCode() });
  expect(enabled.status).toBe(200);
  const secondFactorLogin = await api.call('POST', '/api/v2/session', {
    data: { type: 'sessions', attributes: { login: victim.username, password: PASSWORD } },
  });
  expect(secondFactorLogin.json.data.attributes['two-factor-required']).toBe(true);
  const disabled = await asAdminAgain(
    'POST',
    `/api/v2/admin/users/${victim.userId}/actions/disable_two_factor`,
  );
  expect(disabled.status).toBe(200);
  expect(disabled.json.data.attributes['two-factor']).toEqual({ enabled: false, verified: false });
  expect(
    (await asAdminAgain('POST', `/api/v2/admin/users/${victim.userId}/actions/disable_two_factor`)).status,
  ).toBe(400);
  const passwordOnly = await api.call('POST', '/api/v2/session', {
    data: { type: 'sessions', attributes: { login: victim.username, password: PASSWORD } },
  });
  expect(passwordOnly.json.data.attributes['two-factor-required']).toBe(false);

  // The last admin cannot revoke their own flag.
  const revoke = await asAdminAgain('POST', `/api/v2/admin/users/${admin.userId}/actions/revoke_admin`);
  expect(revoke.status).toBe(422);

  return {
    adminId: admin.userId,
    impersonatedId: target.userId,
    renamedTo,
    organization,
    reason,
    suspendedRefusedAfterMs,
    unsuspendedRestoredAfterMs,
  };
};

/** A stored event as the checks need it (from any service's event store). */
export interface StoredEventLike {
  type: string;
  stream: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

/**
 * The events caused while impersonating name the admin and the reason in their metadata: identity's rename of the
 * impersonated account, membership's new organization, and the token service's impersonation session.
 */
export const expectImpersonationRecorded = (
  result: AdminJourneyResult,
  events: { identity: StoredEventLike[]; membership: StoredEventLike[]; token: StoredEventLike[] },
): void => {
  const impersonated = {
    actor: {
      kind: 'user',
      id: result.impersonatedId,
      impersonatorId: result.adminId,
      impersonationReason: result.reason,
    },
  };
  const renamed = events.identity.find(
    (e) => e.type === 'UsernameChanged' && (e.data as { to?: string }).to === result.renamedTo,
  );
  expect(renamed?.metadata).toMatchObject(impersonated);
  const organizationCreated = events.membership.find(
    (e) => e.type === 'OrganizationCreated' && JSON.stringify(e.data).includes(`"${result.organization}"`),
  );
  expect(organizationCreated?.metadata).toMatchObject(impersonated);
  const started = events.token.find(
    (e) =>
      e.type === 'SessionStarted' &&
      (e.data as { impersonation?: { impersonatorId?: string } }).impersonation?.impersonatorId ===
        result.adminId,
  );
  expect(started?.data).toMatchObject({
    userId: result.impersonatedId,
    impersonation: { impersonatorId: result.adminId, reason: result.reason },
  });
};
