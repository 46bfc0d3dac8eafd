import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiClient,
  embeddedPlatformFixture,
  eventually,
  logIn,
  signUpConfirmed,
  type TestSmtpServer,
  uniqueName,
} from '@idp/testing';

// Every two-factor route over HTTP against the real services (embedded platform), the SMS path included: codes are
// read from the SMS outbox (`<DATA_DIR>/outbox/sms`, the local SmsSender adapter), as a phone would receive them.
describe('two-factor routes, embedded platform over HTTP', () => {
  const platform = embeddedPlatformFixture('two-factor-routes-e2e', {
    smtp: true,
    env: { API_RATE_LIMITING_ENABLED: 'false' },
  });
  const outbox = join(platform.dataDir, 'outbox', 'sms');
  let smtp: TestSmtpServer;
  let api: ApiClient;
  const PASSWORD = 'correct horse battery staple 42';
  const body = (type: string, attributes: Record<string, unknown>) => ({ data: { type, attributes } });

  /** The SMS texts received so far, oldest first. */
  const texts = (): string[] => {
    let files: string[] = [];
    try {
      files = readdirSync(outbox);
    } catch {
      return [];
    }
    return files
      .filter((f) => f.endsWith('.txt'))
      .map((f) => ({ f, t: statSync(join(outbox, f)).mtimeMs }))
      .sort((a, b) => a.t - b.t)
      .map(({ f }) => readFileSync(join(outbox, f), 'utf8'));
  };
  /** Waits for the `n`-th text and returns its code. */
  const nthCode = async (n: number): Promise<string> => {
    await eventually(() => expect(texts().length).toBeGreaterThanOrEqual(n), 20_000);
    const text = texts()[n - 1]!;
    expect(text).toMatch(/^To: \+14155550100\n\n\d{6} is your .* verification code\./);
    return /(\d{6}) is your/.exec(text)![1]!;
  };

  beforeAll(() => {
    smtp = platform.smtp;
    api = new ApiClient(platform.url);
  });

  it('SMS: enrol (warning), resend, enable; login texts a code that completes the session; send limits; recovery codes; disable', async () => {
    const prefix = uniqueName('r').replace(/_/g, '-').toLowerCase();
    const erin = await signUpConfirmed(api, smtp, `${prefix}-erin`, `${prefix}-erin@example.org`);
    const as = (token: string) => ({
      call: (method: string, path: string, b?: unknown) => api.call(method, path, b, token),
    });
    const me = as(erin.token);

    // Bad input: clear 422s / 400s, never a 500.
    const badNumber = await me.call(
      'POST',
      '/api/v2/account/two-factor',
      body('two-factor-settings', { delivery: 'sms', 'sms-number': '555-0100' }),
    );
    expect(badNumber.status).toBe(422);
    expect(badNumber.json.errors[0].source).toEqual({ pointer: '/data/attributes/sms-number' });
    expect(
      (
        await me.call(
          'POST',
          '/api/v2/account/two-factor',
          body('two-factor-settings', { delivery: 'carrier-pigeon' }),
        )
      ).status,
    ).toBe(422);
    // A body that is no JSON:API document is the framing's 400.
    expect((await me.call('POST', '/api/v2/account/two-factor', { data: 'nope' })).status).toBe(400);
    // (Enabling with nothing pending is TWO_FACTOR.NOT_PENDING, a 400: left to the unit tests, as every code
    // attempt counts against the 5 a minute this test spends below.)
    const notOn = await me.call(
      'DELETE',
      '/api/v2/account/two-factor',
      body('two-factor-settings', { password: PASSWORD }),
    );
    expect(notOn.status).toBe(400);
    expect(notOn.json.errors[0].code).toBe('TWO_FACTOR.NOT_ENABLED');
    // A complete session has no second factor to give.
    expect(
      (await me.call('POST', '/api/v2/session/two-factor', body('sessions', { code: '123456' }))).status,
    ).toBe(400);

    // Enrol by SMS (text 1), with the weaker-method warning; no secret, no QR code.
    const enrolled = await me.call(
      'POST',
      '/api/v2/account/two-factor',
      body('two-factor-settings', { delivery: 'sms', 'sms-number': '+1 415 555 0100' }),
    );
    expect(enrolled.status).toBe(201);
    expect(enrolled.json.data.attributes).toMatchObject({
      delivery: 'sms',
      status: 'pending',
      'sms-number': '+14155550100',
      secret: null,
      'otpauth-uri': null,
      'qr-code': null,
    });
    expect(enrolled.json.data.attributes.warning).toMatch(/weaker/);
    const first = await nthCode(1);
    // Resend (text 2): the first code no longer works, the new one enables.
    expect(
      (await me.call('POST', '/api/v2/account/actions/two-factor-resend-verification-code')).status,
    ).toBe(204);
    const second = await nthCode(2);
    // (Should both texts carry the same 6 digits, 1 in 10^6, a non-code keeps the attempt count the same.)
    const stale = await me.call(
      'POST',
      '/api/v2/account/actions/two-factor-enable',
      body('two-factor-settings', { code: first !== second ? first : 'not-a-code' }),
    );
    expect(stale.status).toBe(422);
    expect(stale.json.errors[0].code).toBe('TWO_FACTOR.INVALID_CODE');
    const enabled = await me.call(
      'POST',
      '/api/v2/account/actions/two-factor-enable',
      body('two-factor-settings', { code: second }),
    );
    expect(enabled.status).toBe(200);
    expect(enabled.json.data.attributes['recovery-codes']).toHaveLength(10);
    const already = await me.call(
      'POST',
      '/api/v2/account/two-factor',
      body('two-factor-settings', { delivery: 'app' }),
    );
    expect(already.status).toBe(400);
    expect(already.json.errors[0].code).toBe('TWO_FACTOR.ALREADY_ENABLED');

    // A password login texts a code at once (text 3); it completes the restricted session.
    const restricted = await logIn(api, erin.username);
    expect((await as(restricted).call('GET', '/api/v2/account/details')).status).toBe(403);
    const loginCode = await nthCode(3);
    const completed = await as(restricted).call(
      'POST',
      '/api/v2/session/two-factor',
      body('sessions', { code: loginCode }),
    );
    expect(completed.status).toBe(200);
    expect(completed.json.data.attributes['two-factor-required']).toBe(false);
    expect((await as(restricted).call('GET', '/api/v2/account/details')).status).toBe(200);

    // Send limits (TFC-API §1.8): 5 texts a minute per user — texts 4 and 5 pass, the 6th is a 429.
    const another = await logIn(api, erin.username); // text 4
    await nthCode(4);
    expect((await as(another).call('POST', '/api/v2/session/two-factor-send-sms')).status).toBe(204); // text 5
    const limited = await as(another).call('POST', '/api/v2/session/two-factor-send-sms');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    expect((await as(another).call('DELETE', '/api/v2/session')).status).toBe(204);

    // Recovery codes: regenerate with the password (old set void).
    const full = as(restricted);
    const wrongPassword = await full.call(
      'POST',
      '/api/v2/account/two-factor/recovery-codes',
      body('two-factor-settings', { password: 'not my password!' }),
    );
    expect(wrongPassword.status).toBe(422);
    expect(wrongPassword.json.errors[0].source).toEqual({ pointer: '/data/attributes/password' });
    const regenerated = await full.call(
      'POST',
      '/api/v2/account/two-factor/recovery-codes',
      body('two-factor-settings', { password: PASSWORD }),
    );
    expect(regenerated.status).toBe(201);
    expect(regenerated.headers.get('cache-control')).toBe('no-store');
    const fresh = regenerated.json.data.attributes['recovery-codes'] as string[];
    expect(fresh).toHaveLength(10);
    const old = (enabled.json.data.attributes['recovery-codes'] as string[])[0];
    const third = await logIn(api, erin.username);
    const voided = await as(third).call(
      'POST',
      '/api/v2/session/two-factor-recovery',
      body('sessions', { 'recovery-code': old }),
    );
    expect(voided.status).toBe(422);
    expect(
      (
        await as(third).call(
          'POST',
          '/api/v2/session/two-factor-recovery',
          body('sessions', { 'recovery-code': fresh[0] }),
        )
      ).status,
    ).toBe(200);
    // That was the 5th code attempt this minute (stale, enable, login, voided, fresh): the 6th is throttled.
    const fourth = await logIn(api, erin.username);
    const throttled = await as(fourth).call(
      'POST',
      '/api/v2/session/two-factor-recovery',
      body('sessions', { 'recovery-code': fresh[1] }),
    );
    expect(throttled.status).toBe(429);
    expect(throttled.json.errors[0].code).toBe('TWO_FACTOR.TOO_MANY_ATTEMPTS');
    expect(Number(throttled.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);

    // Disable with the password (no organization requires it); logins are plain again.
    expect(
      (
        await full.call(
          'DELETE',
          '/api/v2/account/two-factor',
          body('two-factor-settings', { password: 'not my password!' }),
        )
      ).status,
    ).toBe(422);
    expect(
      (
        await full.call(
          'DELETE',
          '/api/v2/account/two-factor',
          body('two-factor-settings', { password: PASSWORD }),
        )
      ).status,
    ).toBe(204);
    expect((await full.call('GET', '/api/v2/account/details')).json.data.attributes['two-factor']).toEqual({
      enabled: false,
      verified: false,
    });
    const plain = await api.call(
      'POST',
      '/api/v2/session',
      body('sessions', { login: erin.username, password: PASSWORD }),
    );
    expect(plain.json.data.attributes['two-factor-required']).toBe(false);
    expect((await as(plain.json.data.attributes.token).call('GET', '/api/v2/account/details')).status).toBe(
      200,
    );
    // No code was ever logged by the platform.
    for (const t of texts()) expect(platform.process.output()).not.toContain(/(\d{6}) is your/.exec(t)![1]);
  }, 150_000);
});
