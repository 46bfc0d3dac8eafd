import {
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InMemoryParkedEventStore,
  InMemoryReadStoreFactory,
  ProjectionRunner,
} from '@idp/eventing';
import type { SessionEvent } from '../domain/session/session.decider';
import { impersonationsToEnd, sessionsToEnd } from './identity-reactions';
import { sessionsModel, sessionsProjection } from './sessions.projection';

describe('impersonation sessions in the token service (TFC-API §10)', () => {
  it('the sessions read model keeps who impersonates, why, and the session to return to (indexed by impersonator)', async () => {
    const events = new InMemoryEventStore();
    const readStores = new InMemoryReadStoreFactory();
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const runner = new ProjectionRunner(sessionsProjection, {
      events,
      readStores,
      checkpoints: new InMemoryCheckpointStore(),
      parked: new InMemoryParkedEventStore(),
      logger: silent,
    });
    const started: SessionEvent = {
      type: 'SessionStarted',
      data: {
        sessionId: 'sess-imp',
        userId: 'user-ada',
        tokenHash: 'a'.repeat(64),
        startedAt: '2026-11-26T10:00:00.000Z',
        absoluteExpiresAt: '2026-11-26T22:00:00.000Z',
        impersonation: { impersonatorId: 'user-root', reason: 'ticket 7', returnToSessionId: 'sess-root' },
      },
    };
    await events.append('session-sess-imp', [started], 'no_stream');
    await runner.catchUp();
    const sessions = await readStores.open(sessionsModel);
    expect(await sessions.find({ where: { impersonatorId: 'user-root' } })).toEqual([
      {
        id: 'a'.repeat(64),
        sessionId: 'sess-imp',
        userId: 'user-ada',
        startedAt: '2026-11-26T10:00:00.000Z',
        absoluteExpiresAt: '2026-11-26T22:00:00.000Z',
        ip: null,
        userAgent: null,
        impersonatorId: 'user-root',
        impersonationReason: 'ticket 7',
        returnToSessionId: 'sess-root',
      },
    ]);
    expect(sessionsModel.indexes).toContainEqual({ impersonatorId: 1 });
  });

  it("an admin's suspension, deletion or lost admin flag ends the impersonations they started", () => {
    const event = (type: string) => ({ type, data: { userId: 'user-root' } });
    expect(impersonationsToEnd(event('AccountSuspended'))).toEqual({
      impersonatorId: 'user-root',
      reason: 'account-suspended',
    });
    expect(impersonationsToEnd(event('AccountDeleted'))).toEqual({
      impersonatorId: 'user-root',
      reason: 'account-deleted',
    });
    expect(impersonationsToEnd(event('SiteAdminRevoked'))).toEqual({
      impersonatorId: 'user-root',
      reason: 'revoked',
    });
    expect(impersonationsToEnd(event('AccountUnsuspended'))).toBeUndefined();
    expect(impersonationsToEnd(event('SiteAdminGranted'))).toBeUndefined();
    // Losing the admin flag ends no session of the admin's own.
    expect(sessionsToEnd({ ...event('SiteAdminRevoked'), occurredAt: new Date() })).toBeUndefined();
  });
});
