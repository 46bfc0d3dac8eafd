import type { IdentityIntegrationEvent } from '@idp/contracts';
import { spec } from '@idp/eventing/testing';
import { type UserMirrorEvent, userMirrorDecider } from './user-mirror';

const observe = (event: IdentityIntegrationEvent, identityRevision: number) => ({
  type: 'ObserveIdentityEvent' as const,
  data: { event, identityEventId: `e-${identityRevision}`, identityRevision },
});

const ada = { userId: 'user-ada', username: 'ada', email: 'ada@example.org' };
const registered: IdentityIntegrationEvent = {
  type: 'AccountRegistered',
  data: { ...ada, emailConfirmed: false, registeredAt: '2026-11-26T10:00:00.000Z' },
};
const mirrored = (over: object, identityRevision: number, cause: string): UserMirrorEvent => ({
  type: 'UserMirrored',
  data: {
    ...ada,
    emailConfirmed: false,
    twoFactor: false,
    registeredAt: '2026-11-26T10:00:00.000Z',
    ...over,
    identityEventId: `e-${identityRevision}`,
    identityRevision,
    cause,
  },
});
const recorded = mirrored({}, 0, 'AccountRegistered');

describe('user mirror', () => {
  const mirror = spec(userMirrorDecider);

  it('records a registration, then only what changes what it keeps', () => {
    mirror.given([]).when(observe(registered, 0)).then([recorded]);
    mirror
      .given([recorded])
      .when(
        observe({ type: 'UsernameChanged', data: { userId: ada.userId, from: 'ada', to: 'lovelace' } }, 1),
      )
      .then([mirrored({ username: 'lovelace' }, 1, 'UsernameChanged')]);
    mirror
      .given([recorded])
      .when(observe({ type: 'EmailConfirmed', data: { userId: ada.userId, email: 'ADA@example.org' } }, 2))
      .then([mirrored({ emailConfirmed: true }, 2, 'EmailConfirmed')]);
    mirror
      .given([recorded])
      .when(
        observe(
          {
            type: 'EmailChanged',
            data: { userId: ada.userId, username: 'ada', from: ada.email, to: 'a@x.org' },
          },
          3,
        ),
      )
      .then([mirrored({ email: 'a@x.org', emailConfirmed: true }, 3, 'EmailChanged')]);
    mirror
      .given([recorded])
      .when(observe({ type: 'UsernameChanged', data: { userId: ada.userId, from: 'x', to: 'ada' } }, 1))
      .thenNothingHappened();
  });

  it('records 2FA being enabled and disabled (by the user or a site admin), nothing when it does not change', () => {
    const enabled = mirrored({ twoFactor: true }, 1, 'TwoFactorEnabled');
    mirror
      .given([recorded])
      .when(observe({ type: 'TwoFactorEnabled', data: { userId: ada.userId, delivery: 'app' } }, 1))
      .then([enabled]);
    mirror
      .given([recorded, enabled])
      .when(observe({ type: 'TwoFactorDisabled', data: { userId: ada.userId, by: 'admin' } }, 2))
      .then([mirrored({ twoFactor: false }, 2, 'TwoFactorDisabled')]);
    mirror
      .given([recorded, enabled])
      .when(observe({ type: 'TwoFactorEnabled', data: { userId: ada.userId, delivery: 'sms' } }, 2))
      .thenNothingHappened();
    mirror
      .given([recorded])
      .when(observe({ type: 'TwoFactorDisabled', data: { userId: ada.userId, by: 'user' } }, 1))
      .thenNothingHappened();
    // A redelivered enable after a later disable changes nothing (identity revision at or below the recorded one).
    mirror
      .given([recorded, enabled, mirrored({ twoFactor: false }, 2, 'TwoFactorDisabled')])
      .when(observe({ type: 'TwoFactorEnabled', data: { userId: ada.userId, delivery: 'app' } }, 1))
      .thenNothingHappened();
  });

  it('ignores a redelivery (an identity revision at or below the recorded one)', () => {
    mirror.given([recorded]).when(observe(registered, 0)).thenNothingHappened();
    const renamed = mirrored({ username: 'lovelace' }, 4, 'UsernameChanged');
    mirror
      .given([recorded, renamed])
      .when(observe({ type: 'UsernameChanged', data: { userId: ada.userId, from: 'ada', to: 'other' } }, 3))
      .thenNothingHappened();
  });

  it('forgets a deleted account for good, and records nothing for an account it never saw registered', () => {
    const forgotten: UserMirrorEvent = {
      type: 'UserForgotten',
      data: { userId: ada.userId, identityEventId: 'e-5', identityRevision: 5 },
    };
    mirror
      .given([recorded])
      .when(observe({ type: 'AccountDeleted', data: { userId: ada.userId } }, 5))
      .then([forgotten]);
    mirror.given([recorded, forgotten]).when(observe(registered, 6)).thenNothingHappened();
    mirror
      .given([])
      .when(observe({ type: 'UsernameChanged', data: { userId: ada.userId, from: 'a', to: 'b' } }, 1))
      .thenNothingHappened();
  });
});
