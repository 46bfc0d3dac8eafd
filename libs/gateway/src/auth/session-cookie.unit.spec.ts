import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  clearSessionCookie,
  isCredentialShaped,
  presentedCredential,
  sessionCookieOf,
  setSessionCookie,
} from './session-cookie';

const request = (headers: Record<string, string>, protocol: 'http' | 'https' = 'http') =>
  ({ headers, protocol }) as unknown as FastifyRequest;

const reply = () => {
  const headers: Record<string, string> = {};
  return {
    headers,
    header(name: string, value: string) {
      headers[name.toLowerCase()] = value;
      return this;
    },
  } as unknown as FastifyReply & { headers: Record<string, string> };
};

describe('session cookie', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['idp_session=abc', 'abc'],
    ['a=1; idp_session=abc; b=2', 'abc'],
    ['idp_session=first; idp_session=second', 'first'],
    ['idp_session="quoted"', 'quoted'],
    ['xidp_session=abc', undefined],
    ['idp_session', undefined],
  ])('sessionCookieOf(%j) → %j', (header, expected) => {
    expect(sessionCookieOf(header)).toBe(expected);
  });

  it.each([
    ['abc_DEF-123.~+/=', true],
    ['', false],
    ['a b', false],
    ['a;b', false],
    ['é', false],
    ['a'.repeat(512), true],
    ['a'.repeat(513), false],
  ])('isCredentialShaped(%j) → %s', (value, expected) => {
    expect(isCredentialShaped(value)).toBe(expected);
  });

  it('Authorization first; a bad one is invalid (no fall-back to the cookie)', () => {
    expect(presentedCredential(request({ authorization: 'Bearer t1', cookie: 'idp_session=t2' }))).toEqual({
      source: 'bearer',
      token: 't1',
    });
    expect(presentedCredential(request({ cookie: 'idp_session=t2' }))).toEqual({
      source: 'cookie',
      token: 't2',
    });
    expect(presentedCredential(request({ authorization: 'Token t1', cookie: 'idp_session=t2' }))).toEqual({
      source: 'invalid',
    });
    expect(presentedCredential(request({}))).toBeUndefined();
  });

  it('Secure over https, or when configured; never otherwise', () => {
    for (const [req, always, secure] of [
      [request({}, 'https'), false, true],
      [request({}, 'http'), true, true],
      [request({}, 'http'), false, false],
    ] as const) {
      const r = reply();
      setSessionCookie(req, r, 'tok', always);
      expect(r.headers['set-cookie']).toBe(
        `idp_session=tok; Path=/; HttpOnly;${secure ? ' Secure;' : ''} SameSite=Lax`,
      );
      clearSessionCookie(req, r, always);
      expect(r.headers['set-cookie']).toMatch(
        /^idp_session=; Path=\/; HttpOnly;( Secure;)? SameSite=Lax; Max-Age=0; /,
      );
    }
  });

  it('refuses to write a token that is not cookie-safe', () => {
    expect(() => setSessionCookie(request({}), reply(), 'a;b', false)).toThrow(TypeError);
  });
});
