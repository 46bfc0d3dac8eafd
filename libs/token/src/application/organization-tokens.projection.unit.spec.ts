import {
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InMemoryParkedEventStore,
  InMemoryReadStoreFactory,
  ProjectionRunner,
  type RecordedEvent,
} from '@idp/eventing';
import type { OrganizationTokenEvent } from '../domain/organization-token/organization-token.decider';
import { publicTokenEvent } from '../token.module';
import { organizationTokensModel, organizationTokensProjection } from './organization-tokens.projection';

const STREAM = 'organization-token-organization-org-1';
const created = (n: number): OrganizationTokenEvent => ({
  type: 'OrganizationTokenCreated',
  data: {
    tokenId: `at-${n}`,
    organizationId: 'org-1',
    organizationName: 'acme',
    kind: 'organization',
    expiredAt: null,
    tokenHash: String(n).repeat(64),
    createdAt: '2026-11-26T10:00:00.000Z',
    createdBy: { type: 'users', id: 'user-1' },
  },
});
const revoked = (n: number): OrganizationTokenEvent => ({
  type: 'OrganizationTokenRevoked',
  data: { tokenId: `at-${n}`, organizationId: 'org-1', kind: 'organization', reason: 'replaced' },
});

describe('organization-tokens projection', () => {
  const setup = async () => {
    const events = new InMemoryEventStore();
    const readStores = new InMemoryReadStoreFactory();
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const runner = () =>
      new ProjectionRunner(organizationTokensProjection, {
        events,
        readStores,
        checkpoints: new InMemoryCheckpointStore(),
        parked: new InMemoryParkedEventStore(),
        logger: silent,
      });
    await events.append(STREAM, [created(1)], 'no_stream');
    await events.append(STREAM, [revoked(1), created(2)], 0);
    await events.append(
      STREAM,
      [
        {
          type: 'OrganizationTokenOrganizationRenamed',
          data: {
            tokenId: 'at-2',
            organizationId: 'org-1',
            kind: 'organization',
            organizationName: 'acme-2',
          },
        },
      ],
      2,
    );
    return { events, runner, tokens: await readStores.open(organizationTokensModel) };
  };

  it('indexes the live token by the hash of its secret; a replaced one is gone; renames follow', async () => {
    const { runner, tokens } = await setup();
    await runner().catchUp();
    const expected = [
      {
        id: '2'.repeat(64),
        tokenId: 'at-2',
        organizationId: 'org-1',
        organizationName: 'acme-2',
        kind: 'organization',
        expiredAt: null,
        createdAt: '2026-11-26T10:00:00.000Z',
        createdBy: { type: 'users', id: 'user-1' },
      },
    ];
    expect(await tokens.find()).toEqual(expected);
    // Applied again from zero (a second runner with a fresh checkpoint): the same documents, no revival.
    await runner().catchUp();
    expect(await tokens.find()).toEqual(expected);
    expect(await tokens.get('1'.repeat(64))).toBeUndefined();
  });

  it('publishes creations and revocations without the hash; renames and closings stay inside', async () => {
    const { events } = await setup();
    const all = (await events.readAll(0n, 100)) as RecordedEvent[];
    const published = all.map(publicTokenEvent).filter((e) => e !== undefined);
    expect(published.map((e) => e!.type)).toEqual([
      'OrganizationTokenCreated',
      'OrganizationTokenRevoked',
      'OrganizationTokenCreated',
    ]);
    expect(published[0]!.data).toEqual({
      tokenId: 'at-1',
      organizationId: 'org-1',
      organizationName: 'acme',
      kind: 'organization',
      expiredAt: null,
      createdAt: '2026-11-26T10:00:00.000Z',
      createdBy: { type: 'users', id: 'user-1' },
    });
    expect(JSON.stringify(published.map((e) => e!.data))).not.toContain('1'.repeat(64));
  });

  it('a TTL policy shortening rewrites expiredAt (applied twice, the same) and is published without the hash', async () => {
    const { events, runner, tokens } = await setup();
    const shortened: OrganizationTokenEvent = {
      type: 'OrganizationTokenExpiryShortened',
      data: {
        tokenId: 'at-2',
        organizationId: 'org-1',
        kind: 'organization',
        expiredAt: '2026-12-03T10:00:00.000Z',
        maxTtlMs: 7 * 86_400_000,
        reason: 'ttl-policy',
      },
    };
    await events.append(STREAM, [shortened], 3);
    await runner().catchUp();
    expect(await tokens.get('2'.repeat(64))).toMatchObject({ expiredAt: '2026-12-03T10:00:00.000Z' });
    await runner().catchUp();
    expect(await tokens.get('2'.repeat(64))).toMatchObject({ expiredAt: '2026-12-03T10:00:00.000Z' });
    const all = (await events.readAll(0n, 100)) as RecordedEvent[];
    const published = all.map(publicTokenEvent).filter((e) => e !== undefined);
    expect(published.at(-1)).toMatchObject({
      type: 'OrganizationTokenExpiryShortened',
      data: {
        tokenId: 'at-2',
        organizationId: 'org-1',
        expiredAt: '2026-12-03T10:00:00.000Z',
        reason: 'ttl-policy',
      },
    });
    expect(Object.keys(published.at(-1)!.data as object).sort()).toEqual([
      'expiredAt',
      'organizationId',
      'reason',
      'tokenId',
    ]);
  });
});
