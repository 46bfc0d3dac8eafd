import { resetSeconds } from './rate-limit.guard';
import { clientNetwork, rateLimitKey } from './rate-limit-key';

describe('rate limit keys', () => {
  const principal = { kind: 'session' as const, userId: 'user-abc', sessionId: 's1', expiresAt: '' };

  it('an authenticated request draws from its user, whatever its address or credential', () => {
    expect(rateLimitKey({ ip: '10.0.0.1', principal })).toBe('user:user-abc');
    expect(rateLimitKey({ ip: '10.0.0.2', principal: { ...principal, sessionId: 's2' } })).toBe(
      'user:user-abc',
    );
  });

  it('an organization token draws from its organization token, never from a user; regenerating changes nothing', () => {
    const org = {
      kind: 'organization-token' as const,
      organizationId: 'org-1',
      organizationName: 'acme',
      tokenId: 'at-1',
      tokenKind: 'organization' as const,
      expiresAt: null,
    };
    expect(rateLimitKey({ ip: '10.0.0.1', principal: org })).toBe('organization-token:org-1');
    expect(rateLimitKey({ ip: '10.0.0.2', principal: { ...org, tokenId: 'at-2' } })).toBe(
      'organization-token:org-1',
    );
  });

  it('an anonymous request draws from its client address', () => {
    expect(rateLimitKey({ ip: '10.0.0.1' })).toBe('ip:10.0.0.1');
    expect(rateLimitKey({ ip: '' })).toBe('ip:');
  });

  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['2001:db8:1:2::10.0.0.1', '2001:db8:1:2::/64'],
    ['not-an-ip', 'not-an-ip'],
  ])('%s -> %s', (ip, network) => {
    expect(clientNetwork(ip)).toBe(network);
  });

  it.each([
    [1000 / 30, '0.034'],
    [0.2, '0.001'],
    [1500, '1.5'],
    [2000, '2'],
  ])('X-RateLimit-Reset for %d ms is %s', (ms, header) => {
    expect(resetSeconds(ms)).toBe(header);
  });
});
