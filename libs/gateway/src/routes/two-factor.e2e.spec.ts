import { MEMBERSHIP, TOKEN, TWO_FACTOR } from '@idp/contracts';
import { createGatewayAppWithFakeServices, type FakeServicesApp } from '../testing/fake-services';
import {
  FAKE_TWO_FACTOR,
  FAKE_TWO_FACTOR_STATE,
  FakeTwoFactorHandlers,
  FakeTwoFactorState,
} from '../testing/fake-two-factor';
import { leakCheckedInject } from '../testing/leak-check';
import { JSON_API, lastCall, signedIn } from '../testing/membership-fixtures';

const PASSWORD = 'x'.repeat(12);
const doc = (type: string, attributes: Record<string, unknown>) => ({ data: { type, attributes } });

describe('two-factor routes and the restricted session (fake services)', () => {
  let fx: FakeServicesApp;
  let call: ReturnType<typeof leakCheckedInject>;

  beforeAll(async () => {
    fx = await createGatewayAppWithFakeServices({
      controllers: [FakeTwoFactorHandlers],
      providers: [{ provide: FAKE_TWO_FACTOR_STATE, useValue: new FakeTwoFactorState() }],
    });
    call = leakCheckedInject(fx.app, fx.state);
  });
  afterAll(() => fx.close());

  /** A password login of `needs-2fa…` (the fake identity owes a second factor for such logins). */
  const restrictedLogin = async (username: string) => {
    const before = new Set(fx.state.secrets);
    const res = await call(
      {
        method: 'POST',
        url: '/api/v2/session',
        headers: JSON_API,
        payload: doc('sessions', { login: username, password: PASSWORD }),
      },
      { issuedByThisCall: true },
    );
    const token = [...fx.state.secrets].find((s) => !before.has(s))!;
    return { res, token, auth: { authorization: `Bearer ${token}` } };
  };

  describe('a login that owes a second factor', () => {
    it('gets a session with two-factor-required: true (and its cookie), started as pending', async () => {
      fx.state.addAccount({ username: 'needs-2fa', email: 'twofa@example.com', password: PASSWORD });
      const { res, token } = await restrictedLogin('needs-2fa');
      expect(res.statusCode).toBe(201);
      expect(res.json().data.attributes).toMatchObject({ token, 'two-factor-required': true });
      expect(res.headers['set-cookie']).toContain(`idp_session=${token}`);
      expect(lastCall(fx.state, TOKEN.startSession)).toMatchObject({ twoFactorPending: true });
    });

    it.each([
      ['GET', '/api/v2/account/details'],
      ['PATCH', '/api/v2/account/update'],
      ['GET', '/api/v2/account/sessions'],
      ['GET', '/api/v2/organizations'],
      ['POST', '/api/v2/organizations'],
      ['GET', '/api/v2/organization-memberships'],
      ['POST', '/api/v2/account/two-factor'],
      ['POST', '/api/v2/account/actions/two-factor-enable'],
      ['DELETE', '/api/v2/account/two-factor'],
      ['GET', '/api/v2/users/user-abc'],
    ])('may not %s %s: 403 naming the way out, nothing asked of the services', async (method, url) => {
      const { auth } = await restrictedLogin('needs-2fa');
      const calls = fx.state.calls.length;
      const res = await call({
        method: method as 'GET',
        url,
        headers: { ...JSON_API, ...auth },
        payload: '{}',
      });
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toBe('application/vnd.api+json');
      expect(res.json().errors).toEqual([
        expect.objectContaining({
          status: '403',
          code: 'SESSION.TWO_FACTOR_REQUIRED',
          detail: expect.stringMatching(/session\/two-factor/),
        }),
      ]);
      // Only the credential check reached a service.
      expect(fx.state.calls.slice(calls).map((c) => c.pattern)).toEqual([TOKEN.verifyCredential]);
    });

    it('a wrong code is 422 on `code`; too many attempts 429 with X-RateLimit-Reset; the session stays restricted', async () => {
      const { auth } = await restrictedLogin('needs-2fa');
      const wrong = await call({
        method: 'POST',
        url: '/api/v2/session/two-factor',
        headers: { ...JSON_API, ...auth },
        payload: doc('sessions', { code: '000000' }),
      });
      expect(wrong.statusCode).toBe(422);
      expect(wrong.json().errors[0]).toMatchObject({
        code: 'TWO_FACTOR.INVALID_CODE',
        source: { pointer: '/data/attributes/code' },
      });
      const throttled = await call({
        method: 'POST',
        url: '/api/v2/session/two-factor',
        headers: { ...JSON_API, ...auth },
        payload: doc('sessions', { code: 'throttled' }),
      });
      expect(throttled.statusCode).toBe(429);
      expect(throttled.headers['x-ratelimit-reset']).toBe('42');
      expect((await call({ method: 'GET', url: '/api/v2/account/details', headers: auth })).statusCode).toBe(
        403,
      );
      // Bad bodies never reach identity.
      for (const payload of [
        '',
        '{"data":{"type":"sessions","attributes":{}}}',
        JSON.stringify(doc('sessions', { code: 'x'.repeat(65) })),
      ]) {
        const before = fx.state.callsOf(TWO_FACTOR.verifyCode).length;
        const res = await call({
          method: 'POST',
          url: '/api/v2/session/two-factor',
          headers: { ...JSON_API, ...auth },
          payload,
        });
        expect([400, 422]).toContain(res.statusCode);
        expect(fx.state.callsOf(TWO_FACTOR.verifyCode).length).toBe(before);
      }
    });

    it('the right code completes the same session at once on this gateway (cached principal replaced)', async () => {
      const { auth } = await restrictedLogin('needs-2fa');
      // Cached as restricted first.
      expect((await call({ method: 'GET', url: '/api/v2/account/details', headers: auth })).statusCode).toBe(
        403,
      );
      const res = await call({
        method: 'POST',
        url: '/api/v2/session/two-factor',
        headers: { ...JSON_API, ...auth },
        payload: doc('sessions', { code: FAKE_TWO_FACTOR.code }),
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json().data.type).toBe('sessions');
      expect(res.json().data.attributes['two-factor-required']).toBe(false);
      expect(res.json().data.attributes.token).toBeUndefined();
      expect(lastCall(fx.state, TWO_FACTOR.verifyCode)).toMatchObject({
        code: FAKE_TWO_FACTOR.code,
        meta: { actor: { kind: 'user' } },
      });
      expect((await call({ method: 'GET', url: '/api/v2/account/details', headers: auth })).statusCode).toBe(
        200,
      );
      // Complete now: the two-factor step has nothing to do.
      const again = await call({
        method: 'POST',
        url: '/api/v2/session/two-factor',
        headers: { ...JSON_API, ...auth },
        payload: doc('sessions', { code: FAKE_TWO_FACTOR.code }),
      });
      expect(again.statusCode).toBe(400);
    });

    it('a recovery code completes it once; the same code then fails; send-sms is 204; logout works while restricted', async () => {
      const first = await restrictedLogin('needs-2fa');
      const ok = await call({
        method: 'POST',
        url: '/api/v2/session/two-factor-recovery',
        headers: { ...JSON_API, ...first.auth },
        payload: doc('sessions', { 'recovery-code': FAKE_TWO_FACTOR.recoveryCode }),
      });
      expect(ok.statusCode).toBe(200);
      const second = await restrictedLogin('needs-2fa');
      const reused = await call({
        method: 'POST',
        url: '/api/v2/session/two-factor-recovery',
        headers: { ...JSON_API, ...second.auth },
        payload: doc('sessions', { 'recovery-code': FAKE_TWO_FACTOR.recoveryCode }),
      });
      expect(reused.statusCode).toBe(422);
      expect(reused.json().errors[0].source).toEqual({ pointer: '/data/attributes/recovery-code' });
      expect(
        (await call({ method: 'POST', url: '/api/v2/session/two-factor-send-sms', headers: second.auth }))
          .statusCode,
      ).toBe(204);
      const out = await call({ method: 'DELETE', url: '/api/v2/session', headers: second.auth });
      expect(out.statusCode).toBe(204);
      expect(
        (await call({ method: 'GET', url: '/api/v2/account/details', headers: second.auth })).statusCode,
      ).toBe(401);
    });
  });

  describe('account two-factor settings', () => {
    it('enrol an app: 201 with secret, otpauth-uri and a PNG QR code data URI, no-store', async () => {
      const ada = signedIn(fx.state, 'ada-2fa');
      const res = await call({
        method: 'POST',
        url: '/api/v2/account/two-factor',
        headers: { ...JSON_API, ...ada.auth },
        payload: doc('two-factor-settings', { delivery: 'app' }),
      });
      expect(res.statusCode).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const { data } = res.json();
      expect(data).toMatchObject({ type: 'two-factor-settings', id: ada.id });
      expect(data.attributes).toMatchObject({
        delivery: 'app',
        status: 'pending',
        secret: FAKE_TWO_FACTOR.secret,
        'sms-number': null,
      });
      expect(data.attributes['otpauth-uri']).toMatch(/^otpauth:\/\/totp\//);
      expect(data.attributes['qr-code']).toMatch(/^data:image\/png;base64,/);
      expect(Buffer.from(data.attributes['qr-code'].split(',')[1], 'base64').subarray(1, 4).toString()).toBe(
        'PNG',
      );
      expect(data.attributes.warning).toBeUndefined();
    });

    it('enrol by SMS: the weaker-method warning; a bad number is 422 on sms-number; a bad delivery never reaches identity', async () => {
      const bea = signedIn(fx.state, 'bea-2fa');
      const res = await call({
        method: 'POST',
        url: '/api/v2/account/two-factor',
        headers: { ...JSON_API, ...bea.auth },
        payload: doc('two-factor-settings', { delivery: 'sms', 'sms-number': '+14155550100' }),
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().data.attributes).toMatchObject({
        delivery: 'sms',
        'sms-number': '+14155550100',
        'qr-code': null,
        secret: null,
      });
      expect(res.json().data.attributes.warning).toMatch(/weaker/);
      const bad = await call({
        method: 'POST',
        url: '/api/v2/account/two-factor',
        headers: { ...JSON_API, ...bea.auth },
        payload: doc('two-factor-settings', { delivery: 'sms', 'sms-number': '12' }),
      });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().errors[0].source).toEqual({ pointer: '/data/attributes/sms-number' });
      const before = fx.state.callsOf(TWO_FACTOR.startEnrolment).length;
      const nonsense = await call({
        method: 'POST',
        url: '/api/v2/account/two-factor',
        headers: { ...JSON_API, ...bea.auth },
        payload: doc('two-factor-settings', { delivery: 'fax' }),
      });
      expect(nonsense.statusCode).toBe(422);
      expect(fx.state.callsOf(TWO_FACTOR.startEnrolment).length).toBe(before);
      expect(
        (
          await call({
            method: 'POST',
            url: '/api/v2/account/actions/two-factor-resend-verification-code',
            headers: bea.auth,
          })
        ).statusCode,
      ).toBe(204);
    });

    it('SMS sends: 100 a day per client address (TFC-API §1.8), then 429 before identity is asked', async () => {
      const gus = signedIn(fx.state, 'gus-2fa');
      const resend = () =>
        fx.app.inject({
          method: 'POST',
          url: '/api/v2/account/actions/two-factor-resend-verification-code',
          headers: gus.auth,
          remoteAddress: '198.51.100.7',
        });
      for (let i = 0; i < 100; i++) expect((await resend()).statusCode).toBe(204);
      const before = fx.state.callsOf(TWO_FACTOR.sendSmsCode).length;
      const refused = await resend();
      expect(refused.statusCode).toBe(429);
      expect(refused.json().errors[0].code).toBe('TWO_FACTOR.SMS_LIMIT');
      expect(Number(refused.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
      expect(fx.state.callsOf(TWO_FACTOR.sendSmsCode).length).toBe(before);
      // Another address is not affected.
      const other = await fx.app.inject({
        method: 'POST',
        url: '/api/v2/account/actions/two-factor-resend-verification-code',
        headers: gus.auth,
        remoteAddress: '203.0.113.9',
      });
      expect(other.statusCode).toBe(204);
    });

    it('enable: 200 with the recovery codes (no-store); a wrong code is 422', async () => {
      const cy = signedIn(fx.state, 'cy-2fa');
      const wrong = await call({
        method: 'POST',
        url: '/api/v2/account/actions/two-factor-enable',
        headers: { ...JSON_API, ...cy.auth },
        payload: doc('two-factor-settings', { code: '999999' }),
      });
      expect(wrong.statusCode).toBe(422);
      const res = await call({
        method: 'POST',
        url: '/api/v2/account/actions/two-factor-enable',
        headers: { ...JSON_API, ...cy.auth },
        payload: doc('two-factor-settings', { code: FAKE_TWO_FACTOR.code }),
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json().data.attributes).toEqual({
        enabled: true,
        verified: true,
        'recovery-codes': [FAKE_TWO_FACTOR.recoveryCode],
      });
      const details = await call({ method: 'GET', url: '/api/v2/account/details', headers: cy.auth });
      expect(details.json().data.attributes['two-factor']).toEqual({ enabled: true, verified: true });
    });

    it('recovery codes: 201 with the password, 422 on `password` without', async () => {
      const di = signedIn(fx.state, 'di-2fa', { twoFactor: true });
      const wrong = await call({
        method: 'POST',
        url: '/api/v2/account/two-factor/recovery-codes',
        headers: { ...JSON_API, ...di.auth },
        payload: doc('two-factor-settings', { password: 'nope nope nope' }),
      });
      expect(wrong.statusCode).toBe(422);
      expect(wrong.json().errors[0].source).toEqual({ pointer: '/data/attributes/password' });
      const res = await call({
        method: 'POST',
        url: '/api/v2/account/two-factor/recovery-codes',
        headers: { ...JSON_API, ...di.auth },
        payload: doc('two-factor-settings', { password: PASSWORD }),
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().data.attributes['recovery-codes']).toEqual(['new1-new1-new1-new1']);
    });

    it('disable: 204 with the password; 422 while an organization the user owns requires 2FA (asked as the platform)', async () => {
      const eve = signedIn(fx.state, 'eve-2fa', { twoFactor: true });
      const created = await call({
        method: 'POST',
        url: '/api/v2/organizations',
        headers: { ...JSON_API, ...eve.auth },
        payload: doc('organizations', { name: 'strict-org', email: 'eve@example.com' }),
      });
      expect(created.statusCode).toBe(201);
      const strict = await call({
        method: 'PATCH',
        url: '/api/v2/organizations/strict-org',
        headers: { ...JSON_API, ...eve.auth },
        payload: doc('organizations', { 'collaborator-auth-policy': 'two_factor_mandatory' }),
      });
      expect(strict.statusCode).toBe(200);
      const before = fx.state.callsOf(TWO_FACTOR.disable).length;
      const refused = await call({
        method: 'DELETE',
        url: '/api/v2/account/two-factor',
        headers: { ...JSON_API, ...eve.auth },
        payload: doc('two-factor-settings', { password: PASSWORD }),
      });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().errors[0]).toMatchObject({
        code: 'TWO_FACTOR.REQUIRED_BY_ORGANIZATION',
        detail: expect.stringContaining('strict-org'),
      });
      expect(lastCall(fx.state, MEMBERSHIP.userOwnerships)).toMatchObject({
        userId: eve.id,
        meta: { actor: { kind: 'system' } },
      });
      expect(fx.state.callsOf(TWO_FACTOR.disable).length).toBe(before);

      const fay = signedIn(fx.state, 'fay-2fa', { twoFactor: true });
      const wrong = await call({
        method: 'DELETE',
        url: '/api/v2/account/two-factor',
        headers: { ...JSON_API, ...fay.auth },
        payload: doc('two-factor-settings', { password: 'nope nope nope' }),
      });
      expect(wrong.statusCode).toBe(422);
      const ok = await call({
        method: 'DELETE',
        url: '/api/v2/account/two-factor',
        headers: { ...JSON_API, ...fay.auth },
        payload: doc('two-factor-settings', { password: PASSWORD }),
      });
      expect(ok.statusCode).toBe(204);
    });

    it('401 without a credential, nothing asked of identity', async () => {
      const before = fx.state.calls.filter((c) => c.pattern.startsWith('identity.two-factor')).length;
      for (const [url, payload] of [
        ['/api/v2/account/two-factor', doc('two-factor-settings', { delivery: 'app' })],
        ['/api/v2/session/two-factor', doc('sessions', { code: FAKE_TWO_FACTOR.code })],
        [
          '/api/v2/session/two-factor-recovery',
          doc('sessions', { 'recovery-code': FAKE_TWO_FACTOR.recoveryCode }),
        ],
      ] as const)
        expect((await call({ method: 'POST', url, headers: JSON_API, payload })).statusCode).toBe(401);
      expect(fx.state.calls.filter((c) => c.pattern.startsWith('identity.two-factor')).length).toBe(before);
    });
  });
});
