import { eventually } from '../wait';
import type { TestSmtpServer } from '../smtp';

/**
 * The first thing a person does, end to end and through HTTP only, as any client sees the product: sign up,
 * receive the confirmation mail over real SMTP, confirm, log in, read and update the account, change the
 * password, reset a forgotten password from the mailed link, log out. The same journey runs against the embedded
 * platform and against the distributed services, so both modes are held to one behaviour.
 */
export interface JourneyResult {
  userId: string;
  username: string;
}

const JSONAPI = 'application/vnd.api+json';

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    public token?: string,
  ) {}

  async call(method: string, path: string, body?: unknown, token = this.token) {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        accept: JSONAPI,
        ...(body !== undefined ? { 'content-type': JSONAPI } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, json };
  }
}

/** The token of the first link to `path` in a mail's text part. */
export const linkToken = (text: string, path: string): string => {
  const match = new RegExp(`${path.replace(/[/?]/g, '\\$&')}[^\\s]*?[?&]token=([A-Za-z0-9._~%-]+)`).exec(
    text,
  );
  if (!match) throw new Error(`no ${path} link in mail:\n${text}`);
  return decodeURIComponent(match[1]!);
};

export const runAccountJourney = async (
  baseUrl: string,
  smtp: TestSmtpServer,
  names: { username: string; email: string },
): Promise<JourneyResult> => {
  const api = new ApiClient(baseUrl);
  const password = 'correct horse battery staple 42';
  const users = (attributes: Record<string, unknown>) => ({ data: { type: 'users', attributes } });

  // Sign up.
  const created = await api.call(
    'POST',
    '/api/v2/account/create',
    users({ username: names.username, email: names.email, password }),
  );
  expect(created.status).toBe(201);
  expect(created.json.data.type).toBe('users');
  expect(created.json.data.attributes.username).toBe(names.username);
  const userId: string = created.json.data.id;
  expect(userId).toMatch(/^user-[1-9A-HJ-NP-Za-km-z]{16}$/);

  // The confirmation mail, over SMTP.
  const confirmation = await smtp.waitForMail(
    (m) => m.to.includes(names.email.toLowerCase()) && /confirm/i.test(m.subject),
    20_000,
  );
  const confirmToken = linkToken(confirmation.text, '/account/confirm-email');
  const confirmed = await api.call('POST', '/api/v2/account/confirm', {
    data: { type: 'users', attributes: { token: confirmToken } },
  });
  expect(confirmed.status).toBe(200);

  // Log in: a session token, and a cookie.
  const session = await api.call('POST', '/api/v2/session', {
    data: { type: 'sessions', attributes: { login: names.username, password } },
  });
  expect(session.status).toBe(201);
  api.token = session.json.data.attributes.token;
  expect(session.headers.get('set-cookie') ?? '').toMatch(/HttpOnly/i);

  // Read and update the account.
  const details = await api.call('GET', '/api/v2/account/details');
  expect(details.status).toBe(200);
  expect(details.json.data.id).toBe(userId);
  expect(details.json.data.attributes.email).toBe(names.email.toLowerCase());
  const renamed = `${names.username}-2`;
  const updated = await api.call('PATCH', '/api/v2/account/update', users({ username: renamed }));
  expect(updated.status).toBe(200);
  expect(updated.json.data.attributes.username).toBe(renamed);

  // Change the e-mail: pending until the new address is confirmed; the old one is told.
  const oldEmail = names.email.toLowerCase();
  const email = `new-${oldEmail}`;
  const pending = await api.call('PATCH', '/api/v2/account/update', users({ email }));
  expect(pending.status).toBe(200);
  expect(pending.json.data.attributes.email).toBe(oldEmail);
  expect(pending.json.data.attributes['unconfirmed-email']).toBe(email);
  const changeMail = await smtp.waitForMail(
    (m) => m.to.includes(email) && /confirm/i.test(m.subject),
    20_000,
  );
  const changeToken = linkToken(changeMail.text, '/account/confirm-email');
  const switched = await api.call('POST', '/api/v2/account/confirm', {
    data: { type: 'users', attributes: { token: changeToken } },
  });
  expect(switched.status).toBe(200);
  const after = await api.call('GET', '/api/v2/account/details');
  expect(after.json.data.attributes.email).toBe(email);
  expect(after.json.data.attributes['unconfirmed-email']).toBe(null);
  await smtp.waitForMail(
    (m) => m.to.includes(oldEmail) && /changed/i.test(m.subject) && /e-?mail/i.test(m.subject),
    20_000,
  );

  // Change the password, then log in with the new one.
  const newPassword = 'another long passphrase 7';
  const changed = await api.call('PATCH', '/api/v2/account/password', {
    data: {
      type: 'users',
      attributes: { current_password: password, password: newPassword, password_confirmation: newPassword },
    },
  });
  expect(changed.status).toBe(200);
  await smtp.waitForMail(
    (m) => m.to.includes(email) && /password/i.test(m.subject) && /changed/i.test(m.subject),
    20_000,
  );

  // Forgot it: reset from the mailed link; the old session ends.
  const requested = await api.call('POST', '/api/v2/account/password-reset', {
    data: { type: 'users', attributes: { email } },
  });
  expect(requested.status).toBe(202);
  const resetMail = await smtp.waitForMail((m) => m.to.includes(email) && /reset/i.test(m.subject), 20_000);
  const resetToken = linkToken(resetMail.text, '/account/reset-password');
  const finalPassword = 'third passphrase is the charm 9';
  const reset = await api.call('POST', '/api/v2/account/password-reset/complete', {
    data: {
      type: 'users',
      attributes: { token: resetToken, password: finalPassword, password_confirmation: finalPassword },
    },
  });
  expect(reset.status).toBe(204);
  // Other gateways may honour the old session until their credential cache expires (ADR 008).
  await eventually(
    async () => expect((await api.call('GET', '/api/v2/account/details')).status).toBe(401),
    15_000,
    200,
  );

  // Log in with the new password; log out; the token no longer works.
  const again = await api.call('POST', '/api/v2/session', {
    data: { type: 'sessions', attributes: { login: email, password: finalPassword } },
  });
  expect(again.status).toBe(201);
  api.token = again.json.data.attributes.token;
  expect((await api.call('GET', '/api/v2/account/details')).status).toBe(200);
  expect((await api.call('DELETE', '/api/v2/session')).status).toBe(204);
  await eventually(
    async () => expect((await api.call('GET', '/api/v2/account/details')).status).toBe(401),
    15_000,
    200,
  );
  return { userId, username: renamed };
};
