import {
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InMemoryParkedEventStore,
  InMemoryReadStoreFactory,
  ProjectionRunner,
  type RecordedEvent,
} from '@idp/eventing';
import type { TeamTokenEvent } from '../domain/team-token/team-token.decider';
import { publicTokenEvent } from '../token.module';
import { teamTokensModel, teamTokensProjection } from './team-tokens.projection';

const STREAM = 'team-tokens-team-1';
const created = (n: number, description: string | null): TeamTokenEvent => ({
  type: 'TeamTokenCreated',
  data: {
    tokenId: `at-${n}`,
    teamId: 'team-1',
    organizationId: 'org-1',
    description,
    expiredAt: null,
    tokenHash: String(n).repeat(64),
    createdAt: '2026-11-26T10:00:00.000Z',
    createdBy: { type: 'teams', id: 'team-owners' },
  },
});
const revoked = (n: number, reason: 'replaced' | 'team-deleted'): TeamTokenEvent => ({
  type: 'TeamTokenRevoked',
  data: { tokenId: `at-${n}`, teamId: 'team-1', organizationId: 'org-1', reason },
});

describe('team-tokens projection', () => {
  const setup = async () => {
    const events = new InMemoryEventStore();
    const readStores = new InMemoryReadStoreFactory();
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const runner = () =>
      new ProjectionRunner(teamTokensProjection, {
        events,
        readStores,
        checkpoints: new InMemoryCheckpointStore(),
        parked: new InMemoryParkedEventStore(),
        logger: silent,
      });
    await events.append(STREAM, [created(1, null), created(2, 'ci')], 'no_stream');
    await events.append(STREAM, [revoked(1, 'replaced'), created(3, null)], 1);
    return { events, runner, tokens: await readStores.open(teamTokensModel) };
  };

  const doc = (n: number, description: string | null) => ({
    id: String(n).repeat(64),
    tokenId: `at-${n}`,
    teamId: 'team-1',
    organizationId: 'org-1',
    description,
    expiredAt: null,
    createdAt: '2026-11-26T10:00:00.000Z',
    createdBy: { type: 'teams', id: 'team-owners' },
  });

  it('indexes live tokens by the hash of their secret; a replaced legacy token is gone; applied twice, the same', async () => {
    const { runner, tokens } = await setup();
    await runner().catchUp();
    const byId = async () => (await tokens.find()).sort((a, b) => a.tokenId.localeCompare(b.tokenId));
    expect(await byId()).toEqual([doc(2, 'ci'), doc(3, null)]);
    // Applied again from zero (a second runner with a fresh checkpoint): the same documents, no revival.
    await runner().catchUp();
    expect(await byId()).toEqual([doc(2, 'ci'), doc(3, null)]);
    expect(await tokens.get('1'.repeat(64))).toBeUndefined();
  });

  it('publishes creations and revocations without the hash; the closing stays inside', async () => {
    const { events } = await setup();
    await events.append(
      STREAM,
      [
        revoked(2, 'team-deleted'),
        revoked(3, 'team-deleted'),
        { type: 'TeamTokensClosed', data: { teamId: 'team-1', reason: 'team-deleted' } },
      ],
      3,
    );
    const all = (await events.readAll(0n, 100)) as RecordedEvent[];
    const published = all.map(publicTokenEvent).filter((e) => e !== undefined);
    expect(published.map((e) => e!.type)).toEqual([
      'TeamTokenCreated',
      'TeamTokenCreated',
      'TeamTokenRevoked',
      'TeamTokenCreated',
      'TeamTokenRevoked',
      'TeamTokenRevoked',
    ]);
    expect(published[0]!.data).toEqual({
      tokenId: 'at-1',
      teamId: 'team-1',
      organizationId: 'org-1',
      description: null,
      expiredAt: null,
      createdAt: '2026-11-26T10:00:00.000Z',
      createdBy: { type: 'teams', id: 'team-owners' },
    });
    expect(JSON.stringify(published.map((e) => e!.data))).not.toContain('1'.repeat(64));
  });

  it('a TTL policy shortening rewrites expiredAt (applied twice, the same) and is published without the hash', async () => {
    const { events, runner, tokens } = await setup();
    const shortened: TeamTokenEvent = {
      type: 'TeamTokenExpiryShortened',
      data: {
        tokenId: 'at-2',
        teamId: 'team-1',
        organizationId: 'org-1',
        expiredAt: '2026-12-26T10:00:00.000Z',
        maxTtlMs: 30 * 86_400_000,
        reason: 'ttl-policy',
      },
    };
    await events.append(STREAM, [shortened], 3);
    await runner().catchUp();
    expect(await tokens.get('2'.repeat(64))).toEqual({
      ...doc(2, 'ci'),
      expiredAt: '2026-12-26T10:00:00.000Z',
    });
    await runner().catchUp();
    expect(await tokens.get('2'.repeat(64))).toEqual({
      ...doc(2, 'ci'),
      expiredAt: '2026-12-26T10:00:00.000Z',
    });
    expect(await tokens.get('3'.repeat(64))).toEqual(doc(3, null));
    const all = (await events.readAll(0n, 100)) as RecordedEvent[];
    const published = all.map(publicTokenEvent).filter((e) => e !== undefined);
    expect(published.at(-1)).toMatchObject({ type: 'TeamTokenExpiryShortened' });
    expect(published.at(-1)!.data).toEqual({
      tokenId: 'at-2',
      organizationId: 'org-1',
      expiredAt: '2026-12-26T10:00:00.000Z',
      reason: 'ttl-policy',
    });
  });
});
